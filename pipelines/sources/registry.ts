import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { ClmError } from '../errors.js';
import { openChoicesIn, type SourceDefinition } from '../load/source.js';

/**
 * Every source in the sources folder (`pipelines/sources/`): each `.ts` file but this one
 * default-exports `defineSource({...})`. Files are read as TypeScript when a command starts, so a
 * new or edited source is used by the next `clm` command with no build step.
 */
export async function discoverSources(directory: string): Promise<SourceDefinition[]> {
  const files = (await readdir(directory))
    .filter((f) => extname(f) === '.ts' && !f.endsWith('.d.ts') && !f.startsWith('registry.'))
    .sort();
  const sources: SourceDefinition[] = [];
  for (const file of files) {
    const source = defaultExport(await importSource(join(directory, file)));
    if (!source?.tables) throw new ClmError(`Source file ${file} must default-export defineSource({...})`);
    sources.push({ ...source, file: `pipelines/sources/${file}` });
  }
  const names = sources.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new ClmError(`Two source files declare the source '${duplicate}'`);
  return sources;
}

/**
 * Refuses sources that still hold an open choice (written by `clm init source` where the data
 * could not decide), with every choice and the setting to make.
 */
export function assertNoOpenChoices(sources: readonly SourceDefinition[]): void {
  const open = sources.flatMap((source) => openChoicesIn(source).map((choice) => `  ${source.file ?? source.name}: ${choice}`));
  if (open.length > 0) throw new ClmError(`Sources with open choices cannot run; set these first:\n${open.join('\n')}`);
}

/** The default export, also when the file was read as CommonJS (a folder with no package.json of type module). */
function defaultExport(module: unknown): SourceDefinition | undefined {
  const first = (module as { default?: unknown }).default as (SourceDefinition & { default?: SourceDefinition }) | undefined;
  return first?.tables ? first : first?.default;
}

async function importSource(path: string): Promise<unknown> {
  try {
    return await tsImport(pathToFileURL(path).href, import.meta.url);
  } catch (error) {
    throw new ClmError(`Cannot load source file ${path}: ${(error as Error).message}`, { cause: error });
  }
}
