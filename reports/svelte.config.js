// Merged by Evidence into its own SvelteKit config (see @evidence-dev/evidence/template/svelte.config.js).
import { existsSync, readFileSync } from 'node:fs';
import adapter from '@sveltejs/adapter-static';

// Written by the publish step (pipelines/publish/publish.ts): every monthly retention page and
// the top customers' profile pages. The other profiles are not prerendered: the fallback page
// renders them in the browser from the same Arrow tables.
const prerenderFile = new URL('./.evidence/prerender.json', import.meta.url);
const { entries } = existsSync(prerenderFile) ? JSON.parse(readFileSync(prerenderFile, 'utf8')) : { entries: ['*'] };

export default {
  kit: {
    adapter: adapter({ pages: process.env.EVIDENCE_BUILD_DIR ?? './build', fallback: '404.html', strict: false }),
    prerender: { entries, crawl: false, handleMissingId: 'ignore' },
  },
};
