import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transactionLog } from '../helpers/transactions.js';
import { clm } from '../helpers/cli.js';
import { tempDir } from '../helpers/warehouse.js';

const us = (d: Date) => `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;
const iso = (d: Date) => d.toISOString().slice(0, 10);
const fit = (file: string, ...extra: string[]) =>
  clm(['clv', 'fit', '--transactions', file, '--customer-col', 'customer_id', '--date-col', 'trans_date', '--amount-col', 'tran_amount', ...extra]);

describe('clm clv fit on data whose dates and dropout it must not guess', () => {
  it('reads US dates (2/11/2013) right with --date-format and without it, and the same as ISO dates', async () => {
    const dir = tempDir();
    const healthy = { customers: 1500, r: 0.8, alpha: 8, a: 0.8, b: 3 };
    transactionLog(join(dir, 'us.csv'), { ...healthy, write: us });
    transactionLog(join(dir, 'iso.csv'), { ...healthy, write: iso });
    const results = await Promise.all([
      fit(join(dir, 'us.csv'), '--calibration-end', '2024-06-30', '--json'),
      fit(join(dir, 'us.csv'), '--calibration-end', '2024-06-30', '--date-format', '%m/%d/%Y', '--json'),
      fit(join(dir, 'iso.csv'), '--calibration-end', '2024-06-30', '--json'),
    ]);
    const reports = results.map((r) => {
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { customers: number; rowsSkipped: number; bgnbd: { r: number; alpha: number } };
    });
    expect(reports.map((r) => r.rowsSkipped)).toEqual([0, 0, 0]);
    expect(reports[0]!.bgnbd).toEqual(reports[2]!.bgnbd);
    expect(reports[1]!.bgnbd).toEqual(reports[2]!.bgnbd);
  });

  it('refuses dates that read both as D/M and M/D, naming the column, examples and the flag', async () => {
    const file = join(tempDir(), 'ambiguous.csv');
    transactionLog(file, { customers: 300, r: 0.8, alpha: 8, a: 0.8, b: 3, write: (d) => `${String(Math.min(d.getUTCDate(), 12)).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}` });
    const result = await fit(file, '--calibration-end', '2024-06-30');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: --date-col trans_date: every date \(e\.g\. \d\d\/\d\d\/\d{4}, .*\) reads both as day\/month and as month\/day; pass --date-format '%d\/%m\/%Y' or --date-format '%m\/%d\/%Y'\n$/);
  });

  it('prints skipped rows, and fails when more than 1% cannot be read', async () => {
    const dir = tempDir();
    const file = join(dir, 'log.csv');
    transactionLog(file, { customers: 600, r: 0.8, alpha: 8, a: 0.8, b: 3, write: iso });
    const lines = (await import('node:fs')).readFileSync(file, 'utf8').trimEnd().split('\n');
    writeFileSync(join(dir, 'few.csv'), [...lines, 'C1,not a date,10', 'C2,2024-01-03,n/a'].join('\n'));
    const few = await fit(join(dir, 'few.csv'), '--calibration-end', '2024-06-30');
    expect(few.stdout).toContain(`2 of ${(lines.length + 1).toLocaleString('en-US')} rows skipped: 1 date does not parse (e.g. not a date); 1 amount is not a number (e.g. n/a)`);
    const broken = lines.map((l, i) => (i > 0 && i % 50 === 0 ? l.replace(/,\d{4}-\d\d-\d\d,/, ',31/31/2024,') : l));
    writeFileSync(join(dir, 'many.csv'), broken.join('\n'));
    const many = await fit(join(dir, 'many.csv'), '--calibration-end', '2024-06-30');
    expect(many.code).toBe(1);
    expect(many.stderr).toMatch(/^error: \d+ of [\d,]+ rows could not be read \(more than 1%\): \d+ date does not parse \(e\.g\. 31\/31\/2024\)\n$/);
  });

  it('exits 4 naming dropout when the data has none, whatever the period and calibration end', async () => {
    const file = join(tempDir(), 'loyal.csv');
    transactionLog(file, { customers: 1500, r: 0.8, alpha: 8, a: 0.00001, b: 5, write: iso });
    for (const extra of [['--calibration-end', '2024-12-31'], ['--calibration-end', '2024-06-30', '--period', 'day'], ['--calibration-end', '2024-09-30']]) {
      const result = await fit(file, ...extra);
      expect(result.code, extra.join(' ')).toBe(4);
      expect(result.stderr).toContain('BG/NBD a/(a+b): no evidence of dropout in this data');
      expect(result.stderr).toContain('P(alive) cannot be estimated. Try:');
      expect(result.stdout).not.toMatch(/=0\.0000\b/);
    }
  });

  it('refuses a calibration end before the first purchase and a holdout end before the calibration end', async () => {
    const file = join(tempDir(), 'log.csv');
    transactionLog(file, { customers: 300, r: 0.8, alpha: 8, a: 0.8, b: 3, write: iso });
    const early = await fit(file, '--calibration-end', '2020-01-01');
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/^error: --calibration-end 2020-01-01 is before the first purchase \(2023-01-\d\d\): no customer to fit\n$/);
    const backwards = await fit(file, '--calibration-end', '2024-06-30', '--holdout-end', '2023-01-01');
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toBe('error: --holdout-end 2023-01-01 must come after --calibration-end 2024-06-30\n');
  });

  it('merges purchases by calendar week with --merge period, as the lifetimes package does', async () => {
    const file = join(tempDir(), 'log.csv');
    transactionLog(file, { customers: 1500, r: 3, alpha: 4, a: 0.8, b: 3, write: iso });
    const [byDay, byWeek] = await Promise.all([fit(file, '--calibration-end', '2024-06-30', '--json'), fit(file, '--calibration-end', '2024-06-30', '--merge', 'period', '--json')]);
    const day = JSON.parse(byDay.stdout) as { merge: string; bgnbd: { alpha: number } };
    const week = JSON.parse(byWeek.stdout) as { merge: string; bgnbd: { alpha: number } };
    expect([day.merge, week.merge]).toEqual(['day', 'period']);
    // Fewer purchases count when a week's purchases are one: the rate is lower, so alpha (its scale) is larger.
    expect(week.bgnbd.alpha).toBeGreaterThan(day.bgnbd.alpha);
  });
});
