import type { BgNbdParams, Frequency } from './bg-nbd.js';
import { expectedPurchases, probabilityAlive } from './bg-nbd.js';

/** The CLV horizon and discounting, documented defaults: 12 months at 10% a year. */
export interface ClvSettings {
  horizonMonths: number;
  annualDiscountRate: number;
  /** Weeks per month, to step the horizon in the model's unit (weeks). */
  weeksPerMonth: number;
}

export const DEFAULT_CLV_SETTINGS: ClvSettings = { horizonMonths: 12, annualDiscountRate: 0.1, weeksPerMonth: 52 / 12 };

export interface ScoredGroup {
  x: number;
  tx: number;
  T: number;
  pAlive: number;
  expectedPurchases: number;
  /** Σ over the horizon's months of expected purchases in that month × the month's discount factor. */
  discountedPurchases: number;
}

/**
 * Scores each distinct (x, t_x, T) once: P(alive), expected purchases over the horizon and their
 * discounted sum, month by month (E[Y(t_k)] − E[Y(t_{k−1})], discounted to today). Customers who
 * share the values share the score, so a million customers cost a few thousand evaluations.
 */
export function scoreGroups(params: BgNbdParams, groups: readonly Omit<Frequency, 'weight'>[], settings: ClvSettings = DEFAULT_CLV_SETTINGS): ScoredGroup[] {
  const monthly = Math.pow(1 + settings.annualDiscountRate, 1 / 12) - 1;
  return groups.map((group) => {
    let previous = 0;
    let discounted = 0;
    for (let month = 1; month <= settings.horizonMonths; month++) {
      const cumulative = expectedPurchases(params, group, month * settings.weeksPerMonth);
      discounted += (cumulative - previous) / Math.pow(1 + monthly, month);
      previous = cumulative;
    }
    return { ...group, pAlive: probabilityAlive(params, group), expectedPurchases: previous, discountedPurchases: discounted };
  });
}
