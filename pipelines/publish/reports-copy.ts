import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Copies the Evidence project (pages, configuration) to `target`, sharing its installed
 * node_modules through a link, so a test or the benchmark can build a site without touching
 * reports/build or reports/.evidence.
 */
export function copyReportsProject(source: string, target: string): string {
  cpSync(source, target, { recursive: true, filter: (path) => !/[/\\](node_modules|\.evidence|build)$/.test(path) });
  symlinkSync(join(source, 'node_modules'), join(target, 'node_modules'));
  return target;
}
