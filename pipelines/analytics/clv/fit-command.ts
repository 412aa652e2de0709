import { ClmError, UsageError } from '../../errors.js';
import { withWarehouse } from '../../warehouse/connection.js';
import { fitBgNbd } from './bg-nbd.js';
import { fitGammaGamma } from './gamma-gamma.js';
import { backtest, type Backtest } from './backtest.js';
import { diagnoseBgNbd, diagnoseGammaGamma, type Degeneracy } from './diagnostics.js';
import { calibrationData, holdoutGroups, type Period, type TransactionSource } from './transactions.js';

/** Below these, there is too little to fit; the pipeline's CLV asset uses the same. */
export const MIN_CUSTOMERS = 50;
export const MIN_REPEAT_BUYERS = 30;
/** A larger share of unreadable rows fails the command: the fit would describe other data. */
export const MAX_SKIPPED_SHARE = 0.01;

export interface ClvFitOptions extends TransactionSource {
  calibrationEnd: string;
  period: Period;
  /** With it, predicted against actual repeat purchases in (calibration end, holdout end]. */
  holdoutEnd?: string;
}

export interface ClvFitReport {
  customers: number;
  repeatBuyers: number;
  rowsRead: number;
  rowsSkipped: number;
  skippedReasons: { reason: string; rows: number; examples: string[] }[];
  calibrationEnd: string;
  period: Period;
  merge: 'day' | 'period';
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; converged: boolean; iterations: number; standardErrors: Record<string, number> };
  gammaGamma: { p: number; q: number; v: number; logLikelihood: number; converged: boolean; iterations: number; customers: number; standardErrors: Record<string, number> };
  /** Why the numbers cannot be used, per model; empty when they can. */
  problems: Degeneracy[];
  backtest?: Backtest;
  seconds: number;
}

/**
 * `clm clv fit`: fits BG/NBD and Gamma-Gamma to any transaction file, in memory. Refuses input
 * that cannot give a meaningful fit (a calibration end before the first purchase, a holdout end
 * before it, too few buyers, more than 1% unreadable rows), and reports fits that ran to a
 * meaningless place as problems, in words.
 */
export async function clvFit(options: ClvFitOptions): Promise<ClvFitReport> {
  const started = performance.now();
  if (options.holdoutEnd && options.holdoutEnd <= options.calibrationEnd) {
    throw new UsageError(`--holdout-end ${options.holdoutEnd} must come after --calibration-end ${options.calibrationEnd}`);
  }
  return withWarehouse(':memory:', async (warehouse) => {
    const data = await calibrationData(warehouse, options, options.calibrationEnd, options.period);
    if (data.rowsRead > 0 && data.rowsSkipped / data.rowsRead > MAX_SKIPPED_SHARE) {
      const why = data.skippedReasons.map((r) => `${r.rows.toLocaleString('en-US')} ${r.reason} (e.g. ${r.examples.join(', ')})`).join('; ');
      throw new ClmError(`${data.rowsSkipped.toLocaleString('en-US')} of ${data.rowsRead.toLocaleString('en-US')} rows could not be read (more than ${100 * MAX_SKIPPED_SHARE}%): ${why}`);
    }
    if (data.customers === 0) {
      const first = await warehouse.readScalar<string | null>('select min(purchase_date)::varchar from _purchase_days');
      throw new UsageError(`--calibration-end ${options.calibrationEnd} is before the first purchase${first ? ` (${first})` : ''}: no customer to fit`);
    }
    const repeatBuyers = data.spends.customers;
    if (data.customers < MIN_CUSTOMERS || repeatBuyers < MIN_REPEAT_BUYERS) {
      throw new ClmError(`Too few buyers to fit by ${options.calibrationEnd}: ${data.customers} buyers and ${repeatBuyers} repeat buyers; at least ${MIN_CUSTOMERS} and ${MIN_REPEAT_BUYERS} are needed`);
    }
    const bgnbd = fitBgNbd(data.frequencies);
    const gg = fitGammaGamma(data.spends);
    const bgDiagnosis = diagnoseBgNbd(bgnbd, data.frequencies);
    const ggDiagnosis = diagnoseGammaGamma(gg, data.spends);
    let report: Backtest | undefined;
    if (options.holdoutEnd) {
      const customers = await holdoutGroups(warehouse, options.calibrationEnd, options.holdoutEnd, options.period, options.merge);
      const days = await warehouse.readScalar<number>(`select datediff('day', $1::date, $2::date)`, [options.calibrationEnd, options.holdoutEnd]);
      report = backtest(bgnbd.params, customers, days / (options.period === 'week' ? 7 : 1));
    }
    return {
      customers: data.customers,
      repeatBuyers,
      rowsRead: data.rowsRead,
      rowsSkipped: data.rowsSkipped,
      skippedReasons: data.skippedReasons,
      calibrationEnd: options.calibrationEnd,
      period: options.period,
      merge: options.merge ?? 'day',
      bgnbd: { ...bgnbd.params, logLikelihood: bgnbd.logLikelihood, converged: bgnbd.converged, iterations: bgnbd.iterations, standardErrors: bgDiagnosis.standardErrors },
      gammaGamma: {
        ...gg.params,
        logLikelihood: gg.logLikelihood,
        converged: gg.converged,
        iterations: gg.iterations,
        customers: repeatBuyers,
        standardErrors: ggDiagnosis.standardErrors,
      },
      problems: [...bgDiagnosis.problems, ...ggDiagnosis.problems],
      backtest: report,
      seconds: (performance.now() - started) / 1000,
    };
  });
}

/** A parameter as people read it: four significant digits, never `0.0000` for a small value. */
export function formatParameter(value: number): string {
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e5 ? value.toPrecision(4) : value.toExponential(2);
}
