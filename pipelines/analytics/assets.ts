import type { Asset } from '../orchestration/asset.js';
import { CLV_CODE_VERSION, CLV_READS, materialiseCustomerClv } from './clv/clv-asset.js';

/** Numerical steps SQL cannot express well; each writes tables in the `analytics` schema. */
export function analyticsAssets(): Asset[] {
  return [
    {
      key: 'analytics.customer_clv',
      kind: 'analytics',
      group: 'analytics',
      description: 'Predictive CLV: BG/NBD and Gamma-Gamma fitted on the orders, every buyer scored (also analytics.clv_fit, analytics.clv_backtest)',
      upstream: CLV_READS,
      tags: ['clv'],
      // Rebuilt when marts.orders or the clv settings change, or when this version does: change it with the computation.
      codeVersion: async () => CLV_CODE_VERSION,
      materialise: (context) => materialiseCustomerClv(context.warehouse, context.settings.clv),
    },
  ];
}
