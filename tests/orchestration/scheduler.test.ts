import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startScheduler } from '../../pipelines/orchestration/scheduler.js';
import { validateSchedules } from '../../pipelines/orchestration/schedule-check.js';
import { loadDefinitions } from '../../pipelines/definitions.js';
import { SCHEDULES } from '../../pipelines/schedules.js';
import { loadProject } from '../../pipelines/config.js';
import { freshProject, query, run } from '../helpers/warehouse.js';
import { clm } from '../helpers/cli.js';

async function until<T>(what: string, check: () => Promise<T | undefined>, seconds = 20): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('schedules and sensors', () => {
  it('validates every schedule in pipelines/schedules.ts at start-up', async () => {
    const { assets } = await loadDefinitions(loadProject());
    expect(() => validateSchedules(SCHEDULES, assets)).not.toThrow();
    expect(() => validateSchedules([{ name: 'typo', cron: '61 * * * *', selection: '*', description: '' }], assets)).toThrow(
      /^Schedule typo has an invalid cron expression '61 \* \* \* \*' \(pipelines\/schedules\.ts\): minute/,
    );
    expect(() => validateSchedules([{ name: 'nothing', cron: '0 * * * *', selection: 'group:nope', description: '' }], assets)).toThrow(
      "Schedule nothing (pipelines/schedules.ts): Selection 'group:nope' matches no asset",
    );
  });

  it('runs a schedule’s selection when its cron fires, recorded with trigger "schedule"', async () => {
    const paths = freshProject('mini');
    const scheduler = await startScheduler({ paths, definitions: await loadDefinitions(paths), schedules: [{ name: 'every_second', cron: '* * * * * *', selection: 'group:crm', description: '' }] });
    try {
      const runs = await until('a scheduled run', async () => {
        const rows = await query(paths, `select trigger, selection, status from meta.runs where trigger = 'schedule' and status = 'success'`);
        return rows.length > 0 ? rows : undefined;
      });
      expect(runs[0]).toEqual({ trigger: 'schedule', selection: 'group:crm', status: 'success' });
    } finally {
      await scheduler.stop();
    }
    expect(await query(paths, `select count(*) as n from raw.crm__contacts`)).toEqual([{ n: 4 }]);
  });

  it('runs the affected assets when an extract lands in a source’s inbox', async () => {
    const paths = freshProject('mini');
    await run(paths);
    const scheduler = await startScheduler({ paths, definitions: await loadDefinitions(paths), schedules: [], sensorIntervalMs: 200, exclude: 'kind:publish' });
    try {
      writeFileSync(
        join(paths.landing, 'crm', 'contacts_2024-05.csv'),
        'contact_id,full_name,email,mobile,city,lead_source,tags,created_at,updated_at\nC5,陈静,chen.jing@qq.com,13800000005,成都,wechat,,2024-05-02 09:00:00,2024-05-02 09:00:00\n',
      );
      const sensed = await until('a sensor run', async () => {
        const rows = await query(paths, `select selection, status from meta.runs where trigger = 'sensor' and status <> 'running'`);
        return rows.length > 0 ? rows : undefined;
      });
      expect(sensed).toEqual([{ selection: 'raw.crm__contacts+ --exclude kind:publish', status: 'success' }]);
    } finally {
      await scheduler.stop();
    }
    expect(await query(paths, `select customer_id, customer_name from marts.customers where customer_id = 'crm:C5'`)).toEqual([{ customer_id: 'crm:C5', customer_name: '陈静' }]);
  });
});

describe('partitions, status and retention', () => {
  it('clm backfill materialises each month of a partitioned asset, recorded per partition', async () => {
    const paths = freshProject('mini');
    await run(paths);
    const result = await clm(['backfill', '--from', '2024-01', '--to', '2024-03', '--warehouse', paths.warehouse, '--landing', paths.landing]);
    expect(result.code).toBe(0);
    // By hand from tests/fixtures/mini: 王芳 (C1) has bought twice by the end of February, ¥200 + ¥100.
    expect(await query(paths, `select strftime(snapshot_month, '%Y-%m') as month, frequency, monetary::double as monetary from marts.customer_snapshots where customer_id = 'crm:C1' order by 1`)).toEqual([
      { month: '2024-01', frequency: 1, monetary: 200 },
      { month: '2024-02', frequency: 2, monetary: 300 },
      { month: '2024-03', frequency: 2, monetary: 300 },
      { month: '2024-04', frequency: 3, monetary: 350 },
    ]);
    expect(await query(paths, `select r.trigger, a.partition, a.status from meta.asset_runs a join meta.runs r using (run_id) where a.asset_key = 'marts.customer_snapshots' and r.trigger = 'backfill' order by a.partition`)).toEqual([
      { trigger: 'backfill', partition: '2024-01', status: 'success' },
      { trigger: 'backfill', partition: '2024-02', status: 'success' },
      { trigger: 'backfill', partition: '2024-03', status: 'success' },
    ]);
    const bad = await clm(['backfill', '--from', '2024-13', '--to', '2024-03', '--warehouse', paths.warehouse]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("error: --from takes YYYY-MM, not '2024-13'\n");
  });

  it('clm status shows each asset’s last materialisation and freshness against the SLA', async () => {
    const paths = freshProject('mini');
    await run(paths);
    const fresh = await clm(['status', '--warehouse', paths.warehouse]);
    expect(fresh.stdout).toMatch(/marts\.customers\s+model\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+0\s+ok\s+success\s+5\s/);
    expect(fresh.stdout).toMatch(/reports\.site\s+publish\s+NULL\s+never/);
    const stale = await clm(['status', '--warehouse', paths.warehouse], { env: { CLM_FRESHNESS_SLA_HOURS: '0' } });
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/marts\.customers\s+model\s+\S+ \S+\s+0\s+STALE/);
  });

  it('prunes run records older than the retention period', async () => {
    const paths = freshProject('mini');
    await run(paths);
    const [first] = await query(paths, 'select run_id from meta.runs');
    const second = await run(paths, { retentionDays: 0 });
    expect(second.log).toContain('  pruned the records of 1 runs older than the retention period');
    expect(await query(paths, `select count(*) as n from meta.asset_runs where run_id = '${first!['run_id']}'`)).toEqual([{ n: 0 }]);
    expect(await query(paths, 'select count(*) as n from meta.runs')).toEqual([{ n: 1 }]);
  });
});
