import { validateDetailed } from 'node-cron';
import { UsageError } from '../errors.js';
import type { Schedule } from '../schedules.js';
import type { Asset } from './asset.js';
import { selectAssets } from './graph.js';

/** Checks every schedule at start-up: a valid cron expression, a unique name, a selection that matches assets. */
export function validateSchedules(schedules: readonly Schedule[], assets: readonly Asset[]): void {
  const names = new Set<string>();
  for (const schedule of schedules) {
    if (names.has(schedule.name)) throw new UsageError(`Two schedules are named ${schedule.name} (pipelines/schedules.ts)`);
    names.add(schedule.name);
    const check = validateDetailed(schedule.cron);
    if (!check.valid) {
      const why = check.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      throw new UsageError(`Schedule ${schedule.name} has an invalid cron expression '${schedule.cron}' (pipelines/schedules.ts): ${why}`);
    }
    try {
      selectAssets(assets, schedule.selection);
    } catch (error) {
      throw new UsageError(`Schedule ${schedule.name} (pipelines/schedules.ts): ${(error as Error).message}`);
    }
  }
}
