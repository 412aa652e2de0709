import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Extractors pull a table's rows from the system itself (a CRM's REST API, an ERP's database)
 * into the landing folder, as files the loader then loads like any extract: quarantine, line
 * numbers and checksums work the same. A table declares one with `extract:` in its source file;
 * see `rest.ts` and `database.ts`.
 *
 * Incremental pulls start from the state the last committed load left (`meta.extract_state`),
 * and the new state is written in the same transaction as the rows it covers. A run that fails or
 * is killed commits neither, so the next run pulls again from the same place; the pages a dead
 * run landed are loaded too, and the primary key keeps each record once.
 */

/** Where a table's incremental pull stands. */
export interface ExtractState {
  /** The cursor value the next pull starts from (inclusive), as text; null: pull everything. */
  cursor: string | null;
  /** The id of the last record at that cursor value. */
  lastId: string | null;
}

export interface ExtractContext {
  /** The folder the table's pages land in (created when missing). */
  folder: string;
  runId: string;
  /** The state the last committed pull left. */
  state: ExtractState;
  log: (line: string) => void;
}

export interface ExtractResult {
  /** Page files written. */
  pages: number;
  records: number;
  /** The state to commit with the loaded rows. */
  state: ExtractState;
}

export interface Extractor {
  /** `rest`, `postgres`, `mysql`, or the name of a custom extractor. */
  kind: string;
  /** The format of the page files it writes. */
  format: 'ndjson' | 'csv';
  pull(context: ExtractContext): Promise<ExtractResult>;
}

/** The glob the loader reads an extractor's pages with, inside the source's folder. */
export function pagesGlob(table: string, extractor: Extractor): string {
  return `${table}/*.${extractor.format}`;
}

/**
 * Writes page files so that the loader never sees half of one: each is written under a hidden
 * name (the loader skips dot files) and renamed into place once complete. Names sort in the
 * order pages were pulled: `<run>-p000001.ndjson`.
 */
export class PageWriter {
  private pages = 0;
  /** Page numbers already taken in this folder by this run (a retried attempt continues after them). */
  private taken: number | undefined;

  constructor(
    private readonly folder: string,
    private readonly runId: string,
    private readonly extension: string,
  ) {}

  get written(): number {
    return this.pages;
  }

  async write(content: string | Buffer): Promise<string> {
    return this.place((path) => writeFile(path, content));
  }

  async stream(content: Readable): Promise<string> {
    return this.place((path) => pipeline(content, createWriteStream(path)));
  }

  private async place(write: (path: string) => Promise<void>): Promise<string> {
    await mkdir(this.folder, { recursive: true });
    this.taken ??= (await readdir(this.folder)).filter((f) => f.startsWith(`${this.runId}-p`)).length;
    const name = `${this.runId}-p${String(this.taken + this.pages + 1).padStart(6, '0')}.${this.extension}`;
    const hidden = join(this.folder, `.${name}.partial`);
    try {
      await write(hidden);
      await rename(hidden, join(this.folder, name));
    } catch (error) {
      await rm(hidden, { force: true });
      throw error;
    }
    this.pages += 1;
    return name;
  }
}
