import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadDefinitions } from '../pipelines/definitions.js';
import { loadProject } from '../pipelines/config.js';
import { topologicalOrder } from '../pipelines/orchestration/graph.js';

describe('definitions', () => {
  it('has no cycle, only known upstream keys, and one asset per model file and per source table', async () => {
    const paths = loadProject();
    const { assets, sources } = await loadDefinitions(paths);
    const keys = new Set(assets.map((a) => a.key));
    expect(keys.size).toBe(assets.length);
    for (const asset of assets) for (const up of asset.upstream) expect(keys, `${asset.key} ← ${up}`).toContain(up);
    expect(topologicalOrder(assets).map((a) => a.key)).toEqual(assets.map((a) => a.key));

    const modelFiles = readdirSync(paths.models, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.sql'))
      .map((f) => `${f.split('/')[0]}.${basename(f, '.sql')}`);
    expect(modelFiles.length).toBeGreaterThan(15);
    for (const key of modelFiles) expect(keys).toContain(key);
    for (const source of sources) for (const table of source.tables) expect(keys).toContain(`raw.${source.name}__${table.name}`);
  });

  it('orders every asset after its upstream assets', async () => {
    const { assets } = await loadDefinitions(loadProject());
    const position = new Map(assets.map((a, i) => [a.key, i]));
    for (const asset of assets) for (const up of asset.upstream) expect(position.get(up)!).toBeLessThan(position.get(asset.key)!);
  });

  it('reads dependencies from the SQL itself, ignoring CTE names', async () => {
    const { assets } = await loadDefinitions(loadProject());
    const customers = assets.find((a) => a.key === 'marts.customers');
    expect([...customers!.upstream].sort()).toEqual(['intermediate.int_customer_profiles', 'marts.orders']);
    const contacts = assets.find((a) => a.key === 'staging.stg_crm__contacts');
    expect(contacts!.upstream).toEqual(['raw.crm__contacts']);
  });
});
