import { describe, expect, it } from 'vitest';
import { withWarehouse } from '../../pipelines/warehouse/connection.js';

describe('the warehouse connection', () => {
  it('reads double columns across many chunks exactly as the row reader does, and refuses nulls and other types', async () => {
    await withWarehouse(':memory:', async (w) => {
      // 10,007 rows: several of DuckDB's 2,048-row chunks, the last one partly full.
      const sql = 'select i::double as i, (i / 7)::double as seventh, -ln(i + 1) as log from range(10007) as t(i) order by i';
      const doubles = await w.readDoubles<'i' | 'seventh' | 'log'>(sql);
      const columns = await w.readColumns<{ i: number[]; seventh: number[]; log: number[] }>(sql);
      expect(doubles.i).toBeInstanceOf(Float64Array);
      expect(Array.from(doubles.i)).toEqual(columns.i);
      expect(Array.from(doubles.seventh)).toEqual(columns.seventh);
      expect(Array.from(doubles.log)).toEqual(columns.log);
      expect(await w.readDoubles('select 1.0::double as x where false')).toEqual({ x: new Float64Array(0) });
      await expect(w.readDoubles('select case when i = 5000 then null else i::double end as x from range(10007) as t(i)')).rejects.toThrow('column x has a null');
      await expect(w.readDoubles('select 1::integer as n')).rejects.toThrow('column n is INTEGER, not DOUBLE');
    });
  });
});
