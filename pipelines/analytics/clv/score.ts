import { cachedByXAndT, expectedPurchasesIfAlive, FrequencyTable, probabilityAlive, type BgNbdParams, type Frequency } from './bg-nbd.js';

/** The CLV horizon and discounting, documented defaults: 12 months at 10% a year. */
export interface ClvSettings {
  horizonMonths: number;
  annualDiscountRate: number;
  /** Weeks per month, to step the horizon in the model's unit (weeks). */
  weeksPerMonth: number;
}

export const DEFAULT_CLV_SETTINGS: ClvSettings = { horizonMonths: 12, annualDiscountRate: 0.1, weeksPerMonth: 52 / 12 };

/** Scores of the rows of a {@link FrequencyTable}, in its row order. */
export interface Scores {
  pAlive: Float64Array;
  expectedPurchases: Float64Array;
  /** Σ over the horizon's months of expected purchases in that month × the month's discount factor. */
  discountedPurchases: Float64Array;
}

/**
 * Expected purchases over the horizon for a customer alive now, in total and discounted month by
 * month (E[Y(t_k)] − E[Y(t_{k−1})], discounted to today). The path depends on x and T alone and
 * is computed once for each pair; t_x only enters through P(alive), which scales the whole path.
 */
export function purchasePaths(params: BgNbdParams, settings: ClvSettings = DEFAULT_CLV_SETTINGS): (x: number, T: number) => { total: number; discounted: number } {
  const monthly = Math.pow(1 + settings.annualDiscountRate, 1 / 12) - 1;
  return cachedByXAndT((x, T) => {
    let previous = 0;
    let discounted = 0;
    for (let month = 1; month <= settings.horizonMonths; month++) {
      const cumulative = expectedPurchasesIfAlive(params, x, T, month * settings.weeksPerMonth);
      discounted += (cumulative - previous) / Math.pow(1 + monthly, month);
      previous = cumulative;
    }
    return { total: previous, discounted };
  });
}

/** Scores each distinct (x, t_x, T) once: P(alive) times its (x, T) pair's {@link purchasePaths}. */
export function scoreGroups(params: BgNbdParams, groups: readonly Frequency[] | FrequencyTable, settings: ClvSettings = DEFAULT_CLV_SETTINGS): Scores {
  const table = FrequencyTable.of(groups);
  const path = purchasePaths(params, settings);
  const scores: Scores = { pAlive: new Float64Array(table.length), expectedPurchases: new Float64Array(table.length), discountedPurchases: new Float64Array(table.length) };
  for (let i = 0; i < table.length; i++) {
    const row = table.row(i);
    const pAlive = probabilityAlive(params, row);
    const { total, discounted } = path(row.x, row.T);
    scores.pAlive[i] = pAlive;
    scores.expectedPurchases[i] = total * pAlive;
    scores.discountedPurchases[i] = discounted * pAlive;
  }
  return scores;
}
