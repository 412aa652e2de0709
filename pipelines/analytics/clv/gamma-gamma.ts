import { gammaln } from './special.js';
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

/** The summed log-likelihood of the customers' average spends (Fader & Hardie 2013, eq. 3). */
export function gammaGammaLogLikelihood({ p, q, v }: GammaGammaParams, data: readonly Spend[]): number {
  const base = -gammaln(q) + q * Math.log(v);
  let total = 0;
  for (const { x, meanSpend, weight } of data) {
    const px = p * x;
    total +=
      weight *
      (base + gammaln(px + q) - gammaln(px) + (px - 1) * Math.log(meanSpend) + px * Math.log(x) - (px + q) * Math.log(v + x * meanSpend));
  }
  return total;
}

/** The log-likelihood as a function of the parameters, for this data. */
export function gammaLogLikelihoodOf(data: readonly Spend[]): (params: GammaGammaParams) => number {
  return (params) => gammaGammaLogLikelihood(params, data);
}

/**
 * Fits Gamma-Gamma by maximum likelihood, from a start whose population mean spend p·γ/(q − 1)
 * equals the data's, and from a neutral one when that fails.
 */
export function fitGammaGamma(data: readonly Spend[]): FitResult<GammaGammaParams> {
  const n = data.reduce((s, d) => s + d.weight, 0);
  const mean = n > 0 ? data.reduce((s, d) => s + d.weight * d.meanSpend, 0) / n : 1;
  return maximiseLogLikelihood(
    ([p, q, v]) => gammaGammaLogLikelihood({ p: p!, q: q!, v: v! }, data),
    [
      [2, 3, Math.max(mean, 1e-3)],
      [1, 1, 1],
    ],
    ([p, q, v]) => ({ p: p!, q: q!, v: v! }),
    { scale: Math.max(1, n) },
  );
}

/** E[spend per purchase | x, mean spend]: the posterior mean, shrunk towards the population mean. */
export function expectedSpend({ p, q, v }: GammaGammaParams, x: number, meanSpend: number): number {
  if (x === 0) return (p * v) / (q - 1);
  return (p * (v + x * meanSpend)) / (p * x + q - 1);
}
