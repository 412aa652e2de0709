import { setTimeout as sleep } from 'node:timers/promises';
import { ExtractError, errorMessage } from '../errors.js';

/**
 * JSON over HTTP for extractors, with what real APIs need: a request rate no higher than the API
 * allows, a timeout per request, and retries with exponential backoff on 429, 5xx, timeouts and
 * cut connections, waiting as long as `Retry-After` says when it says.
 */
export interface HttpOptions {
  /** At most this many requests a second (简道云 allows about 30). */
  requestsPerSecond?: number;
  /** Give up on one request after this long, then retry it (default 30 s). */
  timeoutMs?: number;
  /** Retries of one request before the pull fails (default 5). */
  maxRetries?: number;
  /** The first backoff; doubled on each retry (default 500 ms). */
  backoffMs?: number;
  /** Headers sent with every request (auth). */
  headers?: Record<string, string>;
}

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  json: unknown;
}

const RETRIED_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

export class HttpClient {
  private nextSlot = 0;
  /** Requests made, retries included. */
  requests = 0;
  retries = 0;

  constructor(
    private readonly options: HttpOptions = {},
    private readonly log: (line: string) => void = () => {},
  ) {}

  async request(request: HttpRequest): Promise<HttpResponse> {
    const maxRetries = this.options.maxRetries ?? 5;
    for (let attempt = 0; ; attempt += 1) {
      await this.waitForSlot();
      const outcome = await this.attempt(request);
      if ('response' in outcome) return outcome.response;
      if (attempt >= maxRetries || !outcome.retry) {
        throw new ExtractError(`${request.method ?? 'GET'} ${redact(request.url)}: ${outcome.problem}${attempt > 0 ? ` (after ${attempt} retries)` : ''}`);
      }
      const wait = outcome.retryAfterMs ?? (this.options.backoffMs ?? 500) * 2 ** attempt;
      this.retries += 1;
      this.log(`    ${outcome.problem}; retrying in ${(wait / 1000).toFixed(1)} s`);
      await sleep(wait);
    }
  }

  private async attempt(request: HttpRequest): Promise<{ response: HttpResponse } | { problem: string; retry: boolean; retryAfterMs?: number }> {
    this.requests += 1;
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    try {
      const response = await fetch(request.url, {
        method: request.method ?? 'GET',
        headers: { accept: 'application/json', ...this.options.headers, ...request.headers, ...(request.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        // The timeout covers the body too: a page that stalls halfway is retried.
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      if (!response.ok) {
        return {
          problem: `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
          retry: RETRIED_STATUSES.has(response.status),
          retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
        };
      }
      try {
        return { response: { status: response.status, headers: response.headers, json: JSON.parse(text) as unknown } };
      } catch {
        // A body cut short by the server is not JSON; the same page asked again usually is.
        return { problem: `the response is not JSON (${text.length} characters: ${JSON.stringify(text.slice(0, 60))}…)`, retry: true };
      }
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      return { problem: timedOut ? `no complete response within ${timeoutMs} ms` : `connection failed: ${errorMessage(error)}${causeOf(error)}`, retry: true };
    }
  }

  /** Spaces requests evenly at the allowed rate. */
  private async waitForSlot(): Promise<void> {
    const perSecond = this.options.requestsPerSecond;
    if (!perSecond) return;
    const now = Date.now();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + 1000 / perSecond;
    if (at > now) await sleep(at - now);
  }
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds (capped at 10 minutes). */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 600_000) : undefined;
}

/** The value at a dotted path (`data.dataList`) of a parsed response. */
export function at(json: unknown, path: string): unknown {
  let value = json;
  for (const part of path.split('.').filter(Boolean)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A URL without its query string's secrets (api keys travel there in some APIs). */
function redact(url: string): string {
  return url.replace(/([?&](?:key|api_key|apikey|token|access_token)=)[^&]*/gi, '$1…');
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause ? ` (${errorMessage(cause)})` : '';
}
