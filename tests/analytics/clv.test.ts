import { describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withWarehouse } from '../../pipelines/warehouse/connection.js';
import { calibrationData, frequenciesOf, holdoutGroups } from '../../pipelines/analytics/clv/transactions.js';
import { bgNbdLogLikelihood, expectedPurchases, fitBgNbd, FrequencyTable } from '../../pipelines/analytics/clv/bg-nbd.js';
import { simulateBgNbd } from '../../pipelines/analytics/clv/simulate.js';
import { fitGammaGamma, gammaGammaLogLikelihood } from '../../pipelines/analytics/clv/gamma-gamma.js';
import { Random } from '../../pipelines/generate/random.js';
import { clm } from '../helpers/cli.js';
import { SHARED, tempDir } from '../helpers/warehouse.js';

const CDNOW = join(SHARED, 'datasets', 'cdnow');
const sig3 = (n: number) => Number(n.toPrecision(3));

describe.runIf(existsSync(CDNOW))('CLV models on CDNOW, the benchmark of the BG/NBD literature', () => {
  it('clm clv fit reproduces the published BG/NBD and Gamma-Gamma parameters and log-likelihood', async () => {
    const result = await clm([
      'clv', 'fit', '--transactions', join(CDNOW, 'cdnowElog.csv'), '--customer-col', 'masterid', '--date-col', 'date',
      '--amount-col', 'sales', '--calibration-end', '1997-09-30', '--period', 'week', '--json',
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.customers).toBe(2357);
    // Fader, Hardie & Lee (2005), "Counting your customers the easy way", table 1: r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4.
    const { r, alpha, a, b, logLikelihood, converged, standardErrors } = report.bgnbd;
    expect([sig3(r), sig3(alpha), sig3(a), sig3(b), sig3(logLikelihood)]).toEqual([0.243, 4.41, 0.793, 2.43, -9580]);
    expect(logLikelihood).toBeCloseTo(-9582.4, 1);
    expect(converged).toBe(true);
    expect(report.problems).toEqual([]);
    // Standard errors from the Hessian: every parameter pinned down to well within its own size.
    for (const [name, value] of Object.entries({ r, alpha, a, b })) expect(standardErrors[name] / value, name).toBeLessThan(0.5);
    // Fader, Hardie & Lee (2005), "RFM and CLV", and Fader & Hardie (2013): p = 6.25, q = 3.74, γ = 15.44 on the 946 repeat buyers.
    const gg = report.gammaGamma;
    expect([sig3(gg.p), sig3(gg.q), sig3(gg.v), gg.customers]).toEqual([6.25, 3.74, 15.4, 946]);
    expect(gg.converged).toBe(true);
  });

  it('summarises the transactions exactly as the published customer summary (x, t_x, T in weeks)', async () => {
    await withWarehouse(':memory:', async (w) => {
      const data = await calibrationData(w, { from: join(CDNOW, 'cdnowElog.csv'), customerColumn: 'sampleid', dateColumn: 'date', amountColumn: 'sales' }, '1997-09-30', 'week');
      const published = await w.readAll<{ x: number; tx: number; T: number; weight: number }>(`
        select frequency as x, recency as tx, "T", count(*) as weight
        from read_csv('${join(CDNOW, 'cdnow_customers_summary.csv')}') group by all order by all`);
      const ours = await w.readAll(`select x, round(tx, 2) as tx, round(t_cal, 2) as "T", count(*) as weight from _calibration group by all order by all`);
      expect(ours).toEqual(published);
      // The log-likelihood of the published parameters on our data is the published one.
      expect(bgNbdLogLikelihood({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, data.frequencies)).toBeCloseTo(-9582.4, 0);
      const zbar = await w.readAll<{ x: number; meanSpend: number; weight: number }>(`
        select x, zbar as "meanSpend", 1 as weight from read_csv('${join(CDNOW, 'cdnow_customers_summary_with_transactions.csv')}') where x > 0`);
      expect(sig3(gammaGammaLogLikelihood({ p: 6.25, q: 3.74, v: 15.44 }, zbar))).toBe(sig3(gammaGammaLogLikelihood({ p: 6.25, q: 3.74, v: 15.44 }, data.spends)));
      // The backtest's frequency table, folded from its holdout groups, is the one read from the customers.
      const folded = frequenciesOf(await holdoutGroups(w, '1997-09-30', '1998-06-30', 'week'));
      expect(folded.customers).toBe(2357);
      expect(folded).toEqual(data.frequencies);
    });
  });
});

describe('CLV models on data simulated from the models', () => {
  it('BG/NBD recovers known parameters, and its predictions match what the customers then did', () => {
    const truth = { r: 0.6, alpha: 6, a: 0.9, b: 3.5 };
    const customers = simulateBgNbd(new Random(2024), 40_000, truth, { holdout: 26 });
    const fit = fitBgNbd(customers);
    expect(fit.converged).toBe(true);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) {
      expect(Math.abs(fit.params[key] - truth[key]) / truth[key], key).toBeLessThan(0.15);
    }
    const predicted = customers.reduce((sum, c) => sum + expectedPurchases(truth, c, 26), 0);
    const actual = customers.reduce((sum, c) => sum + c.actual, 0);
    expect(Math.abs(predicted - actual) / actual).toBeLessThan(0.05);
  });

  it('Gamma-Gamma recovers known parameters', () => {
    const random = new Random(7);
    const truth = { p: 5, q: 4, v: 60 };
    const spends = Array.from({ length: 20_000 }, () => {
      const x = 1 + Math.floor(random.exponential(0.4));
      const nu = random.gamma(truth.q, truth.v);
      let total = 0;
      for (let k = 0; k < x; k++) total += random.gamma(truth.p, nu);
      return { x, meanSpend: total / x, weight: 1 };
    });
    const fit = fitGammaGamma(spends);
    expect(fit.converged).toBe(true);
    for (const key of ['p', 'q', 'v'] as const) {
      expect(Math.abs(fit.params[key] - truth[key]) / truth[key], key).toBeLessThan(0.15);
    }
  });

  it('fits a million customers in seconds, grouped into distinct (x, t_x, T) rows', () => {
    const customers = simulateBgNbd(new Random(99), 1_000_000, { r: 0.6, alpha: 6, a: 0.9, b: 3.5 });
    const grouped = FrequencyTable.grouped(customers);
    expect(grouped.customers).toBe(customers.length);
    // Grouping changes the work, not the likelihood.
    const params = { r: 0.5, alpha: 5, a: 1, b: 3 };
    expect(bgNbdLogLikelihood(params, grouped)).toBeCloseTo(bgNbdLogLikelihood(params, customers), 3);
    const started = performance.now();
    const fit = fitBgNbd(grouped);
    const seconds = (performance.now() - started) / 1000;
    expect(fit.converged).toBe(true);
    expect(grouped.length).toBeLessThan(customers.length / 2);
    expect(seconds).toBeLessThan(30); // a guard, not the benchmark: npm run bench times it
  });
});

describe('a fit that cannot be trusted', () => {
  it('is refused when every customer bought once: too few repeat buyers to fit anything', async () => {
    const file = join(tempDir(), 'once.csv');
    writeFileSync(file, ['customer,day,amount', ...Array.from({ length: 300 }, (_, i) => `c${i},2024-01-${String(1 + (i % 28)).padStart(2, '0')},${10 + (i % 7)}`)].join('\n'));
    const result = await clm(['clv', 'fit', '--transactions', file, '--customer-col', 'customer', '--date-col', 'day', '--amount-col', 'amount', '--calibration-end', '2024-03-31', '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: Too few buyers to fit by 2024-03-31: 300 buyers and 0 repeat buyers; at least 50 and 30 are needed\n');
  });

  it('names the missing column', async () => {
    const file = join(tempDir(), 't.csv');
    writeFileSync(file, 'id,when,value\n1,2024-01-01,3\n');
    const result = await clm(['clv', 'fit', '--transactions', file, '--customer-col', 'customer', '--date-col', 'when', '--amount-col', 'value', '--calibration-end', '2024-03-31']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: --customer-col customer: no such column in ${file} (columns: id, when, value)\n`);
  });
});
