import { withWarehouse } from '../pipelines/warehouse/connection.js';
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, loadProject } from '../pipelines/config.js';
import { ROOT, tempDir } from './helpers/warehouse.js';

describe('the project configuration (clm.config.yml)', () => {
  it('ships a file whose values are the defaults, which reproduce the bundled sample', () => {
    const project = loadProject({ env: {} });
    expect(project.settings).toEqual(DEFAULT_SETTINGS);
    expect(project.warehouse).toBe(join(ROOT, 'data', 'warehouse.duckdb'));
    expect(project.sources).toBe(join(ROOT, 'pipelines', 'sources'));
  });

  it('reads snake_case keys, lets environment variables override them, and resolves paths against the root', () => {
    const file = join(tempDir(), 'clm.config.yml');
    writeFileSync(file, 'currency:\n  code: GBP\n  symbol: £\nlocale: en\nclv:\n  margin_rate: 0.3\nlifecycle:\n  active_days: 45\nlanding: exports\n');
    const project = loadProject({ configFile: file, env: { CLM_CURRENCY: 'USD', CLM_CURRENCY_SYMBOL: '$', CLM_FRESHNESS_SLA_HOURS: '12' } });
    expect(project.settings.currency).toEqual({ code: 'USD', symbol: '$' });
    expect(project.settings).toMatchObject({ locale: 'en', freshnessSlaHours: 12, clv: { horizonMonths: 12, annualDiscountRate: 0.1, marginRate: 0.3 } });
    expect(project.settings.lifecycle.activeDays).toBe(45);
    expect(project.landing).toBe(join(ROOT, 'exports'));
  });

  it('names the file and the key of an unknown setting or a bad value', () => {
    const file = join(tempDir(), 'clm.config.yml');
    writeFileSync(file, 'currency:\n  cod: USD\n');
    expect(() => loadProject({ configFile: file, env: {} })).toThrow(`${file}: unknown setting 'currency.cod'`);
    writeFileSync(file, 'locale: fr\n');
    expect(() => loadProject({ configFile: file, env: {} })).toThrow(`${file}: locale must be zh-CN or en, not 'fr'`);
    writeFileSync(file, 'clv:\n  margin_rate: 30\n');
    expect(() => loadProject({ configFile: file, env: {} })).toThrow(`${file}: clv.margin_rate must be null or from 0 to 1, not '30'`);
    writeFileSync(file, 'duckdb:\n  memory_limit: lots\n');
    expect(() => loadProject({ configFile: file, env: {} })).toThrow(`${file}: duckdb.memory_limit must be an amount like 3GB, 512MiB or 80%, not 'lots'`);
  });

  it('caps DuckDB by the file or CLM_MEMORY_LIMIT, spilling beside the warehouse unless told where', async () => {
    const file = join(tempDir(), 'clm.config.yml');
    writeFileSync(file, 'duckdb:\n  memory_limit: 1GB\n');
    const project = loadProject({ configFile: file, env: { CLM_MEMORY_LIMIT: '700MiB', CLM_WAREHOUSE: '/tmp/x/w.duckdb' } });
    expect(project.settings.duckdb.memoryLimit).toBe('700MiB');
    expect(project.spill).toBe('/tmp/x/w.duckdb.tmp');
    // DuckDB takes the cap as given.
    const limit = await withWarehouse(':memory:', (w) => w.readScalar<string>("select current_setting('memory_limit')"), { memoryLimit: project.settings.duckdb.memoryLimit });
    expect(limit).toMatch(/^(700\.0 MiB|734\.0 MB|7\d\d\.\d MiB)$/);
  });
});
