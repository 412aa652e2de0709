import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { onTestFinished } from 'vitest';
import { loadProject, type Project } from '../../pipelines/config.js';
import { withWarehouse, type Row } from '../../pipelines/warehouse/connection.js';
import { loadDefinitions } from '../../pipelines/definitions.js';
import { runPipeline, type RunOptions, type RunSummary } from '../../pipelines/orchestration/runner.js';

export const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures');
export const SHARED = resolve(import.meta.dirname, '..', '..', '..', 'shared');

/** A fresh folder, removed when the test ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clm-test-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
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
