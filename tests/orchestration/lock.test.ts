import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { acquireLock } from '../../pipelines/orchestration/lock.js';
import { tempDir } from '../helpers/warehouse.js';

const LOCK_MODULE = resolve(import.meta.dirname, '..', '..', 'dist', 'pipelines', 'orchestration', 'lock.js');
/** A pid no process has: the kernel's limit is far below it. */
const DEAD_PID = 2 ** 30;

/** Contenders in threads of their own, released together, each trying once to take the dead run's lock. */
async function contend(warehouse: string, contenders: number): Promise<number> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const source = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(workerData.module).then(async ({ acquireLock }) => {
      Atomics.wait(workerData.gate, 0, 0);
      try {
        await acquireLock(workerData.warehouse, { runId: 'r' + workerData.id, pid: process.pid, startedAt: '', command: 'test', selection: '*', trigger: 'manual' });
        parentPort.postMessage(true);
      } catch {
        parentPort.postMessage(false);
      }
    });`;
  const workers = Array.from({ length: contenders }, (_, id) => new Worker(source, { eval: true, workerData: { module: LOCK_MODULE, warehouse, gate, id } }));
  const results = workers.map((w) => new Promise<boolean>((done) => w.once('message', done)));
  await new Promise((r) => setTimeout(r, 200)); // every worker has loaded the module and waits at the gate
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
  const won = (await Promise.all(results)).filter(Boolean).length;
  await Promise.all(workers.map((w) => w.terminate()));
  return won;
}

describe('the warehouse lock', () => {
  it('lets exactly one of many contenders take over a dead run’s lock, every time', async () => {
    const dir = tempDir();
    for (let round = 0; round < 40; round++) {
      const warehouse = join(dir, `w${round}.duckdb`);
      writeFileSync(`${warehouse}.lock`, JSON.stringify({ runId: 'dead', pid: DEAD_PID, startedAt: '', command: 'clm run', selection: '*', trigger: 'manual' }));
      expect(await contend(warehouse, 4), `round ${round}`).toBe(1);
    }
  }, 120_000);

  it('names the lock file and how to clear it when the lock is garbled or names an unrelated process', async () => {
    const warehouse = join(tempDir(), 'w.duckdb');
    const holder = { runId: 'me', pid: process.pid, startedAt: '', command: 'test', selection: '*', trigger: 'manual' };
    writeFileSync(`${warehouse}.lock`, 'not json');
    await expect(acquireLock(warehouse, holder)).rejects.toThrow(`Warehouse ${warehouse} is locked by ${warehouse}.lock, which is not a clm lock (unreadable). If no clm run is going on, delete ${warehouse}.lock.`);
    const unrelated = spawn('sleep', ['30']);
    try {
      writeFileSync(`${warehouse}.lock`, JSON.stringify({ ...holder, runId: 'other', pid: unrelated.pid }));
      await expect(acquireLock(warehouse, holder)).rejects.toThrow(`but pid ${unrelated.pid} is not a clm process (it runs 'sleep 30'). If no clm run is going on, delete ${warehouse}.lock.`);
    } finally {
      unrelated.kill();
    }
  });
});
