import { constants, copyFileSync, existsSync, openSync, fsyncSync, closeSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * A run writes to a copy of the warehouse and swaps it in with one atomic rename when it ends.
 * Whatever kills the run before the rename (SIGKILL included) leaves the warehouse exactly as it
 * was; readers keep reading the old file meanwhile.
 */
export interface WorkingCopy {
  /** The file the run writes to. */
  path: string;
  /** Seconds spent copying the warehouse (a reflink where the file system has them, e.g. XFS, Btrfs). */
  copySeconds: number;
  /** Replaces the warehouse with the copy (call after closing the copy's connection). */
  commit(): void;
  /** Throws the copy away. */
  discard(): void;
}

export function createWorkingCopy(warehousePath: string, runId: string): WorkingCopy {
  removeLeftovers(warehousePath);
  const path = `${warehousePath}.run-${runId}`;
  const started = performance.now();
  // A copy-on-write clone where the file system can make one; an ordinary copy where not.
  if (existsSync(warehousePath)) copyFileSync(warehousePath, path, constants.COPYFILE_FICLONE);
  return {
    path,
    copySeconds: (performance.now() - started) / 1000,
    commit() {
      const fd = openSync(path, 'r');
      fsyncSync(fd);
      closeSync(fd);
      rmSync(`${path}.wal`, { force: true });
      renameSync(path, warehousePath);
      const dir = openSync(dirname(warehousePath), 'r');
      fsyncSync(dir);
      closeSync(dir);
    },
    discard() {
      rmSync(path, { force: true });
      rmSync(`${path}.wal`, { force: true });
    },
  };
}

/** Copies left by runs that died (only ever called while holding the lock). */
function removeLeftovers(warehousePath: string): void {
  const dir = dirname(warehousePath);
  if (!existsSync(dir)) return;
  const prefix = `${basename(warehousePath)}.run-`;
  for (const file of readdirSync(dir)) if (file.startsWith(prefix)) rmSync(join(dir, file), { force: true });
}
