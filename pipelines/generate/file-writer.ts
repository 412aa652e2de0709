import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

type Cell = string | number | null | undefined;

/** Buffers rows and appends them to a CSV or NDJSON file in large writes. */
export class ExtractWriter {
  private buffer: string[] = [];
  private size = 0;
  rows = 0;

  constructor(
    readonly path: string,
    private readonly columns: readonly string[],
    private readonly format: 'csv' | 'ndjson',
  ) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, format === 'csv' ? `${columns.map(csvCell).join(',')}\n` : '');
  }

  write(values: readonly Cell[]): void {
    const line =
      this.format === 'csv'
        ? values.map(csvCell).join(',')
        : JSON.stringify(Object.fromEntries(this.columns.map((c, i) => [c, values[i] ?? null])));
    this.buffer.push(line);
    this.size += line.length;
    this.rows += 1;
    if (this.size > 1 << 22) this.flush();
  }

  /** Writes a line exactly as given (used to inject malformed lines). */
  writeRaw(line: string): void {
    this.buffer.push(line);
    this.rows += 1;
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    appendFileSync(this.path, `${this.buffer.join('\n')}\n`);
    this.buffer = [];
    this.size = 0;
  }
}

function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A set of writers keyed by file name, created on first use. */
export class WriterSet {
  private readonly writers = new Map<string, ExtractWriter>();

  constructor(private readonly root: string) {}

  get(relativePath: string, columns: readonly string[], format: 'csv' | 'ndjson' = 'csv'): ExtractWriter {
    let writer = this.writers.get(relativePath);
    if (!writer) {
      writer = new ExtractWriter(`${this.root}/${relativePath}`, columns, format);
      this.writers.set(relativePath, writer);
    }
    return writer;
  }

  closeAll(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [path, writer] of this.writers) {
      writer.flush();
      counts.set(path, writer.rows);
    }
    return counts;
  }
}
