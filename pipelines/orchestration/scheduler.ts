import { createTask, type ScheduledTask } from 'node-cron';
import type { Project } from '../config.js';
import type { SourceDefinition } from '../load/source.js';
import type { Asset } from './asset.js';
import { errorMessage } from '../errors.js';
import type { Schedule } from '../schedules.js';
import { runPipeline } from './runner.js';
import type { Trigger } from './run-records.js';
import { validateSchedules } from './schedule-check.js';
import { InboxSensor } from './sensor.js';

export interface SchedulerOptions {
  paths: Project;
  /** The project's sources and assets (the registry's `loadDefinitions`). */
  definitions: { sources: readonly SourceDefinition[]; assets: readonly Asset[] };
  schedules: readonly Schedule[];
  /** How often the inbox sensor looks for new extracts; 0 turns it off. */
  sensorIntervalMs?: number;
  /** Assets no triggered run materialises (e.g. `kind:publish`). */
  exclude?: string;
  log?: (line: string) => void;
}

export interface RunningScheduler {
  stop(): Promise<void>;
  /** Resolves when every queued run has finished. */
  idle(): Promise<void>;
}

/**
 * The long-running `clm schedule`: runs each schedule's selection when its cron fires, and the
 * affected assets (`raw.<source>__<table>+`) when the inbox sensor sees an extract land. Runs
 * happen one after another; a trigger that arrives during a run waits its turn.
 */
export async function startScheduler(options: SchedulerOptions): Promise<RunningScheduler> {
  const log = options.log ?? (() => {});
  const { definitions } = options;
  validateSchedules(options.schedules, definitions.assets);

  let queue: Promise<void> = Promise.resolve();
  const enqueue = (trigger: Trigger, selection: string, why: string) => {
    queue = queue.then(async () => {
      log(`${new Date().toISOString()} ${trigger}: ${why} → clm run --select '${selection}'`);
      try {
        const summary = await runPipeline({ paths: options.paths, assets: definitions.assets, selection, exclude: options.exclude, trigger, waitMs: 60 * 60 * 1000, log });
        log(`${new Date().toISOString()} run ${summary.runId} ${summary.status}`);
      } catch (error) {
        log(`${new Date().toISOString()} run failed: ${errorMessage(error)}`);
      }
    });
  };

  const tasks: ScheduledTask[] = options.schedules.map((schedule) =>
    createTask(schedule.cron, () => enqueue('schedule', schedule.selection, `schedule ${schedule.name}`), {
      name: schedule.name,
      noOverlap: true,
      timezone: options.paths.settings.timezone,
    }),
  );
  for (const task of tasks) await task.start();
  for (const schedule of options.schedules) log(`schedule ${schedule.name}: '${schedule.cron}' → ${schedule.selection}`);

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  if ((options.sensorIntervalMs ?? 0) > 0) {
    const sensor = new InboxSensor(options.paths.landing, definitions.sources);
    await sensor.prime();
    const tick = async () => {
      const landed = await sensor.poll().catch(() => []);
      const keys = [...new Set(landed.map((f) => f.assetKey))];
      if (keys.length > 0) enqueue('sensor', keys.map((k) => `${k}+`).join(','), `${landed.map((f) => f.file).join(', ')} landed`);
      if (!stopped) timer = setTimeout(() => void tick(), options.sensorIntervalMs);
    };
    timer = setTimeout(() => void tick(), options.sensorIntervalMs);
    log(`sensor: watching ${options.paths.landing} every ${options.sensorIntervalMs} ms`);
  }

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const task of tasks) await task.destroy();
      await queue;
    },
    idle: () => queue,
  };
}
