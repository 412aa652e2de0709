import { readdir } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SourceDefinition } from '../load/source.js';

const SOURCES_DIR = dirname(fileURLToPath(import.meta.url));

/**
 * Every source in this folder: each file but this one default-exports `defineSource({...})`.
 * Adding a source is adding a file; nothing else changes.
 */
export async function discoverSources(directory = SOURCES_DIR): Promise<SourceDefinition[]> {
  const files = (await readdir(directory))
    .filter((f) => ['.ts', '.js'].includes(extname(f)) && !f.endsWith('.d.ts') && !f.startsWith('registry.'))
    .sort();
  const sources: SourceDefinition[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(`${directory}/${file}`).href)) as { default?: SourceDefinition };
    if (!module.default?.tables) throw new Error(`Source file ${file} must default-export defineSource({...})`);
    sources.push(module.default);
  }
  const names = sources.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`Two source files declare the source '${duplicate}'`);
  return sources;
}
