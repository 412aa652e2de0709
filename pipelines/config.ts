import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where things are. Each path can be set by a CLI flag or an environment variable. */
export interface ProjectPaths {
  /** The folder with package.json, models/ and reports/. */
  root: string;
  models: string;
  /** The DuckDB warehouse file. `--warehouse` or CLM_WAREHOUSE; default data/warehouse.duckdb. */
  warehouse: string;
  /** One folder per source with its extracts. `--landing` or CLM_LANDING; default data/sample. */
  landing: string;
  /** The Evidence project. */
  reports: string;
}

/** The project root: the nearest folder above this file with a package.json. */
export function findProjectRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

export function projectPaths(overrides: Partial<ProjectPaths> = {}): ProjectPaths {
  const root = overrides.root ?? findProjectRoot();
  return {
    root,
    models: overrides.models ?? join(root, 'models'),
    warehouse: resolve(overrides.warehouse ?? process.env['CLM_WAREHOUSE'] ?? join(root, 'data', 'warehouse.duckdb')),
    landing: resolve(overrides.landing ?? process.env['CLM_LANDING'] ?? join(root, 'data', 'sample')),
    reports: overrides.reports ?? join(root, 'reports'),
  };
}
