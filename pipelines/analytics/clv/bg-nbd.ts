import { digamma, gammaln, hyp2f1 } from './special.js';
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
  /** Each row's positions in xs, txs and Ts, and its number of customers. */
  readonly rows: { x: Int32Array; tx: Int32Array; T: Int32Array; weight: Float64Array };
  /** Customers per distinct x. */
  readonly weightOfX: Float64Array;
  readonly customers: number;

  private constructor(xs: Float64Array, txs: Float64Array, Ts: Float64Array, rows: FrequencyTable['rows']) {
    this.xs = xs;
    this.txs = txs;
    this.Ts = Ts;
    this.rows = rows;
    this.weightOfX = new Float64Array(xs.length);
    let customers = 0;
    for (let i = 0; i < rows.weight.length; i++) {
      this.weightOfX[rows.x[i]!]! += rows.weight[i]!;
      customers += rows.weight[i]!;
    }
    this.customers = customers;
  }

  /** Rows as columns, e.g. as DuckDB returns them (`getColumnsObjectJS`). */
  static fromColumns(columns: { x: ArrayLike<number>; tx: ArrayLike<number>; T: ArrayLike<number>; weight: ArrayLike<number> }): FrequencyTable {
    const x = distinctIndex(columns.x);
    const tx = distinctIndex(columns.tx);
    const T = distinctIndex(columns.T);
    return new FrequencyTable(x.distinct, tx.distinct, T.distinct, { x: x.rows, tx: tx.rows, T: T.rows, weight: doubles(columns.weight) });
  }

  static of(data: readonly Frequency[] | FrequencyTable): FrequencyTable {
    if (data instanceof FrequencyTable) return data;
    return FrequencyTable.fromColumns({ x: data.map((d) => d.x), tx: data.map((d) => d.tx), T: data.map((d) => d.T), weight: data.map((d) => d.weight) });
  }

  /**
   * Customers with the same (x, t_x, T) as one row, their weights summed. Each customer's three
   * positions among the distinct values make one integer key; the keys, each with its customer's
   * index, are sorted as plain numbers (a typed-array sort, no comparator) and runs of equal keys
   * become rows.
   */
  static grouped(customers: readonly Frequency[]): FrequencyTable {
    const n = customers.length;
    const x = distinctIndex(customers.map((c) => c.x));
    const tx = distinctIndex(customers.map((c) => c.tx));
    const T = distinctIndex(customers.map((c) => c.T));
    // Too many combinations for the key to stay exact: one row per customer.
    if (x.distinct.length * tx.distinct.length * T.distinct.length * n > Number.MAX_SAFE_INTEGER) return FrequencyTable.of(customers);
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = ((x.rows[i]! * tx.distinct.length + tx.rows[i]!) * T.distinct.length + T.rows[i]!) * n + i;
    keys.sort();
    const rows = { x: new Int32Array(n), tx: new Int32Array(n), T: new Int32Array(n), weight: new Float64Array(n) };
    let count = 0;
    let previous = -1;
    for (let k = 0; k < n; k++) {
      const key = Math.floor(keys[k]! / n);
      const i = keys[k]! - key * n;
      if (key !== previous) {
        [rows.x[count], rows.tx[count], rows.T[count]] = [x.rows[i]!, tx.rows[i]!, T.rows[i]!];
        count++;
        previous = key;
      }
      rows.weight[count - 1]! += customers[i]!.weight;
    }
    return new FrequencyTable(x.distinct, tx.distinct, T.distinct, { x: rows.x.slice(0, count), tx: rows.tx.slice(0, count), T: rows.T.slice(0, count), weight: rows.weight.slice(0, count) });
  }

  get length(): number {
    return this.rows.weight.length;
  }

  /** Row i's values. */
  row(i: number): Frequency {
    return { x: this.xs[this.rows.x[i]!]!, tx: this.txs[this.rows.tx[i]!]!, T: this.Ts[this.rows.T[i]!]!, weight: this.rows.weight[i]! };
  }
}

/** A column as doubles, by a plain loop: Float64Array.from with a map function is several times slower on a million rows. */
function doubles(column: ArrayLike<number>): Float64Array {
  const out = new Float64Array(column.length);
  for (let i = 0; i < column.length; i++) out[i] = Number(column[i]);
  return out;
}

/** The sorted distinct values of a column, and each row's position among them. */
function distinctIndex(column: ArrayLike<number>): { distinct: Float64Array; rows: Int32Array } {
  const position = new Map<number, number>();
  for (let i = 0; i < column.length; i++) position.set(Number(column[i]), 0);
  const distinct = Float64Array.from(position.keys()).sort();
  distinct.forEach((v, i) => position.set(v, i));
  // A plain loop: Int32Array.from with a map function is several times slower on a million rows.
  const rows = new Int32Array(column.length);
  for (let i = 0; i < column.length; i++) rows[i] = position.get(Number(column[i]))!;
  return { distinct, rows };
}

/** The summed log-likelihood, in log space throughout (FHL 2005, eq. 6). */
export function bgNbdLogLikelihood(params: BgNbdParams, data: readonly Frequency[] | FrequencyTable): number {
  return bgNbdLogLikelihoodWithGradient(params, FrequencyTable.of(data)).value;
}

/**
 * The log-likelihood and its gradient in (r, α, a, b), in one pass over the rows. Per row:
 * LL = common(x) + A₃ + log(1 + e^(A₄ − A₃)) with A₃ = −(r+x)·ln(α+T) and
 * A₄ = ln a − ln(b+x−1) − (r+x)·ln(α+t_x) for x > 0; w = e^A₄ / (e^A₃ + e^A₄) weighs the A₄ branch
 * in every derivative. Terms that depend on x alone are summed once per distinct x.
 */
export function bgNbdLogLikelihoodWithGradient({ r, alpha, a, b }: BgNbdParams, table: FrequencyTable): { value: number; gradient: [number, number, number, number] } {
  const { xs, weightOfX } = table;
  const base = gammaln(a + b) - gammaln(b) - gammaln(r) + r * Math.log(alpha);
  const psiAB = digamma(a + b);
  const psiR = digamma(r);
  const psiB = digamma(b);
  let value = 0;
  let dr = 0;
  let dAlpha = 0;
  let da = 0;
  let db = 0;
  const lnA4 = new Float64Array(xs.length);
  const invB = new Float64Array(xs.length);
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k]!;
    const w = weightOfX[k]!;
    const psiABX = digamma(a + b + x);
    value += w * (base + gammaln(r + x) + gammaln(b + x) - gammaln(a + b + x));
    dr += w * (digamma(r + x) - psiR + Math.log(alpha));
    dAlpha += (w * r) / alpha;
    da += w * (psiAB - psiABX);
    db += w * (psiAB - psiB + digamma(b + x) - psiABX);
    lnA4[k] = x > 0 ? Math.log(a) - Math.log(b + x - 1) : -Infinity;
    invB[k] = x > 0 ? 1 / (b + x - 1) : 0;
  }
  const lnT = table.Ts.map((T) => Math.log(alpha + T));
  const invT = table.Ts.map((T) => 1 / (alpha + T));
  const lnTx = table.txs.map((tx) => Math.log(alpha + tx));
  const invTx = table.txs.map((tx) => 1 / (alpha + tx));
  const { x, tx, T, weight } = table.rows;
  let sumW4 = 0;
  for (let i = 0; i < weight.length; i++) {
    const k = x[i]!;
    const rx = r + xs[k]!;
    const j = T[i]!;
    const weightI = weight[i]!;
    const a3 = -rx * lnT[j]!;
    let w4 = 0;
    let softplus = 0;
    if (xs[k]! > 0) {
      const m = tx[i]!;
      const d = lnA4[k]! + rx * (lnT[j]! - lnTx[m]!);
      if (d > 0) {
        const e = Math.exp(-d);
        softplus = d + Math.log1p(e);
        w4 = 1 / (1 + e);
      } else {
        const e = Math.exp(d);
        softplus = Math.log1p(e);
        w4 = e / (1 + e);
      }
      const w3 = 1 - w4;
      value += weightI * (a3 + softplus);
      dr -= weightI * (w3 * lnT[j]! + w4 * lnTx[m]!);
      dAlpha -= weightI * rx * (w3 * invT[j]! + w4 * invTx[m]!);
      sumW4 += weightI * w4;
      db -= weightI * w4 * invB[k]!;
    } else {
      value += weightI * a3;
      dr -= weightI * lnT[j]!;
      dAlpha -= weightI * rx * invT[j]!;
    }
  }
  da += sumW4 / a;
  return { value, gradient: [dr, dAlpha, da, db] };
}

/**
 * Fits BG/NBD by maximum likelihood, from a start matched to the data's mean purchase rate
 * (λ = r/α ≈ repeat purchases per period observed), and from a neutral one when that fails.
 * `near`: parameters fitted on similar data (the same customers at a later date), tried first.
 */
export function fitBgNbd(data: readonly Frequency[] | FrequencyTable, near?: BgNbdParams): FitResult<BgNbdParams> {
  const table = FrequencyTable.of(data);
  const n = table.customers;
  let purchases = 0;
  let time = 0;
  for (let i = 0; i < table.length; i++) {
    const { x, T, weight } = table.row(i);
    purchases += weight * x;
    time += weight * T;
  }
  const rate = purchases / Math.max(1e-9, time);
  const alpha = rate > 0 ? 1 / rate : 1;
  const params = ([r, alpha, a, b]: number[]) => ({ r: r!, alpha: alpha!, a: a!, b: b! });
  return maximiseLogLikelihood(
    (values) => bgNbdLogLikelihoodWithGradient(params(values), table),
    [
      ...(near ? [[near.r, near.alpha, near.a, near.b]] : []),
      [1, alpha, 1, 3],
      [1, 1, 1, 1],
    ],
    params,
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
  return expectedPurchasesIfAlive(params, customer.x, customer.T, t) * probabilityAlive(params, customer);
}

/**
 * Eq. 10 without its P(alive) factor: it depends on x and T alone, not on t_x, so customers who
 * share x and T share it (a million customers, a few thousand evaluations of ₂F₁).
 */
export function expectedPurchasesIfAlive({ r, alpha, a, b }: BgNbdParams, x: number, T: number, t: number): number {
  if (t <= 0) return 0;
  const z = t / (alpha + T + t);
  const hyper = hyp2f1(r + x, b + x, a + b + x - 1, z);
  const factor = Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + T + t)));
  return ((a + b + x - 1) / (a - 1)) * (1 - factor * hyper);
}

/** A function of x and T (such as {@link expectedPurchasesIfAlive}) computed once per distinct pair. */
export function cachedByXAndT<V>(compute: (x: number, T: number) => V): (x: number, T: number) => V {
  const cache = new Map<number, Map<number, V>>();
  return (x, T) => {
    let byT = cache.get(x);
    if (!byT) cache.set(x, (byT = new Map()));
    let value = byT.get(T);
    if (value === undefined) byT.set(T, (value = compute(x, T)));
    return value;
  };
}
