import type { BgNbdParams, Frequency } from './bg-nbd.js';
import { cachedByXAndT, expectedPurchasesIfAlive, probabilityAlive } from './bg-nbd.js';

export interface BacktestRow {
  /** Repeat purchases in calibration: '0', '1', …, '7+'. */
  bucket: string;
  customers: number;
  actual: number;
  predicted: number;
}

export interface Backtest {
  holdoutPeriods: number;
  actual: number;
  predicted: number;
  /** (predicted − actual) / actual, overall. */
  relativeError: number;
  /** Mean absolute error per customer. */
  meanAbsoluteError: number;
  byFrequency: BacktestRow[];
}

/**
 * Predicted against actual repeat purchases in the holdout period, overall and by calibration
 * frequency (the classic BG/NBD validation chart). Each row is `weight` customers (default one)
 * who share (x, t_x, T) and their actual purchases.
 */
export function backtest(params: BgNbdParams, customers: readonly (Omit<Frequency, 'weight'> & { actual: number; weight?: number })[], holdoutPeriods: number): Backtest {
  const ifAlive = cachedByXAndT((x, T) => expectedPurchasesIfAlive(params, x, T, holdoutPeriods));
  const buckets = new Map<string, BacktestRow>();
  let actual = 0;
  let predicted = 0;
  let absoluteError = 0;
  let count = 0;
  for (const customer of customers) {
    const weight = customer.weight ?? 1;
    const expected = ifAlive(customer.x, customer.T) * probabilityAlive(params, customer);
    const bucket = customer.x >= 7 ? '7+' : String(customer.x);
    const row = buckets.get(bucket) ?? { bucket, customers: 0, actual: 0, predicted: 0 };
    row.customers += weight;
    row.actual += weight * customer.actual;
    row.predicted += weight * expected;
    buckets.set(bucket, row);
    actual += weight * customer.actual;
    predicted += weight * expected;
    absoluteError += weight * Math.abs(expected - customer.actual);
    count += weight;
  }
  const byFrequency = [...buckets.values()].sort((a, b) => (a.bucket === '7+' ? 1 : b.bucket === '7+' ? -1 : Number(a.bucket) - Number(b.bucket)));
  return {
    holdoutPeriods,
    actual,
    predicted,
    relativeError: actual === 0 ? 0 : (predicted - actual) / actual,
    meanAbsoluteError: count === 0 ? 0 : absoluteError / count,
    byFrequency,
  };
}
