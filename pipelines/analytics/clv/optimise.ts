import numeric from 'numeric';

export interface FitResult<P> {
  params: P;
  logLikelihood: number;
  converged: boolean;
  /** A parameter ran to the edge of what is plausible (below 1e-4 or above 1e4): the fit is not to be used silently. */
  atBoundary: boolean;
  iterations: number;
  message: string;
}

const LOWER = Math.log(1e-4);
const UPPER = Math.log(1e4);

/** A log-likelihood, with its gradient in the parameters when it has one (much faster to fit). */
export type LogLikelihood = (params: number[]) => number | { value: number; gradient: readonly number[] };

/**
 * Maximises a log-likelihood over positive parameters by BFGS (numeric.uncmin) on their logs, so
 * the search is unconstrained. Each starting point is refined until a restart no longer improves
 * the likelihood; the best converged result wins. Reports whether it converged and whether it
 * ran to a boundary.
 */
export function maximiseLogLikelihood<P>(
  logLikelihood: LogLikelihood,
  starts: readonly number[][],
  toParams: (values: number[]) => P,
  options: { tolerance?: number; maxIterations?: number; scale?: number } = {},
): FitResult<P> {
  const rank = (r: FitResult<P>) => (r.converged && !r.atBoundary ? 2 : r.converged ? 1 : 0);
  let best: FitResult<P> | undefined;
  for (const start of starts) {
    const result = maximiseFrom(logLikelihood, start, toParams, options);
    if (!best || rank(result) > rank(best) || (rank(result) === rank(best) && result.logLikelihood > best.logLikelihood)) best = result;
    if (rank(best) === 2) break; // converged inside the bounds: the next start is only a fallback
  }
  return best!;
}

function maximiseFrom<P>(
  logLikelihood: LogLikelihood,
  start: number[],
  toParams: (values: number[]) => P,
  options: { tolerance?: number; maxIterations?: number; scale?: number },
): FitResult<P> {
  // A likelihood summed over a million customers is large: optimise the mean per customer.
  const scale = options.scale ?? 1;
  // Outside e^±20 the likelihood loses its precision (lgamma of huge arguments); keep the search
  // inside that box so a wild line-search step is refused instead of taken.
  // uncmin asks for the value and then the gradient at the same point: evaluate once for both.
  let last: { at: number[]; value: number; gradient: number[] | undefined } | undefined;
  const evaluate = (logParams: number[]) => {
    if (last && last.at.every((v, i) => v === logParams[i])) return last;
    const params = logParams.map(Math.exp);
    const result = logParams.some((v) => !(Math.abs(v) <= 20)) ? Number.NaN : logLikelihood(params);
    const value = typeof result === 'number' ? result : result.value;
    // d(−LL/scale)/d(log θ) = −θ · dLL/dθ / scale
    const gradient = typeof result === 'number' ? undefined : result.gradient.map((g, i) => (-g * params[i]!) / scale);
    last = { at: [...logParams], value: Number.isFinite(value) ? -value / scale : 1e300, gradient };
    return last;
  };
  const objective = (logParams: number[]) => evaluate(logParams).value;
  let x = start.map(Math.log);
  let best = objective(x);
  // Without an analytic gradient, uncmin differentiates numerically (many more evaluations).
  const gradient = last!.gradient ? (logParams: number[]) => evaluate(logParams).gradient ?? logParams.map(() => Number.NaN) : undefined;
  let iterations = 0;
  let message = '';
  let converged = false;
  // Converged: a fresh BFGS started from the solution no longer improves the likelihood.
  for (let restart = 0; restart < 6 && !converged; restart++) {
    const result = numeric.uncmin(objective, x, options.tolerance ?? 1e-9, gradient, options.maxIterations ?? 2000);
    iterations += result.iterations;
    message = result.message;
    const improved = best - result.f;
    x = result.solution;
    best = result.f;
    converged = restart > 0 && improved * scale < 1e-6 && !/maximum number of iterations|Infinity or NaN/i.test(message);
  }
  const atBoundary = x.some((v) => v <= LOWER || v >= UPPER);
  return { params: toParams(x.map(Math.exp)), logLikelihood: -best * scale, converged, atBoundary, iterations, message };
}
