import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { WarehouseLockedError } from '../errors.js';

/** What the lock file says about the run that holds the warehouse. */
export interface LockHolder {
  runId: string;
  pid: number;
  startedAt: string;
  command: string;
  selection: string;
  trigger: string;
}

export interface AcquiredLock {
  path: string;
  /** A run whose process died while holding the lock (SIGKILL, power loss): the next run records it as failed. */
  stale?: LockHolder;
  release(): void;
}

/**
 * DuckDB allows one writer, so a run takes `<warehouse>.lock` before it starts. A second run
 * refuses at once, naming the run that holds it, or waits when `waitMs` is given. A lock whose
 * process is gone is stale and is taken over.
 */
export async function acquireLock(warehousePath: string, holder: LockHolder, waitMs = 0): Promise<AcquiredLock> {
  const path = `${warehousePath}.lock`;
  const deadline = Date.now() + waitMs;
  let stale: LockHolder | undefined;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify(holder));
      closeSync(fd);
      return {
        path,
        stale,
        release: () => {
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = readHolder(path);
    if (current && !isAlive(current.pid)) {
      stale = current;
      unlinkSync(path);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = current
        ? `run ${current.runId} (pid ${current.pid}, ${current.trigger}, started ${current.startedAt}: ${current.command})`
        : 'another process';
      throw new WarehouseLockedError(`Warehouse ${warehousePath} is locked by ${who}. Wait for it to finish, or pass --wait.`);
    }
    await sleep(250);
  }
}

/** The holder named in a lock file, if any. */
export function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
