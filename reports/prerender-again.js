// Prerenders an already compiled Evidence site again, with new data: the second half of
// `evidence build` (SvelteKit's analyse, prerender and adapter steps, then Evidence's naming of
// the data files by their hash), without the Vite compilation of the pages, which does not depend
// on the data and takes most of the build.
//
// Run by the publish step (pipelines/publish/publish.ts) in `.evidence/template` of a build copy
// that holds the compiled output (`.svelte-kit/output`) of an earlier `evidence build` of the same
// pages, settings and packages, and the new data in `static/data`. It follows SvelteKit 2.8's own
// build (node_modules/@sveltejs/kit/src/exports/vite/index.js, `writeBundle`), whose internal
// modules it imports: the lockfile pins that version, and a test compares its output with a full build.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, posix } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const kit = dirname(createRequire(import.meta.url).resolve('@sveltejs/kit/package.json'));
const load = (path) => import(pathToFileURL(join(kit, 'src', path)).href);

const { load_config } = await load('core/config/index.js');
const { default: create_manifest_data } = await load('core/sync/create_manifest_data/index.js');
const { default: analyse } = await load('core/postbuild/analyse.js');
const { default: prerender } = await load('core/postbuild/prerender.js');
const { adapt } = await load('core/adapt/index.js');
const { get_env } = await load('exports/vite/utils.js');
const { logger } = await load('core/utils.js');

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

const { prerendered, prerender_map } = await prerender({ out, manifest_path: manifestPath, metadata, verbose: false, env: allEnv });

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
console.log('Prerendered again --> ./build');
