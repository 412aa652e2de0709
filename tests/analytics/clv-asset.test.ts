import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { generateSample } from '../../pipelines/generate/generate.js';
import { TRUE_PARAMETERS } from '../../pipelines/generate/truth.js';
import { loadProject } from '../../pipelines/config.js';
import { query, run, tempDir } from '../helpers/warehouse.js';

describe('the analytics.customer_clv asset', () => {
  it('recovers the generator’s true BG/NBD parameters from the pipeline’s own orders, and scores every buyer', async () => {
    const dir = tempDir();
    await generateSample({ customers: 4000, seed: 31, out: join(dir, 'landing') });
    const paths = loadProject({ warehouse: join(dir, 'w.duckdb'), landing: join(dir, 'landing') });
    const result = await run(paths, { selection: '+analytics.customer_clv' });
    expect(result.status).toBe('success');

    const [fit] = await query(paths, `select param_1 as r, param_2 as alpha, param_3 as a, param_4 as b, converged, at_boundary from analytics.clv_fit where model = 'bg_nbd'`);
    expect(fit).toMatchObject({ converged: true, at_boundary: false });
    const truth = TRUE_PARAMETERS.bgnbd;
    // Weeks of real calendar with orders spread over three years: a loose bound, but far from a default.
    for (const [key, value] of Object.entries(truth)) expect(Math.abs(Number(fit![key]) - value) / value, key).toBeLessThan(0.35);

    const [scores] = await query(paths, `
      select count(*) as customers, min(p_alive) >= 0 and max(p_alive) <= 1 as p_alive_ok,
             bool_and(predicted_clv >= 0) as clv_ok, bool_and(repeat_purchases = 0 or expected_spend > 0) as spend_ok
      from analytics.customer_clv`);
    const [buyers] = await query(paths, 'select count(distinct customer_id) as n from marts.orders');
    expect(scores).toEqual({ customers: buyers!['n'], p_alive_ok: true, clv_ok: true, spend_ok: true });

    const [backtest] = await query(paths, 'select sum(actual_purchases) as actual, sum(predicted_purchases) as predicted from analytics.clv_backtest');
    expect(Math.abs(Number(backtest!['predicted']) - Number(backtest!['actual'])) / Number(backtest!['actual'])).toBeLessThan(0.15);
    // Customers who are likelier alive are expected to buy more.
    const [order] = await query(paths, `select corr(p_alive, expected_purchases) > 0.3 as ok from analytics.customer_clv where repeat_purchases > 0`);
    expect(order).toEqual({ ok: true });
  });
});
