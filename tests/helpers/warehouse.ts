import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { onTestFinished } from 'vitest';
import { loadProject, type Project, type ProjectOverrides } from '../../pipelines/config.js';
import { withWarehouse, type Row } from '../../pipelines/warehouse/connection.js';
import { loadDefinitions } from '../../pipelines/definitions.js';
import { runPipeline, type RunOptions, type RunSummary } from '../../pipelines/orchestration/runner.js';

export const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures');
export const SHARED = resolve(import.meta.dirname, '..', '..', '..', 'shared');

/** A fresh folder, removed when the test ends (in a `beforeAll`, it stays in the system's temp folder). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clm-test-'));
  try {
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  } catch {
    // Outside a test: nothing to hook onto.
  }
  return dir;
}

/** Project paths with a fresh warehouse file and a landing folder holding a copy of `fixture` (if given). */
export function freshProject(fixture?: string): Project {
  const dir = tempDir();
  const landing = join(dir, 'landing');
  if (fixture) cpSync(join(FIXTURES, fixture), landing, { recursive: true });
  return loadProject({ warehouse: join(dir, 'warehouse.duckdb'), landing });
}

/** Everything but the report site, which only tests/publish builds (it takes a minute). */
export const NOT_THE_SITE = 'kind:publish';

/** Runs the pipeline quietly (all but the site unless told otherwise); the log lines are returned with the summary. */
export async function run(paths: Project, options: Omit<RunOptions, 'paths' | 'assets'> = {}): Promise<RunSummary & { log: string[] }> {
  const log: string[] = [];
  const { assets } = await loadDefinitions(paths);
  const summary = await runPipeline({ paths, assets, log: (line) => log.push(line), exclude: NOT_THE_SITE, ...options });
  return { ...summary, log };
}

/** Reads rows from a warehouse file (opened and closed around the query). */
export function query<T extends Row = Row>(paths: Project, sql: string): Promise<T[]> {
  return withWarehouse(paths.warehouse, (w) => w.readAll<T>(sql), { readOnly: true });
}

export const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * A project whose only sources are `sourceFiles` (paths of source files to copy), laid out as in
 * the repo (`pipelines/sources/x.ts` beside links to the real `pipelines/load/` and
 * `pipelines/extract/`), so a source file imports `../load/source.js` exactly as it would in
 * pipelines/sources/.
 */
export function projectWithSources(sourceFiles: readonly string[], options: { landing?: string; settings?: ProjectOverrides['settings'] } = {}): Project {
  const dir = tempDir();
  const sources = join(dir, 'pipelines', 'sources');
  mkdirSync(sources, { recursive: true });
  for (const shared of ['load', 'extract']) symlinkSync(join(ROOT, 'pipelines', shared), join(dir, 'pipelines', shared));
  for (const file of sourceFiles) cpSync(file, join(sources, basename(file)));
  const landing = options.landing ?? join(dir, 'landing');
  mkdirSync(landing, { recursive: true });
  return loadProject({ warehouse: join(dir, 'warehouse.duckdb'), landing, sources, settings: options.settings });
}
