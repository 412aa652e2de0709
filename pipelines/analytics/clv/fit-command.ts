import { withWarehouse } from '../../warehouse/connection.js';
import { fitBgNbd } from './bg-nbd.js';
import { fitGammaGamma } from './gamma-gamma.js';
import { backtest, type Backtest } from './backtest.js';
import { calibrationData, holdoutPurchases, type Period, type TransactionSource } from './transactions.js';

export interface ClvFitOptions extends TransactionSource {
  calibrationEnd: string;
  period: Period;
  /** With it, predicted against actual repeat purchases in (calibration end, holdout end]. */
  holdoutEnd?: string;
}

export interface ClvFitReport {
  customers: number;
  rowsSkipped: number;
  calibrationEnd: string;
  period: Period;
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; converged: boolean; atBoundary: boolean; iterations: number };
  gammaGamma: { p: number; q: number; v: number; logLikelihood: number; converged: boolean; atBoundary: boolean; iterations: number; customers: number };
  backtest?: Backtest;
  seconds: number;
}

/** `clm clv fit`: fits BG/NBD and Gamma-Gamma to any transaction file, in memory. */
export async function clvFit(options: ClvFitOptions): Promise<ClvFitReport> {
  const started = performance.now();
  return withWarehouse(':memory:', async (warehouse) => {
    const data = await calibrationData(warehouse, options, options.calibrationEnd, options.period);
    const bgnbd = fitBgNbd(data.frequencies);
    const gg = fitGammaGamma(data.spends);
    let report: Backtest | undefined;
    if (options.holdoutEnd) {
      const actual = await holdoutPurchases(warehouse, options.calibrationEnd, options.holdoutEnd);
      const customers = await warehouse.readAll<{ customer_id: string; x: number; tx: number; T: number }>('select customer_id, x, tx, t_cal as "T" from _calibration');
      const days = await warehouse.readScalar<number>(`select datediff('day', $1::date, $2::date)`, [options.calibrationEnd, options.holdoutEnd]);
      report = backtest(bgnbd.params, customers.map((c) => ({ ...c, actual: actual.get(c.customer_id) ?? 0 })), days / (options.period === 'week' ? 7 : 1));
    }
    return {
      customers: data.customers,
      rowsSkipped: data.rowsSkipped,
      calibrationEnd: options.calibrationEnd,
      period: options.period,
      bgnbd: { ...bgnbd.params, logLikelihood: bgnbd.logLikelihood, converged: bgnbd.converged, atBoundary: bgnbd.atBoundary, iterations: bgnbd.iterations },
      gammaGamma: {
        ...gg.params,
        logLikelihood: gg.logLikelihood,
        converged: gg.converged,
        atBoundary: gg.atBoundary,
        iterations: gg.iterations,
        customers: data.spends.reduce((n, s) => n + s.weight, 0),
      },
      backtest: report,
      seconds: (performance.now() - started) / 1000,
    };
  });
}
