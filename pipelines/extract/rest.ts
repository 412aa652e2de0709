import { environmentVariable } from '../config.js';
import { ExtractError } from '../errors.js';
import type { ExtractContext, ExtractResult, Extractor, ExtractState } from './extractor.js';
import { PageWriter } from './extractor.js';
import { at, HttpClient, type HttpOptions, type HttpResponse } from './http.js';

/**
 * A REST API as a source table: `extract: rest({...})`. Records come from one list endpoint,
 * page by page, in one of the paging styles CRMs use (or a small function for an odd one), each
 * page landed as an NDJSON file and loaded like any extract.
 *
 * Incremental by a cursor field holding each record's modification time (epoch milliseconds or
 * ISO 8601). A pull is a pass over everything modified since the committed cursor, then passes
 * from the moment the previous pass began (by the server's `Date` header) until one brings
 * nothing new: a record changed while the pages were read is caught in the same run. The state
 * committed with the rows is that moment, so whatever changes later is pulled next time.
 */

/** What one request adds to the endpoint: query parameters, a JSON body, headers. */
export interface RequestParts {
  query?: Record<string, string | number | boolean | null | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * offset/limit over a modification-time filter (纷享销客 style: `last_modified_time`,
 * `is_deleted`). The API must sort by the cursor, then the id. Each page after the first starts
 * one record early; when that record is not the one last seen, the list shifted under the pull
 * (a record was updated or removed between two pages) and the pass starts over.
 */
export interface OffsetPaging {
  style: 'offset';
  limit: number;
  /** Default: `?offset=…&limit=…&since=…`. */
  request?: (page: { offset: number; limit: number; since: string | null }) => RequestParts;
}

/** Keyset on an ascending id (简道云 `data_id` style): `id > last id`, 1–100 rows a call. */
export interface KeysetPaging {
  style: 'keyset';
  limit: number;
  /** Default: `?after=…&limit=…&since=…`. */
  request?: (page: { afterId: string | null; limit: number; since: string | null }) => RequestParts;
}

/** Page tokens (or numbers) with `If-Modified-Since` (Zoho CRM style). */
export interface PageTokenPaging {
  style: 'page_token';
  /** The next page's token in a response; null or absent on the last page. Default: `info.next_page_token`. */
  nextToken?: (response: unknown) => string | null | undefined;
  /** Default: `?page_token=…` with `If-Modified-Since: <since as an HTTP date>`. */
  request?: (page: { token: string | null; page: number; since: string | null }) => RequestParts;
}

/** Anything else: given the previous page (none for the first), the next request, or null to stop. */
export interface CustomPaging {
  style: 'custom';
  next: (previous: { response: unknown; records: readonly Record<string, unknown>[]; page: number } | null, since: string | null) => RequestParts | null;
}

export type Paging = OffsetPaging | KeysetPaging | PageTokenPaging | CustomPaging;

export interface RestOptions extends Omit<HttpOptions, 'headers'> {
  /** The list endpoint. `${NAME}` is read from the environment variable NAME (a self-hosted CRM's address). */
  url: string;
  method?: 'GET' | 'POST';
  /** A token or key from an environment variable, never written here: in a header (default `Authorization: Bearer …`) or a query parameter. */
  auth?: { env: string; header?: string; prefix?: string } | { env: string; query: string };
  /** The dotted path to the records in a response: `'data'`, `'data.dataList'`. */
  records: string;
  /** The field that identifies a record. */
  id: string;
  /** The field holding the record's modification time. */
  cursor: string;
  paging: Paging;
}

/** At most this many passes in one pull; changes after the last are pulled by the next run. */
const MAX_PASSES = 5;

export function rest(options: RestOptions): Extractor {
  if (options.paging.style === 'offset' && options.paging.limit < 2) throw new Error('rest(): offset paging needs a limit of 2 or more (pages overlap by one record)');
  return {
    kind: 'rest',
    format: 'ndjson',
    pull: (context) => new RestPull(options, context).run(),
  };
}

type Record_ = Record<string, unknown>;

class RestPull {
  private readonly http: HttpClient;
  private readonly pages: PageWriter;
  private readonly url: URL;
  /** Each record's cursor as last written in this pull: a record comes again only when it changed. */
  private readonly seen = new Map<string, string>();
  private records = 0;
  private cursorIsNumber = false;
  private maxCursor: { value: string; id: string } | undefined;

  constructor(
    private readonly options: RestOptions,
    private readonly context: ExtractContext,
  ) {
    const auth = options.auth;
    const secret = auth ? environmentVariable(auth.env, `The REST extractor for ${options.url}`) : undefined;
    // Default: `Authorization: Bearer <secret>`; a named header gets the secret as it is unless a prefix is given.
    const headers = auth && !('query' in auth) ? { [auth.header ?? 'authorization']: `${auth.prefix ?? (auth.header ? '' : 'Bearer ')}${secret}` } : {};
    this.http = new HttpClient({ ...options, headers }, context.log);
    this.url = new URL(options.url.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => environmentVariable(name, `The REST extractor's url (${options.url})`)));
    if (auth && 'query' in auth && secret) this.url.searchParams.set(auth.query, secret);
    this.pages = new PageWriter(context.folder, context.runId, 'ndjson');
  }

  async run(): Promise<ExtractResult> {
    let since = this.context.state.cursor;
    let watermark: string | null = null;
    for (let pass = 1; pass <= MAX_PASSES; pass += 1) {
      const before = this.records;
      const started = await this.pass(since);
      watermark = started === null ? null : this.toCursor(started);
      // The first pass always gets a second look from the moment it began; later ones only when they found changes.
      if ((pass > 1 && this.records === before) || watermark === null) break;
      since = watermark;
    }
    const state: ExtractState =
      watermark !== null ? { cursor: watermark, lastId: null } : this.maxCursor ? { cursor: this.maxCursor.value, lastId: this.maxCursor.id } : this.context.state;
    this.context.log(`    ${this.records} records in ${this.pages.written} pages, ${this.http.requests} requests (${this.http.retries} retried); next pull from ${state.cursor ?? 'the start'}`);
    return { pages: this.pages.written, records: this.records, state };
  }

  /** One pass over the records modified since `since`; returns the moment it began (null if the server does not say). */
  private async pass(since: string | null): Promise<number | null> {
    const paging = this.options.paging;
    switch (paging.style) {
      case 'offset':
        return this.offsetPass(paging, since);
      case 'keyset': {
        let afterId: string | null = null;
        let started: number | null | undefined;
        for (;;) {
          const { response, records } = await this.fetchPage(paging.request?.({ afterId, limit: paging.limit, since }) ?? { query: { after: afterId, limit: paging.limit, since } });
          started ??= this.serverTime(response);
          await this.land(records);
          if (records.length < paging.limit) return started;
          afterId = this.idOf(records[records.length - 1]!);
        }
      }
      case 'page_token': {
        let token: string | null = null;
        let started: number | null | undefined;
        for (let page = 1; ; page += 1) {
          const parts =
            paging.request?.({ token, page, since }) ??
            { query: { page_token: token }, headers: since ? { 'if-modified-since': new Date(this.cursorToMs(since)).toUTCString() } : {} };
          const { response, records } = await this.fetchPage(parts);
          started ??= this.serverTime(response);
          await this.land(records);
          token = (paging.nextToken ?? ((json) => at(json, 'info.next_page_token') as string | null))(response.json) ?? null;
          if (!token) return started;
        }
      }
      case 'custom': {
        let previous: { response: unknown; records: readonly Record_[]; page: number } | null = null;
        let started: number | null | undefined;
        for (let page = 1; ; page += 1) {
          const parts = paging.next(previous, since);
          if (!parts) return started ?? null;
          const { response, records } = await this.fetchPage(parts);
          started ??= this.serverTime(response);
          await this.land(records);
          previous = { response: response.json, records, page };
        }
      }
    }
  }

  private async offsetPass(paging: OffsetPaging, since: string | null): Promise<number | null> {
    for (let attempt = 1; attempt <= MAX_PASSES; attempt += 1) {
      let offset = 0;
      let last: Record_ | undefined;
      let started: number | null | undefined;
      let shifted = false;
      for (;;) {
        // After the first page, ask from the last record seen: it must come first again.
        const from = last ? offset - 1 : 0;
        const { response, records } = await this.fetchPage(paging.request?.({ offset: from, limit: paging.limit, since }) ?? { query: { offset: from, limit: paging.limit, since } });
        started ??= this.serverTime(response);
        if (last) {
          const first = records[0];
          if (!first || this.idOf(first) !== this.idOf(last) || this.cursorOf(first) !== this.cursorOf(last)) {
            shifted = true;
            break;
          }
        }
        const fresh = last ? records.slice(1) : records;
        await this.land(fresh);
        offset = from + records.length;
        if (records.length < paging.limit) return started ?? null;
        last = records[records.length - 1];
      }
      if (shifted) this.context.log(`    the list shifted between two pages (a record changed); reading it again from the start (${attempt} of ${MAX_PASSES})`);
    }
    throw new ExtractError(`${this.options.url}: the list kept shifting under the pull (${MAX_PASSES} passes); nothing was committed, the next run starts from the same cursor`);
  }

  private async fetchPage(parts: RequestParts): Promise<{ response: HttpResponse; records: Record_[] }> {
    const url = new URL(this.url);
    for (const [key, value] of Object.entries(parts.query ?? {})) if (value !== null && value !== undefined) url.searchParams.set(key, String(value));
    const response = await this.http.request({ url: url.href, method: this.options.method, headers: parts.headers, body: parts.body });
    const records = at(response.json, this.options.records);
    if (!Array.isArray(records)) throw new ExtractError(`${url.href}: no list at '${this.options.records}' in the response`);
    return { response, records: records as Record_[] };
  }

  /** Writes the records not yet written in this pull (or changed since) as one page. */
  private async land(records: readonly Record_[]): Promise<void> {
    const fresh = records.filter((record) => {
      const key = this.idOf(record);
      const cursor = this.cursorOf(record);
      if (this.seen.get(key) === cursor) return false;
      this.seen.set(key, cursor);
      if (!this.maxCursor || this.compareCursors(cursor, this.maxCursor.value) >= 0) this.maxCursor = { value: cursor, id: key };
      return true;
    });
    if (fresh.length === 0) return;
    const name = await this.pages.write(`${fresh.map((r) => JSON.stringify(r)).join('\n')}\n`);
    this.records += fresh.length;
    this.context.log(`    ${name}: ${fresh.length} records (${this.records} so far)`);
  }

  private idOf(record: Record_): string {
    const id = record[this.options.id];
    if (id === undefined || id === null) throw new ExtractError(`${this.options.url}: a record has no '${this.options.id}': ${JSON.stringify(record).slice(0, 200)}`);
    return String(id);
  }

  private cursorOf(record: Record_): string {
    const value = record[this.options.cursor];
    if (typeof value === 'number') this.cursorIsNumber = true;
    return value === undefined || value === null ? '' : String(value);
  }

  private compareCursors(a: string, b: string): number {
    return this.cursorToMs(a) - this.cursorToMs(b);
  }

  private cursorToMs(value: string): number {
    const number = Number(value);
    return Number.isFinite(number) && /^\d+$/.test(value) ? number : Date.parse(value);
  }

  /** The server's clock when it answered, one second early (HTTP dates have whole seconds). */
  private serverTime(response: HttpResponse): number | null {
    const date = Date.parse(response.headers.get('date') ?? '');
    return Number.isFinite(date) ? date - 1000 : null;
  }

  /** A moment written the way the records write their cursor. */
  private toCursor(ms: number): string {
    return this.cursorIsNumber ? String(ms) : new Date(ms).toISOString();
  }
}
