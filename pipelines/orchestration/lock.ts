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
 * process is gone is stale and is taken over, by exactly one contender: only the holder of
 * `<warehouse>.lock.takeover` (created exclusively) may remove a lock.
 */
export async function acquireLock(warehousePath: string, holder: LockHolder, waitMs = 0): Promise<AcquiredLock> {
  const path = `${warehousePath}.lock`;
  const deadline = Date.now() + waitMs;
  let stale: LockHolder | undefined;
  for (;;) {
    if (tryCreate(path, JSON.stringify(holder))) {
      return {
        path,
        stale,
        release: () => removeIfPresent(path),
      };
    }
    // A lock being written this very moment reads as empty: look again before calling it garbled.
    const current = readHolder(path) ?? (await sleep(50).then(() => readHolder(path)));
    if (current && !isAlive(current.pid)) {
      const removed = takeOver(path, current);
      if (removed) stale = removed;
      continue;
    }
    if (Date.now() >= deadline) throw new WarehouseLockedError(lockedMessage(warehousePath, path, current));
    await sleep(250);
  }
}

/**
 * Removes a dead run's lock, if this process wins the takeover. Returns the holder it removed, or
 * undefined when another process took over first (the caller then simply tries again).
 */
function takeOver(path: string, dead: LockHolder): LockHolder | undefined {
  const mutex = `${path}.takeover`;
  if (!tryCreate(mutex, String(process.pid))) {
    // Another process is taking over; a takeover mutex left by a dead process is cleared.
    const owner = Number(readText(mutex));
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) removeIfPresent(mutex);
    return undefined;
  }
  try {
    const still = readHolder(path);
    if (still?.runId !== dead.runId || still.pid !== dead.pid) return undefined;
    removeIfPresent(path);
    return still;
  } finally {
    removeIfPresent(mutex);
  }
}

function lockedMessage(warehousePath: string, path: string, current: LockHolder | undefined): string {
  if (!current) {
    return `Warehouse ${warehousePath} is locked by ${path}, which is not a clm lock (unreadable). If no clm run is going on, delete ${path}.`;
  }
  const who = `run ${current.runId} (pid ${current.pid}, ${current.trigger}, started ${current.startedAt}: ${current.command})`;
  const command = processCommand(current.pid);
  if (command !== undefined && !/node|clm/.test(command)) {
    return `Warehouse ${warehousePath} is locked by ${who} according to ${path}, but pid ${current.pid} is not a clm process (it runs '${command}'). If no clm run is going on, delete ${path}.`;
  }
  return `Warehouse ${warehousePath} is locked by ${who}. Wait for it to finish, or pass --wait.`;
}

/** Creates a file that must not exist yet; false when it does. */
function tryCreate(path: string, content: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, content);
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** What a live process runs (Linux /proc), or undefined where that cannot be read. */
function processCommand(pid: number): string | undefined {
  const cmdline = readText(`/proc/${pid}/cmdline`);
  return cmdline === undefined ? undefined : cmdline.split('\0').filter(Boolean).join(' ');
}

/** The holder named in a lock file, if any. */
export function readHolder(path: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return typeof holder.pid === 'number' && typeof holder.runId === 'string' ? holder : undefined;
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
