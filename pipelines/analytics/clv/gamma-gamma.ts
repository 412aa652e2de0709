import { digamma, gammaln } from './special.js';
import { maximiseLogLikelihood, type FitResult } from './optimise.js';

/** Gamma-Gamma (Fader, Hardie & Lee 2005; Fader & Hardie 2013): spend per purchase ~ Gamma(p, ν), ν ~ Gamma(q, γ). */
export interface GammaGammaParams {
  p: number;
  q: number;
  /** γ, named v in lifetimes. */
  v: number;
}

/** A customer with x > 0 repeat purchases whose average value was `meanSpend`; `weight` customers share them. */
export interface Spend {
  x: number;
  meanSpend: number;
  weight: number;
}

/**
 * Spends packed for repeated likelihood evaluation: ln x, ln(mean spend) and x·(mean spend) per
 * row are taken once, and the terms that depend on x alone once per distinct x.
 */
export class SpendTable {
  readonly xs: Float64Array;
  readonly rows: { x: Int32Array; lnSpend: Float64Array; total: Float64Array; weight: Float64Array };
  readonly weightOfX: Float64Array;
  /** Σ weight·x·ln x + Σ weight·x·ln(mean spend) over the rows of each distinct x. */
  readonly pCoefficientOfX: Float64Array;
  /** Σ weight·ln(mean spend): the −1 of (px − 1)·ln m. */
  readonly lnSpendSum: number;
  readonly customers: number;
  readonly meanSpend: number;

  constructor(columns: { x: ArrayLike<number>; meanSpend: ArrayLike<number>; weight: ArrayLike<number> }) {
    // A plain loop: Array.from with a map function is several times slower on a million rows.
    const seen = new Set<number>();
    for (let i = 0; i < columns.x.length; i++) seen.add(Number(columns.x[i]));
    const distinct = [...seen].sort((a, b) => a - b);
    const position = new Map(distinct.map((v, i) => [v, i]));
    const n = columns.x.length;
    this.xs = Float64Array.from(distinct);
    this.rows = { x: new Int32Array(n), lnSpend: new Float64Array(n), total: new Float64Array(n), weight: new Float64Array(n) };
    this.weightOfX = new Float64Array(distinct.length);
    this.pCoefficientOfX = new Float64Array(distinct.length);
    let lnSpendSum = 0;
    let customers = 0;
    let spend = 0;
    for (let i = 0; i < n; i++) {
      const x = Number(columns.x[i]);
      const m = Number(columns.meanSpend[i]);
      const w = Number(columns.weight[i]);
      const k = position.get(x)!;
      this.rows.x[i] = k;
      this.rows.lnSpend[i] = Math.log(m);
      this.rows.total[i] = x * m;
      this.rows.weight[i] = w;
      this.weightOfX[k]! += w;
      this.pCoefficientOfX[k]! += w * x * (Math.log(x) + Math.log(m));
      lnSpendSum += w * Math.log(m);
      customers += w;
      spend += w * m;
    }
    this.lnSpendSum = lnSpendSum;
    this.customers = customers;
    this.meanSpend = customers > 0 ? spend / customers : 1;
  }

  static of(data: readonly Spend[] | SpendTable): SpendTable {
    if (data instanceof SpendTable) return data;
    return new SpendTable({ x: data.map((d) => d.x), meanSpend: data.map((d) => d.meanSpend), weight: data.map((d) => d.weight) });
  }
}

/** The summed log-likelihood of the customers' average spends (Fader & Hardie 2013, eq. 3). */
export function gammaGammaLogLikelihood(params: GammaGammaParams, data: readonly Spend[] | SpendTable): number {
  return gammaGammaLogLikelihoodWithGradient(params, SpendTable.of(data)).value;
}

/**
 * The log-likelihood and its gradient in (p, q, γ). Per row:
 * LL = −lnΓ(q) + q·ln γ + lnΓ(px+q) − lnΓ(px) + (px−1)·ln m + px·ln x − (px+q)·ln(γ + x·m).
 */
export function gammaGammaLogLikelihoodWithGradient({ p, q, v }: GammaGammaParams, table: SpendTable): { value: number; gradient: [number, number, number] } {
  const { xs, weightOfX } = table;
  let value = -table.lnSpendSum;
  let dp = 0;
  let dq = 0;
  let dv = 0;
  const psiQ = digamma(q);
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k]!;
    const w = weightOfX[k]!;
    const px = p * x;
    value += w * (-gammaln(q) + q * Math.log(v) + gammaln(px + q) - gammaln(px)) + p * table.pCoefficientOfX[k]!;
    dp += w * x * (digamma(px + q) - digamma(px)) + table.pCoefficientOfX[k]!;
    dq += w * (-psiQ + Math.log(v) + digamma(px + q));
    dv += (w * q) / v;
  }
  const { x, total, weight } = table.rows;
  for (let i = 0; i < weight.length; i++) {
    const xi = xs[x[i]!]!;
    const lnSum = Math.log(v + total[i]!);
    const pxq = p * xi + q;
    value -= weight[i]! * pxq * lnSum;
    dp -= weight[i]! * xi * lnSum;
    dq -= weight[i]! * lnSum;
    dv -= (weight[i]! * pxq) / (v + total[i]!);
  }
  return { value, gradient: [dp, dq, dv] };
}

/** The log-likelihood as a function of the parameters, for this data. */
export function gammaLogLikelihoodOf(data: readonly Spend[] | SpendTable): (params: GammaGammaParams) => number {
  const table = SpendTable.of(data);
  return (params) => gammaGammaLogLikelihood(params, table);
}

/**
 * Fits Gamma-Gamma by maximum likelihood, from a start whose population mean spend p·γ/(q − 1)
 * equals the data's, and from a neutral one when that fails.
 */
export function fitGammaGamma(data: readonly Spend[] | SpendTable): FitResult<GammaGammaParams> {
  const table = SpendTable.of(data);
  const params = ([p, q, v]: number[]) => ({ p: p!, q: q!, v: v! });
  return maximiseLogLikelihood(
    (values) => gammaGammaLogLikelihoodWithGradient(params(values), table),
    [
      [2, 3, Math.max(table.meanSpend, 1e-3)],
      [1, 1, 1],
    ],
    params,
    { scale: Math.max(1, table.customers) },
  );
}

/** E[spend per purchase | x, mean spend]: the posterior mean, shrunk towards the population mean. */
export function expectedSpend({ p, q, v }: GammaGammaParams, x: number, meanSpend: number): number {
  if (x === 0) return (p * v) / (q - 1);
  return (p * (v + x * meanSpend)) / (p * x + q - 1);
}
