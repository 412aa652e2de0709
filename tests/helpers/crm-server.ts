import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 that serves a CRM's contacts in the three paging styles CRMs
 * use, and injects the faults real APIs have: 429 with Retry-After, 500, a page that stalls, a
 * connection cut mid-page, and changes to the data between two pages.
 *
 * - `/offset?offset&limit&since` (纷享销客 style): `{ data: { dataList, total } }`, sorted by
 *   last_modified_time then id, records modified at or after `since` (epoch ms).
 * - `/keyset?after&limit&since` (简道云 style): `{ data }`, ids above `after`, 1–100 a call, at
 *   most `requestsPerSecond` calls a second (more get 429).
 * - `/pages?page_token` with `If-Modified-Since` (Zoho style): `{ data, info: { next_page_token } }`.
 */
export interface Contact {
  id: string;
  name: string;
  email: string;
  last_modified_time: number;
  is_deleted: boolean;
}

export type Fault = '429' | '500' | 'stall' | 'cut';

export class CrmServer {
  readonly contacts = new Map<string, Contact>();
  /** Faults to inject, by the number of the request (1-based) they hit. */
  readonly faults = new Map<number, Fault>();
  /** Called after a page is served (1-based request number), before the next request is read. */
  afterRequest: (request: number) => void = () => {};
  requests = 0;
  /** Requests refused for going over the keyset endpoint's rate. */
  rateLimited = 0;
  private server: Server | undefined;
  private clock = Date.UTC(2026, 0, 1);
  private recent: number[] = [];

  constructor(readonly options: { requestsPerSecond?: number; stallMs?: number } = {}) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** A modification time after every one so far and not before now: how a real server stamps changes. */
  now(): number {
    this.clock = Math.max(this.clock + 1, Date.now());
    return this.clock;
  }

  insert(count: number, options: { at?: number; prefix?: string } = {}): Contact[] {
    const at = options.at ?? this.now();
    const start = this.contacts.size;
    const made: Contact[] = [];
    for (let i = 0; i < count; i += 1) {
      const id = `${options.prefix ?? 'K'}${String(start + i + 1).padStart(6, '0')}`;
      const contact = { id, name: `客户 ${start + i + 1}`, email: `c${start + i + 1}@example.cn`, last_modified_time: at, is_deleted: false };
      this.contacts.set(id, contact);
      made.push(contact);
    }
    return made;
  }

  update(id: string, change: Partial<Omit<Contact, 'id' | 'last_modified_time'>>): void {
    const contact = this.contacts.get(id);
    if (!contact) throw new Error(`no contact ${id}`);
    this.contacts.set(id, { ...contact, ...change, last_modified_time: this.now() });
  }

  /** Every contact, as the warehouse should hold them. */
  rows(): Contact[] {
    return [...this.contacts.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const number = ++this.requests;
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.headers.authorization !== 'Bearer test-token') return this.send(response, 401, { error: 'unauthorised' });
    const fault = this.faults.get(number);
    if (fault === '429') return this.send(response, 429, { error: 'slow down' }, { 'retry-after': '1' });
    if (fault === '500') return this.send(response, 500, { error: 'internal error' });
    const body = this.page(url, request);
    if (!body) return;
    if (body.status !== 200) return this.send(response, body.status, body.json, body.headers);
    const text = JSON.stringify(body.json);
    if (fault === 'cut') {
      // Half the page, then the connection drops.
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      response.write(text.slice(0, Math.floor(text.length / 2)));
      setTimeout(() => response.socket?.destroy(), 20);
      return;
    }
    const finish = () => {
      this.send(response, 200, body.json);
      this.afterRequest(number);
    };
    if (fault === 'stall') setTimeout(finish, this.options.stallMs ?? 3000);
    else finish();
  }

  private page(url: URL, request: IncomingMessage): { status: number; json: unknown; headers?: Record<string, string> } | undefined {
    const since = Number(url.searchParams.get('since') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 200);
    const byTime = (a: Contact, b: Contact) => a.last_modified_time - b.last_modified_time || a.id.localeCompare(b.id);
    switch (url.pathname) {
      case '/offset': {
        const offset = Number(url.searchParams.get('offset') ?? 0);
        const matching = [...this.contacts.values()].filter((c) => c.last_modified_time >= since).sort(byTime);
        return { status: 200, json: { data: { dataList: matching.slice(offset, offset + limit), total: matching.length } } };
      }
      case '/keyset': {
        if (limit < 1 || limit > 100) return { status: 400, json: { error: 'limit must be 1 to 100' } };
        if (this.overRate()) {
          this.rateLimited += 1;
          return { status: 429, json: { error: 'rate limit' }, headers: { 'retry-after': '1' } };
        }
        const after = url.searchParams.get('after') ?? '';
        const matching = [...this.contacts.values()].filter((c) => c.last_modified_time >= since && c.id > after).sort((a, b) => a.id.localeCompare(b.id));
        return { status: 200, json: { data: matching.slice(0, limit) } };
      }
      case '/pages': {
        const modifiedSince = request.headers['if-modified-since'] ? Date.parse(request.headers['if-modified-since']) : 0;
        const offset = Number(Buffer.from(url.searchParams.get('page_token') ?? '', 'base64url').toString() || 0);
        const matching = [...this.contacts.values()].filter((c) => c.last_modified_time >= modifiedSince).sort(byTime);
        const next = offset + 100 < matching.length ? Buffer.from(String(offset + 100)).toString('base64url') : null;
        return { status: 200, json: { data: matching.slice(offset, offset + 100), info: { more_records: next !== null, next_page_token: next } } };
      }
      default:
        return { status: 404, json: { error: 'no such endpoint' } };
    }
  }

  private overRate(): boolean {
    const limit = this.options.requestsPerSecond;
    if (!limit) return false;
    const now = Date.now();
    this.recent = this.recent.filter((t) => now - t < 1000);
    this.recent.push(now);
    return this.recent.length > limit;
  }

  private send(response: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(json));
  }
}
