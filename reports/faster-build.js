// Vite plugins that make Evidence's compilation of the pages shorter, added to its Vite
// configuration by reports/patches/@evidence-dev+evidence+*.patch. Same site, less work:
//
// - Each component is imported from its own file instead of from its package's index.
//   `import { DataTable } from '@evidence-dev/core-components'` makes Rollup load, compile and
//   tree-shake every module the index re-exports, used or not: 378 modules of core-components and,
//   through them, 421 of cmdk-sv and 296 of bits-ui, of which about a third reach the site.
//   Rewritten to `import { default as DataTable } from '…/dist/unsorted/viz/table/DataTable.svelte'`,
//   only what is used is compiled. An import it cannot follow (a name the index does not trace to
//   a file, a default or namespace import) is left as it was.
// - Each icon is imported alone from its icon set. `import { X } from '@steeze-ui/tabler-icons'`
//   made Rollup parse and tree-shake the set's whole index (simple-icons 4.8 MB, tabler-icons
//   2.4 MB, radix-icons 0.3 MB, each one line `export const Name = {…};` per icon) in both builds,
//   for the 30-odd icons the components show. The import now reads a module of that one line.
// - Evidence's Markdown preprocessor (one 3 MB file), which two of its API routes import, is
//   imported by Node when they are prerendered instead of being bundled into the server build.
// - ECharts, which Evidence imports whole, is taken from its own single-file ES build instead of
//   its 460 modules and zrender's 96.
//
// On the sample's site: 2,923 → 1,657 modules in the browser build and 1,544 → 838 in the server
// build; Vite's two builds 0.77× the time (farm-bench, 3 pairs: 65.6 → 50.6 s). The icons and
// the preprocessor: 0.94× again (64.3 → 56.3 s on a slower day).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseAst } from 'vite';

/** Packages whose index only re-exports modules without side effects. */
const INDEXED = ['@evidence-dev/core-components', 'bits-ui', 'cmdk-sv', '@melt-ui/svelte'];
/** Icon sets whose index is one `export const Name = {…};` line per icon. */
const ICON_SETS = ['@steeze-ui/simple-icons', '@steeze-ui/tabler-icons', '@steeze-ui/radix-icons'];
const PACKAGES = [...INDEXED, ...ICON_SETS];
/** Where a single icon is imported from: `clm-icon:<set>/<Name>`. */
const ICON = 'clm-icon:';

/**
 * @typedef {{ file: string, imported: string }} Origin where an exported name is defined:
 *   `imported` is its name in `file`, `default`, or `*` for a namespace (`export * as X from`).
 */

/** @param {string} from @param {string} specifier @returns {string | undefined} */
function resolveRelative(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  return [base, `${base}.js`, join(base, 'index.js')].find((file) => existsSync(file) && statSync(file).isFile());
}

/**
 * Every name a module exports, traced through `export … from` to the module that defines it.
 * Undefined when a re-export cannot be followed (a package name, a file not found).
 * @param {string} file
 * @param {Map<string, Map<string, Origin> | undefined>} seen
 * @returns {Map<string, Origin> | undefined}
 */
function exportsOf(file, seen = new Map()) {
  if (seen.has(file)) return seen.get(file);
  /** @type {Map<string, Origin>} */
  const names = new Map();
  seen.set(file, names);
  if (!file.endsWith('.js')) return names;
  for (const node of parseAst(readFileSync(file, 'utf8')).body) {
    if (node.type === 'ExportAllDeclaration') {
      const target = resolveRelative(file, String(node.source.value));
      if (target === undefined) return fail(file, seen);
      if (node.exported) {
        names.set(nameOf(node.exported), { file: target, imported: '*' });
        continue;
      }
      const inner = exportsOf(target, seen);
      if (inner === undefined) return fail(file, seen);
      for (const [name, origin] of inner) if (name !== 'default' && !names.has(name)) names.set(name, origin);
    } else if (node.type === 'ExportNamedDeclaration' && node.source) {
      const target = resolveRelative(file, String(node.source.value));
      if (target === undefined) return fail(file, seen);
      const inner = exportsOf(target, seen);
      if (inner === undefined) return fail(file, seen);
      for (const spec of node.specifiers) {
        const local = nameOf(spec.local);
        names.set(nameOf(spec.exported), inner.get(local) ?? { file: target, imported: local });
      }
    } else if (node.type === 'ExportNamedDeclaration') {
      for (const spec of node.specifiers) names.set(nameOf(spec.exported), { file, imported: nameOf(spec.local) });
      const declaration = node.declaration;
      if (declaration && 'id' in declaration && declaration.id) names.set(declaration.id.name, { file, imported: declaration.id.name });
      if (declaration?.type === 'VariableDeclaration') {
        for (const { id } of declaration.declarations) if (id.type === 'Identifier') names.set(id.name, { file, imported: id.name });
      }
    } else if (node.type === 'ExportDefaultDeclaration') {
      names.set('default', { file, imported: 'default' });
    }
  }
  return names;
}

/** @param {string} file @param {Map<string, Map<string, Origin> | undefined>} seen */
function fail(file, seen) {
  seen.set(file, undefined);
  return undefined;
}

/** @param {{ type: string, name?: string, value?: unknown }} node */
const nameOf = (node) => (node.type === 'Identifier' ? String(node.name) : String(node.value));

/** @param {string} root @param {string} name @returns {string | undefined} */
function packageDir(root, name) {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', name, 'package.json'))) return join(dir, 'node_modules', name);
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * A package's index: its `svelte` field, else its export of `.` under `condition`.
 * @param {string} root @param {string} name @param {string} condition @returns {string | undefined}
 */
function entryFile(root, name, condition) {
  const dir = packageDir(root, name);
  const manifest = dir && JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const entry = manifest?.svelte ?? manifest?.exports?.['.']?.[condition];
  return dir && entry ? join(dir, entry) : undefined;
}

/**
 * @param {string} root the directory the packages are installed for
 * @returns {import('vite').Plugin[]}
 */
export function fasterBuild(root) {
  return [directImports(root), prebuiltECharts(root), serverExternals()];
}

/** @returns {import('vite').Plugin} */
function serverExternals() {
  return { name: 'clm-server-externals', config: () => ({ ssr: { external: ['@evidence-dev/preprocess'] } }) };
}

/** @param {string} root @returns {import('vite').Plugin} */
function prebuiltECharts(root) {
  const dir = packageDir(root, 'echarts');
  const bundle = dir && join(dir, 'dist', 'echarts.esm.min.mjs');
  return {
    name: 'clm-prebuilt-echarts',
    enforce: 'pre',
    resolveId: (source) => (source === 'echarts' && bundle && existsSync(bundle) ? bundle : null),
  };
}

/**
 * An icon set's icons, each its line of the index; undefined when the index is not one
 * `export const Name = {…};` line per icon (its imports are then left as they are).
 * @param {string} root @param {string} name @returns {Map<string, string> | undefined}
 */
function readIcons(root, name) {
  const entry = entryFile(root, name, 'import');
  if (!entry) return undefined;
  /** @type {Map<string, string>} */
  const icons = new Map();
  for (const line of readFileSync(entry, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const icon = /^export const ([A-Za-z_$][\w$]*) = \{.*\};$/.exec(line)?.[1];
    if (icon === undefined) return undefined;
    icons.set(icon, line);
  }
  return icons;
}

/** @param {string} root @returns {import('vite').Plugin} */
function directImports(root) {
  /** @type {Map<string, Map<string, Origin> | undefined>} */
  const indexes = new Map();
  /** @type {Map<string, Map<string, string> | undefined>} */
  const iconSets = new Map();
  const iconsOf = (/** @type {string} */ name) => {
    if (!iconSets.has(name)) iconSets.set(name, readIcons(root, name));
    return iconSets.get(name);
  };
  const indexOf = (/** @type {string} */ name) => {
    if (!indexes.has(name)) {
      if (ICON_SETS.includes(name)) {
        const icons = iconsOf(name);
        indexes.set(name, icons && new Map([...icons.keys()].map((icon) => [icon, { file: `${ICON}${name}/${icon}`, imported: icon }])));
      } else {
        const entry = entryFile(root, name, 'svelte');
        indexes.set(name, entry ? exportsOf(entry) : undefined);
      }
    }
    return indexes.get(name);
  };
  return {
    name: 'clm-direct-imports',
    resolveId: (source) => (source.startsWith(ICON) ? `\0${source}` : null),
    load(id) {
      if (!id.startsWith(`\0${ICON}`)) return null;
      const path = id.slice(ICON.length + 1);
      const slash = path.lastIndexOf('/');
      return iconsOf(path.slice(0, slash))?.get(path.slice(slash + 1)) ?? null;
    },
    // After Svelte compiled the component: its imports are then plain JavaScript.
    enforce: 'post',
    transform(code) {
      if (!PACKAGES.some((name) => code.includes(name))) return null;
      /** @type {{ start: number, end: number, text: string }[]} */
      const edits = [];
      let body;
      try {
        body = this.parse(code).body;
      } catch {
        return null; // not JavaScript (a style sheet, say)
      }
      for (const node of body) {
        if (node.type !== 'ImportDeclaration' || !PACKAGES.includes(String(node.source.value))) continue;
        const index = indexOf(String(node.source.value));
        const specifiers = node.specifiers.flatMap((spec) => (spec.type === 'ImportSpecifier' ? [spec] : []));
        if (!index || specifiers.length === 0 || specifiers.length !== node.specifiers.length) continue;
        const origins = specifiers.map((spec) => ({ local: spec.local.name, origin: index.get(nameOf(spec.imported)) }));
        if (origins.some(({ origin }) => origin === undefined)) continue;
        const text = origins
          .map(({ local, origin }) => {
            const from = JSON.stringify(/** @type {Origin} */ (origin).file);
            const imported = /** @type {Origin} */ (origin).imported;
            return imported === '*' ? `import * as ${local} from ${from};` : `import { ${imported} as ${local} } from ${from};`;
          })
          .join(' ');
        edits.push({ start: /** @type {any} */ (node).start, end: /** @type {any} */ (node).end, text });
      }
      if (edits.length === 0) return null;
      let result = code;
      for (const edit of edits.reverse()) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
      return { code: result, map: null };
    },
  };
}
