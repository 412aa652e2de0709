import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// The Vite plugins of the report build (reports/faster-build.js), run on the reports project's own
// packages with the parser Vite gives a plugin (Rollup's).
const reports = resolve('reports');

interface Plugin {
  name: string;
  transform?: (this: { parse: (code: string) => unknown }, code: string, id: string) => { code: string } | null;
  resolveId?: (source: string) => string | null;
  load?: (id: string) => string | null;
}

interface Plugins {
  transform: (code: string) => string | null;
  /** What the direct-imports plugin resolves `source` to, else the ECharts plugin. */
  resolveId: (source: string) => string | null;
  load: (id: string) => string | null;
}

async function plugins(): Promise<Plugins> {
  const { fasterBuild } = (await import(pathToFileURL(join(reports, 'faster-build.js')).href)) as { fasterBuild: (root: string) => Plugin[] };
  const { parseAst } = (await import(pathToFileURL(join(reports, 'node_modules', 'vite', 'dist', 'node', 'index.js')).href)) as { parseAst: (code: string) => unknown };
  const list = fasterBuild(join(reports, '.evidence', 'template'));
  const direct = list.find((p) => p.name === 'clm-direct-imports')!;
  const echarts = list.find((p) => p.name === 'clm-prebuilt-echarts')!;
  return {
    transform: (code) => direct.transform!.call({ parse: parseAst }, code, 'page.svelte')?.code ?? null,
    resolveId: (source) => direct.resolveId!(source) ?? echarts.resolveId!(source),
    load: (id) => direct.load!(id),
  };
}

/** `import { a as b } from "file";` → [{ imported: 'a', local: 'b', file }] */
function importsOf(code: string): { imported: string; local: string; file: string }[] {
  return [...code.matchAll(/import (?:\{ (\w+) as (\w+) \}|\* as (\w+)) from "([^"]+)";/g)].map((m) => ({ imported: m[1] ?? '*', local: m[2] ?? m[3]!, file: m[4]! }));
}

describe('the report build imports each component from its own file', () => {
  it('traces names through the package indexes to the files that define them', async () => {
    const { transform } = await plugins();
    const code = transform("import { DataTable, Column as Col, BarChart } from '@evidence-dev/core-components';\nconst x = 1;");
    expect(code).not.toBeNull();
    expect(code).not.toContain('@evidence-dev/core-components\'');
    expect(code).toContain('const x = 1;');
    const imports = importsOf(code!);
    expect(imports.map((i) => [i.imported, i.local, basename(i.file)])).toEqual([
      ['default', 'DataTable', 'DataTable.svelte'],
      ['default', 'Col', 'Column.svelte'],
      ['default', 'BarChart', 'BarChart.svelte'],
    ]);
    for (const { file } of imports) expect(existsSync(file), file).toBe(true);
  });

  it('imports a namespace the index re-exports as a namespace', async () => {
    const { transform } = await plugins();
    const [only, ...rest] = importsOf(transform("import { DropdownMenu as Menu } from 'bits-ui';") ?? '');
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ imported: '*', local: 'Menu' });
    // The namespace's own index, which exports the parts of the menu.
    expect(readFileSync(only!.file, 'utf8')).toMatch(/export/);
    expect(only!.file).toMatch(/dropdown-menu[\\/]index\.js$/);
  });

  it('leaves alone what it cannot trace, and other packages', async () => {
    const { transform } = await plugins();
    expect(transform("import { NoSuchComponent, DataTable } from '@evidence-dev/core-components';")).toBeNull();
    expect(transform("import * as all from '@evidence-dev/core-components';")).toBeNull();
    expect(transform("import { tableFromIPC } from 'apache-arrow';")).toBeNull();
  });

  it('imports each icon alone, as its line of the icon set', async () => {
    const { transform, resolveId, load } = await plugins();
    const imports = importsOf(transform("import { X, Menu2 as Menu } from '@steeze-ui/tabler-icons';") ?? '');
    expect(imports).toEqual([
      { imported: 'X', local: 'X', file: 'clm-icon:@steeze-ui/tabler-icons/X' },
      { imported: 'Menu2', local: 'Menu', file: 'clm-icon:@steeze-ui/tabler-icons/Menu2' },
    ]);
    const index = readFileSync(join(reports, 'node_modules', '@steeze-ui', 'tabler-icons', 'dist', 'index.js'), 'utf8').split('\n');
    const id = resolveId('clm-icon:@steeze-ui/tabler-icons/Menu2')!;
    expect(id).toBe('\0clm-icon:@steeze-ui/tabler-icons/Menu2');
    expect(load(id)).toBe(index.find((line) => line.startsWith('export const Menu2 = ')));
    // An icon the set does not have is left to Rollup, which names it in its error.
    expect(transform("import { NoSuchIcon } from '@steeze-ui/radix-icons';")).toBeNull();
    expect(load('\0clm-icon:@steeze-ui/radix-icons/NoSuchIcon')).toBeNull();
  });

  it('takes ECharts from its single-file build', async () => {
    const { resolveId } = await plugins();
    const file = resolveId('echarts');
    expect(file).toMatch(/echarts[\\/]dist[\\/]echarts\.esm\.min\.mjs$/);
    expect(readFileSync(file!, 'utf8')).toMatch(/export\{[^}]*\binit\b/);
    expect(resolveId('echarts/extension/dataTool')).toBeNull();
  });
});
