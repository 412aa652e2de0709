// `npm ci` refuses a lockfile that lacks any platform's optional package ("Missing:
// @duckdb/node-bindings-darwin-arm64@ from lock file"), even on a platform that would not install
// it. These tests hold both lockfiles to what npm ci checks, so an analyst's Mac or Windows laptop
// installs the same locked tree as CI.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface LockedPackage {
  version?: string;
  optionalDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
}

interface Lockfile {
  packages: Record<string, LockedPackage>;
}

const LOCKFILES = ['package-lock.json', 'reports/package-lock.json'];

function readLock(path: string): Lockfile {
  return JSON.parse(readFileSync(path, 'utf8')) as Lockfile;
}

/** Where Node would find `name` from the package installed at `from` (walking up node_modules). */
function resolveLocked(lock: Lockfile, from: string, name: string): LockedPackage | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return lock.packages[candidate];
    if (!base) return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent < 0 ? '' : base.slice(0, parent);
  }
}

describe.each(LOCKFILES)('%s', (path) => {
  const lock = readLock(path);

  it('locks every optional dependency of every package, for every platform', () => {
    const missing: string[] = [];
    for (const [key, pkg] of Object.entries(lock.packages)) {
      for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
        if (!resolveLocked(lock, key, name)) missing.push(`${key || '(root)'} → ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("locks DuckDB's native bindings for macOS, Windows and Linux at the API's version", () => {
    const api = lock.packages['node_modules/@duckdb/node-api'];
    expect(api?.version).toBeDefined();
    for (const platform of ['darwin-arm64', 'darwin-x64', 'win32-x64', 'linux-x64', 'linux-arm64']) {
      const binding = lock.packages[`node_modules/@duckdb/node-bindings-${platform}`];
      expect(binding?.version, platform).toBe(api?.version);
    }
  });
});

it('the root and reports/ projects pin the same DuckDB', () => {
  const [root, reports] = LOCKFILES.map((path) => readLock(path).packages['node_modules/@duckdb/node-api']?.version);
  expect(reports).toBe(root);
});
