import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/** What a copy of the Evidence project leaves out: installed packages, build output and caches. */
export const NOT_COPIED = new Set(['node_modules', '.evidence', 'build', '.builds', 'build.log']);

/**
 * Copies the Evidence project (pages, configuration) to `target`, sharing its installed
 * node_modules through a link, so a site can be built without touching reports/build or
 * reports/.evidence: by each publish (in reports/.builds/), by a test or by the benchmark.
 */
export function copyReportsProject(source: string, target: string): string {
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(source)) {
    if (NOT_COPIED.has(entry) || entry.startsWith('build.next-')) continue;
    cpSync(join(source, entry), join(target, entry), { recursive: true });
  }
  symlinkSync(join(source, 'node_modules'), join(target, 'node_modules'));
  return target;
}
