import type { Random } from '../../generate/random.js';
import type { BgNbdParams, Frequency } from './bg-nbd.js';

/**
 * Customers drawn from BG/NBD with known parameters, each observed for T periods (uniform in
 * [minT, maxT]) and then for `holdout` more: x, t_x, T in calibration and the purchases after.
 * Times are rounded to days (1/7 of a week), as real order dates are.
 */
export function simulateBgNbd(random: Random, customers: number, params: BgNbdParams, options: { minT?: number; maxT?: number; holdout?: number } = {}): (Frequency & { actual: number })[] {
  const { minT = 30, maxT = 80, holdout = 0 } = options;
  const day = (weeks: number) => Math.round(weeks * 7) / 7;
  const out: (Frequency & { actual: number })[] = [];
  for (let i = 0; i < customers; i++) {
    const lambda = random.gamma(params.r, params.alpha);
    const p = random.beta(params.a, params.b);
    const T = day(minT + random.next() * (maxT - minT));
    let t = 0;
    let x = 0;
    let tx = 0;
    let actual = 0;
    for (;;) {
      t += random.exponential(lambda);
      if (t > T + holdout) break;
      if (t <= T) {
        x += 1;
        tx = day(t);
      } else actual += 1;
      if (random.chance(p)) break; // drops out after a repeat purchase
    }
    out.push({ x, tx, T, weight: 1, actual });
  }
  return out;
}
