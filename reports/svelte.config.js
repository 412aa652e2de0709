// Merged by Evidence into its own SvelteKit config (see @evidence-dev/evidence/template/svelte.config.js).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import adapter from '@sveltejs/adapter-static';

// Written by the publish step (pipelines/publish/publish.ts): every monthly retention page and
// the top customers' profile pages. The other profiles are not prerendered: the fallback page
// renders them in the browser from the same Arrow tables. Each worker of reports/prerender-again.js
// is given its share of them in CLM_PRERENDER_ENTRIES.
const prerenderFile = process.env.CLM_PRERENDER_ENTRIES ?? new URL('./.evidence/prerender.json', import.meta.url);
const { entries } = existsSync(prerenderFile) ? JSON.parse(readFileSync(prerenderFile, 'utf8')) : { entries: ['*'] };

// `evidence build` with CLM_PRERENDER=none only compiles the pages: reports/prerender-again.js
// prerenders them and writes the site, so SvelteKit's adapter leaves an empty folder for Evidence
// to copy rather than 100 MB of assets nobody reads.
const compileOnly = {
  name: 'clm-compile-only',
  adapt: (builder) => {
    builder.rimraf('build');
    mkdirSync('build');
  },
};

export default {
  kit: {
    adapter: process.env.CLM_PRERENDER === 'none' ? compileOnly : adapter({ pages: process.env.EVIDENCE_BUILD_DIR ?? './build', fallback: '404.html', strict: false }),
    prerender: { entries, crawl: false, handleMissingId: 'ignore' },
  },
};
