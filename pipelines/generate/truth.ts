/**
 * The process the sample is drawn from. Purchases follow BG/NBD (Fader, Hardie & Lee 2005): while
 * alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α) per week and, after each
 * purchase, drops out with probability p ~ Beta(a, b). Spend per order follows Gamma-Gamma: an
 * order's value is Gamma(p, ν) with ν ~ Gamma(q, γ) per customer. Every customer's own draws go
 * to `truth/customers.csv`, so models can be checked against the truth.
 */
export const TRUE_PARAMETERS = {
  bgnbd: { r: 0.9, alpha: 8, a: 0.9, b: 5 },
  gammaGamma: { p: 6, q: 4, gamma: 175 },
} as const;

/** Lead sources with their share of contacts and their chance of ever buying. */
export const LEAD_SOURCES = [
  ['wechat', 30, 0.7],
  ['douyin', 20, 0.55],
  ['search', 18, 0.65],
  ['referral', 10, 0.85],
  ['store', 15, 0.9],
  ['email', 7, 0.6],
] as const;

/** The documented share of bad rows injected into the extracts. */
export const BAD_ROW_RATES = {
  orderBadDate: 0.003,
  lineNegativeQuantity: 0.002,
  lineExactDuplicate: 0.003,
  lineOrphan: 0.001,
  contactExactDuplicate: 0.005,
} as const;
