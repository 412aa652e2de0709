// Prerenders a compiled Evidence site with the data in static/data: the second half of `evidence
// build` (SvelteKit's analyse, prerender and adapter steps, then Evidence's naming of the data
// files by their hash), without the Vite compilation of the pages, which does not depend on the
// data. The pages are shared among workers, one per core: prerendering is single-threaded work
// (Svelte's server rendering, DuckDB-Wasm) and takes about a third of a build.
//
// Run by the publish step (pipelines/publish/publish.ts) in `.evidence/template` of a build copy
// that holds the compiled output (`.svelte-kit/output`): of an `evidence build` just run with
// CLM_PRERENDER=none (which compiles the pages only), or of an earlier build of the same pages,
// settings and packages. It follows SvelteKit 2.8's own build
// (node_modules/@sveltejs/kit/src/exports/vite/index.js, `writeBundle`), whose internal modules it
// imports: the lockfile pins that version, and a test compares its output with the warehouse.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, posix, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';

// Read by the configuration (Evidence's svelte.config.js, patched), here and in each worker.
process.env.CLM_PRERENDER = 'part';

const kit = dirname(createRequire(import.meta.url).resolve('@sveltejs/kit/package.json'));
const load = (path) => import(pathToFileURL(join(kit, 'src', path)).href);

const { load_config } = await load('core/config/index.js');
const { default: create_manifest_data } = await load('core/sync/create_manifest_data/index.js');
const { default: analyse } = await load('core/postbuild/analyse.js');
const { default: prerender } = await load('core/postbuild/prerender.js');
const { adapt } = await load('core/adapt/index.js');
const { get_env } = await load('exports/vite/utils.js');
const { logger } = await load('core/utils.js');
const { get_route_segments } = await load('utils/routing.js');

const config = await load_config();
const out = join(config.kit.outDir, 'output');
const manifestPath = join(out, 'server', 'manifest-full.js');
for (const file of [manifestPath, join(out, 'server', '.vite', 'manifest.json'), join(out, 'client')]) {
  if (!existsSync(file)) throw new Error(`No compiled site to prerender again: ${file} is missing`);
}
const env = get_env(config.kit.env, 'production');
const allEnv = { ...env.private, ...env.public };
const manifestData = create_manifest_data({ config });
const serverManifest = JSON.parse(readFileSync(join(out, 'server', '.vite', 'manifest.json'), 'utf8'));
const metadata = await analyse({ manifest_path: manifestPath, manifest_data: manifestData, server_manifest: serverManifest, tracked_features: {}, env: allEnv });

// The compiled client holds a copy of static/ (Vite's public folder) from the earlier build: the
// data in it is replaced by the new.
const staticDir = config.kit.files.assets;
rmSync(join(out, 'client', 'data'), { recursive: true, force: true });
cpSync(staticDir, join(out, 'client'), { recursive: true });
rmSync(join(out, 'prerendered'), { recursive: true, force: true });

// The pages to prerender: the configured entries, `*` spelled out the way SvelteKit does (every
// route without parameters that may be prerendered), dealt out to the workers in turn.
const paths = new Set();
for (const entry of config.kit.prerender.entries) {
  if (entry !== '*') {
    paths.add(entry);
    continue;
  }
  for (const [id, route] of metadata.routes) {
    if (!route.prerender) continue;
    const segments = get_route_segments(id).filter((segment) => !segment.startsWith('[['));
    if (!segments.some((segment) => segment.includes('['))) paths.add(`/${segments.join('/')}`);
  }
}
// One per core unless CLM_PRERENDER_WORKERS says how many.
const asked = Number.parseInt(process.env.CLM_PRERENDER_WORKERS ?? '', 10);
const workers = Math.max(1, Math.min(asked > 0 ? asked : availableParallelism(), paths.size));
const shares = Array.from({ length: workers }, () => []);
[...paths].forEach((path, i) => shares[i % workers].push(path));

// Each worker is a thread of SvelteKit's own (`forked`), which reads the configuration, and with it
// CLM_PRERENDER_ENTRIES (reports/svelte.config.js), as it starts.
const results = await Promise.all(
  shares.map((entries, i) => {
    const file = resolve(`prerender-share-${i}.json`);
    writeFileSync(file, JSON.stringify({ entries }));
    process.env.CLM_PRERENDER_ENTRIES = file;
    return prerender({ out, manifest_path: manifestPath, metadata, verbose: false, env: allEnv }).finally(() => rmSync(file, { force: true }));
  }),
);
delete process.env.CLM_PRERENDER_ENTRIES;

const prerendered = { pages: new Map(), assets: new Map(), redirects: new Map(), paths: [] };
const prerender_map = new Map();
for (const result of results) {
  for (const kind of ['pages', 'assets', 'redirects']) for (const [path, value] of result.prerendered[kind]) prerendered[kind].set(path, value);
  prerendered.paths.push(...result.prerendered.paths);
  // A route a worker found to be a prerendered dependency says so ('auto'); the others keep its option.
  for (const [id, option] of result.prerender_map) if (prerender_map.get(id) !== 'auto') prerender_map.set(id, option);
}
prerendered.paths = [...new Set(prerendered.paths)];

const appPath = `${config.kit.paths.base.slice(1)}${config.kit.paths.base ? '/' : ''}${config.kit.appDir}`;
const buildData = { app_dir: config.kit.appDir, app_path: appPath, manifest_data: manifestData, out_dir: out, service_worker: null, client: null, server_manifest: serverManifest };
rmSync('build', { recursive: true, force: true });
await adapt(config, buildData, metadata, prerendered, prerender_map, logger({ verbose: false }), { mode: 'production' });

// Evidence's build names each data file by its hash, so browsers may cache them for good
// (@evidence-dev/evidence/cli.js, buildHelper).
const manifestFile = join('build', 'data', 'manifest.json');
if (existsSync(manifestFile)) {
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  for (const files of Object.values(manifest.renderedFiles)) {
    for (let i = 0; i < files.length; i++) {
      const diskParts = files[i].split('/').slice(-3).join('/');
      const filePath = posix.join('build', 'data', diskParts);
      if (!existsSync(filePath)) continue;
      const hash = createHash('md5').update(readFileSync(filePath)).digest('hex');
      const newDiskPart = posix.join(posix.dirname(diskParts), hash, posix.basename(diskParts));
      cpSync(filePath, posix.join('build', 'data', newDiskPart));
      rmSync(filePath);
      files[i] = files[i].replace(diskParts, newDiskPart);
    }
  }
  writeFileSync(manifestFile, `${JSON.stringify(manifest)}\n`);
}
console.log(`Prerendered ${prerendered.pages.size} pages in ${workers} workers --> ./build`);
