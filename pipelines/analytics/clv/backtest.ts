import type { BgNbdParams, Frequency } from './bg-nbd.js';
import { expectedPurchases } from './bg-nbd.js';

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
 * frequency (the classic BG/NBD validation chart).
 */
export function backtest(params: BgNbdParams, customers: readonly (Omit<Frequency, 'weight'> & { actual: number })[], holdoutPeriods: number): Backtest {
  const buckets = new Map<string, BacktestRow>();
  let actual = 0;
  let predicted = 0;
  let absoluteError = 0;
  for (const customer of customers) {
    const expected = expectedPurchases(params, customer, holdoutPeriods);
    const bucket = customer.x >= 7 ? '7+' : String(customer.x);
    const row = buckets.get(bucket) ?? { bucket, customers: 0, actual: 0, predicted: 0 };
    row.customers += 1;
    row.actual += customer.actual;
    row.predicted += expected;
    buckets.set(bucket, row);
    actual += customer.actual;
    predicted += expected;
    absoluteError += Math.abs(expected - customer.actual);
  }
  const byFrequency = [...buckets.values()].sort((a, b) => (a.bucket === '7+' ? 1 : b.bucket === '7+' ? -1 : Number(a.bucket) - Number(b.bucket)));
  return {
    holdoutPeriods,
    actual,
    predicted,
    relativeError: actual === 0 ? 0 : (predicted - actual) / actual,
    meanAbsoluteError: customers.length === 0 ? 0 : absoluteError / customers.length,
    byFrequency,
  };
}
