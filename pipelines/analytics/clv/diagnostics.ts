import numeric from 'numeric';
import { bgNbdLogLikelihood, FrequencyTable, type BgNbdParams, type Frequency } from './bg-nbd.js';
import { gammaLogLikelihoodOf, type GammaGammaParams, type Spend } from './gamma-gamma.js';
import { maximiseLogLikelihood, type FitResult } from './optimise.js';
import { gammaln } from './special.js';

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
export function diagnoseBgNbd(fit: FitResult<BgNbdParams>, data: readonly Frequency[]): Diagnosis {
  const table = new FrequencyTable(data);
  const { r, alpha, a, b } = fit.params;
  const names = ['r', 'alpha', 'a', 'b'];
  const errors = logStandardErrors((v) => bgNbdLogLikelihood({ r: v[0]!, alpha: v[1]!, a: v[2]!, b: v[3]! }, table), [r, alpha, a, b]);
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
export function diagnoseGammaGamma(fit: FitResult<GammaGammaParams>, data: readonly Spend[]): Diagnosis {
  const { p, q, v } = fit.params;
  const names = ['p', 'q', 'v'];
  const errors = logStandardErrors((x) => gammaLogLikelihoodOf(data)({ p: x[0]!, q: x[1]!, v: x[2]! }), [p, q, v]);
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

/** The BG/NBD likelihood's no-dropout limit (a → 0): purchases at a gamma-distributed Poisson rate. */
function fitNbd(table: FrequencyTable): FitResult<{ r: number; alpha: number }> {
  const ll = ([r, alpha]: number[]) => {
    const { x, T, weight } = table.rows;
    let total = 0;
    for (let i = 0; i < weight.length; i++) {
      const xi = table.xs[x[i]!]!;
      total += weight[i]! * (gammaln(r! + xi) - gammaln(r!) + r! * Math.log(alpha!) - (r! + xi) * Math.log(alpha! + table.Ts[T[i]!]!));
    }
    return total;
  };
  return maximiseLogLikelihood(ll, [[1, 1], [0.5, 10]], ([r, alpha]) => ({ r: r!, alpha: alpha! }), { scale: Math.max(1, table.customers) });
}

/**
 * Standard errors of the logs of the parameters: the square roots of the diagonal of the inverse
 * of the negative Hessian of the log-likelihood in log-parameter space, by central differences.
 * A singular Hessian (a flat direction) gives Infinity.
 */
function logStandardErrors(logLikelihood: (params: number[]) => number, params: readonly number[]): number[] {
  const at = params.map(Math.log);
  const f = (logs: number[]) => logLikelihood(logs.map(Math.exp));
  const h = 1e-4;
  const n = at.length;
  const hessian = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const shifted = (i: number, di: number, j: number, dj: number) => {
    const x = [...at];
    x[i]! += di;
    x[j]! += dj;
    return f(x);
  };
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const value = (shifted(i, h, j, h) - shifted(i, h, j, -h) - shifted(i, -h, j, h) + shifted(i, -h, j, -h)) / (4 * h * h);
      hessian[i]![j] = value;
      hessian[j]![i] = value;
    }
  }
  try {
    const covariance = numeric.inv(hessian.map((row) => row.map((v) => -v)));
    return covariance.map((row, i) => (row[i]! > 0 ? Math.sqrt(row[i]!) : Infinity));
  } catch {
    return params.map(() => Infinity);
  }
}
