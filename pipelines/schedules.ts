/**
 * Every schedule in the project, one line each. `clm schedule` validates them all at start-up and
 * runs each selection when its cron expression fires (times in TZ, default UTC). Six fields mean
 * seconds are given too.
 */
export interface Schedule {
  name: string;
  cron: string;
  selection: string;
  description: string;
}

export const SCHEDULES: readonly Schedule[] = [
  { name: 'nightly', cron: '0 2 * * *', selection: '*', description: 'Load new extracts, rebuild every model and the reports' },
  { name: 'hourly_extracts', cron: '15 * * * *', selection: 'kind:load', description: 'Land whatever extracts arrived in the last hour' },
  { name: 'monthly_close', cron: '0 4 1 * *', selection: 'tag:partitioned', description: 'Snapshot the month that just ended' },
];
