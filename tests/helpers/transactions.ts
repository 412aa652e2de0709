import { writeFileSync } from 'node:fs';
import { Random } from '../../pipelines/generate/random.js';

export interface Simulation {
  customers: number;
  /** BG/NBD: purchase rate ~ Gamma(r, alpha) per week, dropout after each purchase with p ~ Beta(a, b). */
  r: number;
  alpha: number;
  a: number;
  b: number;
  /** How a date is written. */
  write: (date: Date) => string;
}

/** A transaction log drawn from BG/NBD with known parameters, over 2023-01-01 … 2024-12-31. */
export function transactionLog(file: string, sim: Simulation, seed = 1): void {
  const random = new Random(seed);
  const start = Date.UTC(2023, 0, 1);
  const end = Date.UTC(2024, 11, 31);
  const week = 7 * 86_400_000;
  const lines = ['customer_id,trans_date,tran_amount'];
  for (let c = 0; c < sim.customers; c++) {
    const rate = random.gamma(sim.r, sim.alpha);
    const p = random.beta(sim.a, sim.b);
    let t = start + random.next() * (end - start) * 0.5;
    const spend = 20 + random.next() * 80;
    for (;;) {
      lines.push(`C${c},${sim.write(new Date(t))},${(spend * (0.5 + random.next())).toFixed(2)}`);
      if (random.chance(p)) break;
      t += random.exponential(rate) * week;
      if (t > end) break;
    }
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** ISO dates: 2024-02-11. */
export const isoDate = (d: Date): string => d.toISOString().slice(0, 10);
