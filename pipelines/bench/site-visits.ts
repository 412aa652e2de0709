import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serveSite } from '../publish/serve.js';

export interface PageVisit {
  path: string;
  /** Bytes on the wire (headers and compressed bodies) for a first visit with an empty cache. */
  firstBytes: number;
  /** Seconds from the start of navigation until every chart and table is drawn, first visit. */
  firstDrawnSeconds: number;
  /** Seconds until every chart is live in the browser (hover, click), first visit. */
  firstLiveSeconds: number;
  /** Bytes on the wire when the same browser opens the page again. */
  repeatBytes: number;
  repeatDrawnSeconds: number;
}

/**
 * True once the page has painted, nothing is loading, every chart shows its picture (the
 * prerendered SVG or the live canvas) and every table its cells: what the reader sees.
 * `performance.now()` then.
 */
const DRAWN = `(() => {
  const charts = [...document.querySelectorAll('.chart-container')];
  const tables = [...document.querySelectorAll('table')];
  if (charts.length + tables.length === 0 || document.body.innerText.includes('Loading')) return false;
  if (!performance.getEntriesByName('first-contentful-paint').length) return false;
  const shown = (e) => e.getBoundingClientRect().width > 0;
  const drawn = charts.every((c) => [...c.querySelectorAll('.chart canvas, .chart svg')].some(shown))
    && tables.every((t) => t.innerText.trim() !== '');
  return drawn && performance.now() / 1000;
})()`;

/** True once every chart is live (ECharts has drawn it in the browser): it answers hovers and clicks. */
const LIVE = `(() => {
  const charts = [...document.querySelectorAll('.chart-container')];
  const live = [...document.querySelectorAll('[_echarts_instance_]')];
  if (document.body.innerText.includes('Loading') || live.length < charts.length) return false;
  const drawn = live.every((c) => [...c.querySelectorAll('canvas, svg')].some((e) => e.getBoundingClientRect().width > 0));
  return drawn && performance.now() / 1000;
})()`;

/**
 * Opens each page of a built site the way a first-time reader does (Debian's Chromium, started
 * with a fresh profile before the visit, the site served by `clm serve` on loopback), then
 * again with the cache it filled, and reports the bytes the server sent and when the page was
 * drawn and live. For the benchmark and the README's table.
 */
export async function visitPages(siteDir: string, paths: readonly string[]): Promise<PageVisit[]> {
  const { server, url } = await serveSite(siteDir);
  const sockets: Socket[] = [];
  server.on('connection', (socket) => sockets.push(socket));
  const sent = () => sockets.reduce((total, socket) => total + socket.bytesWritten, 0);
  const visits: PageVisit[] = [];
  try {
    for (const path of paths) {
      // A profile of its own per page: an empty disk cache for the first visit, filled for the second.
      const profile = mkdtempSync(join(tmpdir(), 'clm-visit-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
        viewport: { width: 1440, height: 900 },
      });
      try {
        // The browser's own start-up work (its first renderer, fonts) is not the site's.
        await (await context.newPage()).goto('about:blank');
        const visit = async () => {
          const page = await context.newPage();
          const before = sent();
          // Watch from the first byte: the load event comes after everything has drawn.
          await page.goto(`${url}${path}`, { waitUntil: 'commit' });
          const drawnBy = async (test: string) => Number(await (await page.waitForFunction(test, undefined, { timeout: 120_000, polling: 'raf' })).jsonValue());
          const drawn = await drawnBy(DRAWN);
          const live = await drawnBy(LIVE);
          // Requests the page makes after drawing (prefetches) count towards its weight too.
          await page.waitForLoadState('networkidle');
          const bytes = sent() - before;
          await page.close();
          return { bytes, drawn, live };
        };
        const first = await visit();
        const repeat = await visit();
        visits.push({ path, firstBytes: first.bytes, firstDrawnSeconds: first.drawn, firstLiveSeconds: first.live, repeatBytes: repeat.bytes, repeatDrawnSeconds: repeat.drawn });
      } finally {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      }
    }
  } finally {
    server.close();
  }
  return visits;
}
