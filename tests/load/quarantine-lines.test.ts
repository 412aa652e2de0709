import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject } from '../../pipelines/config.js';
import { query, ROOT, run, tempDir } from '../helpers/warehouse.js';

describe('quarantine lines on the bundled sample', () => {
  it('reads back, from its file, every quarantined row at the line it names', async () => {
    const paths = loadProject({ warehouse: join(tempDir(), 'warehouse.duckdb') });
    const result = await run(paths, { selection: 'kind:load' });
    expect(result.status).toBe('success');
    const rows = await query<{ file: string; line: number; record: string }>(paths, 'select file, line, record::varchar as record from meta.quarantine');
    expect(rows.length).toBeGreaterThan(100);
    const files = new Map<string, string[]>();
    for (const { file, line, record } of rows) {
      if (!files.has(file)) files.set(file, readFileSync(join(ROOT, file), 'utf8').split('\n').map((l) => l.replace(/\r$/, '')));
      const text = files.get(file)![line - 1] ?? '';
      const fields = JSON.parse(record) as Record<string, unknown>;
      // A malformed line is kept whole; any other row by its fields, each of which stands on its line.
      const expected = 'csv_line' in fields ? [String(fields['csv_line'])] : Object.values(fields).filter((v) => v !== null && v !== '').map(String);
      for (const value of expected) expect(text, `${file}:${line}`).toContain(file.endsWith('.ndjson') ? JSON.stringify(value).slice(1, -1) : value);
    }
  });
});
