import { gammaln, hyp2f1, logAddExp } from './special.js';
import { maximiseLogLikelihood, type FitResult } from './optimise.js';

/** BG/NBD (Fader, Hardie & Lee 2005): purchase rate λ ~ Gamma(r, α); dropout after each purchase p ~ Beta(a, b). */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/**
 * A customer's sufficient statistics, in the model's time unit: x repeat purchases, the last at
 * t_x after the first, observed for T since the first. `weight` customers share these values.
 */
export interface Frequency {
  x: number;
  tx: number;
  T: number;
  weight: number;
}

/**
 * Frequencies packed for repeated likelihood evaluation: distinct x, t_x and T values are kept
 * once, so each evaluation takes one logarithm per distinct value, not per customer.
 */
export class FrequencyTable {
  readonly xs: Float64Array;
  readonly txs: Float64Array;
  readonly Ts: Float64Array;
  readonly rows: { x: Int32Array; tx: Int32Array; T: Int32Array; weight: Float64Array };

  constructor(data: readonly Frequency[]) {
    const index = (values: number[]) => {
      const distinct = [...new Set(values)].sort((a, b) => a - b);
      const position = new Map(distinct.map((v, i) => [v, i]));
      return { distinct: Float64Array.from(distinct), of: (v: number) => position.get(v)! };
    };
    const x = index(data.map((d) => d.x));
    const tx = index(data.map((d) => d.tx));
    const T = index(data.map((d) => d.T));
    this.xs = x.distinct;
    this.txs = tx.distinct;
    this.Ts = T.distinct;
    this.rows = {
      x: Int32Array.from(data, (d) => x.of(d.x)),
      tx: Int32Array.from(data, (d) => tx.of(d.tx)),
      T: Int32Array.from(data, (d) => T.of(d.T)),
      weight: Float64Array.from(data, (d) => d.weight),
    };
  }

  get customers(): number {
    return this.rows.weight.reduce((a, b) => a + b, 0);
  }
}

/** The summed log-likelihood, in log space throughout (FHL 2005, eq. 6). */
export function bgNbdLogLikelihood({ r, alpha, a, b }: BgNbdParams, data: readonly Frequency[] | FrequencyTable): number {
  const table = data instanceof FrequencyTable ? data : new FrequencyTable(data);
  const base = gammaln(a + b) - gammaln(b) - gammaln(r) + r * Math.log(alpha);
  const common = table.xs.map((x) => base + gammaln(r + x) + gammaln(b + x) - gammaln(a + b + x));
  const lnA4 = table.xs.map((x) => (x > 0 ? Math.log(a) - Math.log(b + x - 1) : -Infinity));
  const lnT = table.Ts.map((T) => Math.log(alpha + T));
  const lnTx = table.txs.map((tx) => Math.log(alpha + tx));
  const { x, tx, T, weight } = table.rows;
  let total = 0;
  for (let i = 0; i < weight.length; i++) {
    const xi = x[i]!;
    const rx = r + table.xs[xi]!;
    const a3 = -rx * lnT[T[i]!]!;
    const a4 = lnA4[xi]! - rx * lnTx[tx[i]!]!;
    total += weight[i]! * (common[xi]! + logAddExp(a3, a4));
  }
  return total;
}

/**
 * Fits BG/NBD by maximum likelihood, from a start matched to the data's mean purchase rate
 * (λ = r/α ≈ repeat purchases per period observed), and from a neutral one when that fails.
 */
export function fitBgNbd(data: readonly Frequency[]): FitResult<BgNbdParams> {
  const table = new FrequencyTable(data);
  const n = table.customers;
  const rate = data.reduce((s, d) => s + d.weight * d.x, 0) / Math.max(1e-9, data.reduce((s, d) => s + d.weight * d.T, 0));
  const alpha = rate > 0 ? 1 / rate : 1;
  return maximiseLogLikelihood(
    ([r, alpha, a, b]) => bgNbdLogLikelihood({ r: r!, alpha: alpha!, a: a!, b: b! }, table),
    [
      [1, alpha, 1, 3],
      [1, 1, 1, 1],
    ],
    ([r, alpha, a, b]) => ({ r: r!, alpha: alpha!, a: a!, b: b! }),
    { scale: Math.max(1, n) },
  );
}

/** P(alive | x, t_x, T). */
export function probabilityAlive({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: Omit<Frequency, 'weight'>): number {
  if (x === 0) return 1;
  const logRatio = Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  return 1 / (1 + Math.exp(logRatio));
}

/** Expected purchases in the next `t` periods for a customer with (x, t_x, T) (FHL 2005, eq. 10). */
export function expectedPurchases(params: BgNbdParams, customer: Omit<Frequency, 'weight'>, t: number): number {
  const { r, alpha, a, b } = params;
  const { x, T } = customer;
  if (t <= 0) return 0;
  const z = t / (alpha + T + t);
  const hyper = hyp2f1(r + x, b + x, a + b + x - 1, z);
  const factor = Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + T + t)));
  const numerator = ((a + b + x - 1) / (a - 1)) * (1 - factor * hyper);
  return numerator * probabilityAlive(params, customer);
}
