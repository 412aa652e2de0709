import numeric from 'numeric';
import { bgNbdLogLikelihoodWithGradient, FrequencyTable, type BgNbdParams, type Frequency } from './bg-nbd.js';
import { gammaGammaLogLikelihoodWithGradient, SpendTable, type GammaGammaParams, type Spend } from './gamma-gamma.js';
import { maximiseLogLikelihood, type FitResult } from './optimise.js';
import { digamma, gammaln } from './special.js';

/** Why a fitted model's numbers cannot be used, in words: the parameter, what it means, what to try. */
export interface Degeneracy {
  model: 'bg_nbd' | 'gamma_gamma';
  parameter: string;
  meaning: string;
  remedy: string;
}

export interface Diagnosis {
  /** Standard errors of the parameters (from the Hessian of the log-likelihood), by name. */
  standardErrors: Record<string, number>;
  problems: Degeneracy[];
}

/** A standard error of a log-parameter above this means its 95% interval spans a factor of e^±6 (about 400×): not identified. */
const MAX_LOG_STANDARD_ERROR = 3;
/** Dropout probability per purchase below this: the data shows no dropout. */
const MIN_DROPOUT = 1e-3;
/** 2·ΔLL below this (χ² with one degree of freedom at a boundary, 5%): the no-dropout model fits as well. */
const LIKELIHOOD_RATIO_CRITICAL = 2.71;
/** Gamma-Gamma's q beyond this: the spread of spend between customers runs away. */
const MAX_Q = 1e3;

/**
 * Whether a BG/NBD fit means anything, judged by what it means rather than by fixed bounds: the
 * dropout probability a/(a+b) near zero, a no-dropout (NBD) model fitting within a likelihood-
 * ratio margin, or standard errors so large that the data cannot pin a parameter down.
 */
export function diagnoseBgNbd(fit: FitResult<BgNbdParams>, data: readonly Frequency[] | FrequencyTable): Diagnosis {
  const table = FrequencyTable.of(data);
  const { r, alpha, a, b } = fit.params;
  const names = ['r', 'alpha', 'a', 'b'];
  const errors = logStandardErrors((v) => bgNbdLogLikelihoodWithGradient({ r: v[0]!, alpha: v[1]!, a: v[2]!, b: v[3]! }, table).gradient, [r, alpha, a, b]);
  const problems: Degeneracy[] = [];
  if (!fit.converged) problems.push({ model: 'bg_nbd', parameter: 'all', meaning: 'the fit did not converge', remedy: 'check the data (dates, one row per purchase); try --period day or a longer calibration period' });
  const dropout = a / (a + b);
  const noDropout: Degeneracy = {
    model: 'bg_nbd',
    parameter: 'a/(a+b)',
    meaning: `no evidence of dropout in this data (dropout probability ${dropout.toPrecision(3)} per purchase): P(alive) cannot be estimated`,
    remedy: 'use a calibration period with customers who stopped buying (an earlier --calibration-end, a longer history); expected purchases from the NBD model ignore dropout',
  };
  const ratio = 2 * (fit.logLikelihood - fitNbd(table).logLikelihood);
  if (dropout < MIN_DROPOUT || ratio < LIKELIHOOD_RATIO_CRITICAL) {
    problems.push(dropout < MIN_DROPOUT ? noDropout : { ...noDropout, meaning: `${noDropout.meaning.split(' (')[0]}: a model without dropout fits as well (likelihood ratio ${ratio.toFixed(2)} < ${LIKELIHOOD_RATIO_CRITICAL})` });
  }
  names.forEach((name, i) => {
    const se = errors[i]!;
    if (!(se <= MAX_LOG_STANDARD_ERROR) && !problems.some((p) => p.parameter === 'a/(a+b)' && (name === 'a' || name === 'b'))) {
      problems.push({
        model: 'bg_nbd',
        parameter: name,
        meaning: `the data cannot pin ${name} down (standard error of log ${name}: ${Number.isFinite(se) ? se.toFixed(1) : 'unbounded'})`,
        remedy: 'more customers or a longer history; check that each row is one purchase',
      });
    }
  });
  return { standardErrors: Object.fromEntries(names.map((n, i) => [n, fit.params[n as keyof BgNbdParams] * errors[i]!])), problems };
}

/** Whether a Gamma-Gamma fit means anything: q running away, or parameters the data cannot pin down. */
export function diagnoseGammaGamma(fit: FitResult<GammaGammaParams>, data: readonly Spend[] | SpendTable): Diagnosis {
  const table = SpendTable.of(data);
  const { p, q, v } = fit.params;
  const names = ['p', 'q', 'v'];
  const errors = logStandardErrors((x) => gammaGammaLogLikelihoodWithGradient({ p: x[0]!, q: x[1]!, v: x[2]! }, table).gradient, [p, q, v]);
  const problems: Degeneracy[] = [];
  if (!fit.converged) problems.push({ model: 'gamma_gamma', parameter: 'all', meaning: 'the fit did not converge', remedy: 'check the amounts (one currency, no refunds as purchases)' });
  if (q > MAX_Q || !(errors[1]! <= MAX_LOG_STANDARD_ERROR)) {
    problems.push({
      model: 'gamma_gamma',
      parameter: 'q',
      meaning: `q runs away (${q.toPrecision(3)}): the average spend per purchase does not vary between customers in a way the model can fit, so expected spend cannot be told apart by customer`,
      remedy: 'check that amounts are per purchase and in one currency; with little variation the data-wide average spend is the honest estimate',
    });
  }
  for (const [i, name] of [[0, 'p'], [2, 'v']] as const) {
    if (!(errors[i]! <= MAX_LOG_STANDARD_ERROR) && !problems.some((x) => x.parameter === 'q')) {
      problems.push({ model: 'gamma_gamma', parameter: name, meaning: `the data cannot pin ${name} down (standard error of log ${name}: ${Number.isFinite(errors[i]!) ? errors[i]!.toFixed(1) : 'unbounded'})`, remedy: 'more repeat buyers' });
    }
  }
  return { standardErrors: Object.fromEntries(names.map((n, i) => [n, fit.params[n as keyof GammaGammaParams] * errors[i]!])), problems };
}

/**
 * The BG/NBD likelihood's no-dropout limit (a → 0): purchases at a gamma-distributed Poisson rate.
 * Per row: lnΓ(r+x) − lnΓ(r) + r·ln α − (r+x)·ln(α+T).
 */
function fitNbd(table: FrequencyTable): FitResult<{ r: number; alpha: number }> {
  const { xs, Ts, weightOfX } = table;
  const { x, T, weight } = table.rows;
  const ll = ([r, alpha]: number[]) => {
    let value = 0;
    let dr = 0;
    let dAlpha = 0;
    for (let k = 0; k < xs.length; k++) {
      const w = weightOfX[k]!;
      value += w * (gammaln(r! + xs[k]!) - gammaln(r!) + r! * Math.log(alpha!));
      dr += w * (digamma(r! + xs[k]!) - digamma(r!) + Math.log(alpha!));
      dAlpha += (w * r!) / alpha!;
    }
    const lnT = Ts.map((t) => Math.log(alpha! + t));
    const invT = Ts.map((t) => 1 / (alpha! + t));
    for (let i = 0; i < weight.length; i++) {
      const rx = r! + xs[x[i]!]!;
      value -= weight[i]! * rx * lnT[T[i]!]!;
      dr -= weight[i]! * lnT[T[i]!]!;
      dAlpha -= weight[i]! * rx * invT[T[i]!]!;
    }
    return { value, gradient: [dr, dAlpha] };
  };
  return maximiseLogLikelihood(ll, [[1, 1], [0.5, 10]], ([r, alpha]) => ({ r: r!, alpha: alpha! }), { scale: Math.max(1, table.customers) });
}

/**
 * Standard errors of the logs of the parameters: the square roots of the diagonal of the inverse
 * of the negative Hessian of the log-likelihood in log-parameter space, by central differences of
 * the analytic gradient. A singular Hessian (a flat direction) gives Infinity.
 */
function logStandardErrors(gradient: (params: number[]) => readonly number[], params: readonly number[]): number[] {
  const at = params.map(Math.log);
  // The gradient in log-parameter space: d LL / d log θ = θ · d LL / d θ.
  const logGradient = (logs: number[]) => {
    const values = logs.map(Math.exp);
    return gradient(values).map((g, i) => g * values[i]!);
  };
  const h = 1e-4;
  const n = at.length;
  const columns = at.map((_, j) => {
    const up = [...at];
    const down = [...at];
    up[j]! += h;
    down[j]! -= h;
    const gUp = logGradient(up);
    const gDown = logGradient(down);
    return gUp.map((g, i) => (g - gDown[i]!) / (2 * h));
  });
  // Symmetrise what the differences leave slightly asymmetric.
  const hessian = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (columns[j]![i]! + columns[i]![j]!) / 2));
  try {
    const covariance = numeric.inv(hessian.map((row) => row.map((v) => -v)));
    return covariance.map((row, i) => (row[i]! > 0 ? Math.sqrt(row[i]!) : Infinity));
  } catch {
    return params.map(() => Infinity);
  }
}
