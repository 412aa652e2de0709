import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../pipelines/config.js';
import { applySettings, createMacros } from '../../pipelines/warehouse/macros.js';
import { withWarehouse } from '../../pipelines/warehouse/connection.js';

describe('the shared SQL macros', () => {
  it('mask every e-mail and mobile value, malformed ones included', async () => {
    const rows = await withWarehouse(':memory:', async (w) => {
      await createMacros(w);
      return w.readAll(`
        select value, mask_email(value) as email, mask_mobile(value) as mobile
        from (values ('zhang.wei@163.com'), ('no-at-sign.example.com'), ('@leading'), ('13800138000'), ('12345')) as t(value)`);
    });
    expect(rows).toEqual([
      { value: 'zhang.wei@163.com', email: 'z***@163.com', mobile: '****' },
      { value: 'no-at-sign.example.com', email: 'n***', mobile: '****' },
      { value: '@leading', email: '@***', mobile: '****' },
      { value: '13800138000', email: '1***', mobile: '138****8000' },
      { value: '12345', email: '1***', mobile: '****' },
    ]);
  });

  it('label money in the configured currency and locale', async () => {
    const labels = await withWarehouse(':memory:', async (w) => {
      await createMacros(w);
      const out: unknown[] = [];
      for (const settings of [DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, currency: { code: 'USD', symbol: '$' }, locale: 'en' as const }]) {
        await applySettings(w, settings);
        out.push(await w.readAll('select money_label(3280) as a, money_label(125000) as b, money_label(123456789) as c'));
      }
      return out;
    });
    expect(labels).toEqual([[{ a: '¥3,280', b: '¥12.5万', c: '¥1.23亿' }], [{ a: '$3,280', b: '$125.0K', c: '$123.46M' }]]);
  });
});
