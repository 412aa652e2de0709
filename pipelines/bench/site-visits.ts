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
  /** Bytes on the wire when the same browser opens the page again. */
  repeatBytes: number;
  repeatDrawnSeconds: number;
}

/** True once nothing is loading and every chart has drawn its canvas or SVG: `performance.now()` then. */
const DRAWN = `(() => {
  const charts = [...document.querySelectorAll('[_echarts_instance_]')];
  const content = charts.length + document.querySelectorAll('table').length;
  if (content === 0 || document.body.innerText.includes('Loading')) return false;
  const drawn = charts.every((c) => [...c.querySelectorAll('canvas, svg')].some((e) => e.getBoundingClientRect().width > 0));
  return drawn && performance.now() / 1000;
})()`;

/**
 * Opens each page of a built site the way a first-time reader does (Debian's Chromium, a fresh
 * profile, served by `clm serve` on loopback), then again with the cache it filled, and reports the
 * bytes the server sent and when the charts were drawn. For the benchmark and the README's table.
 */
export async function visitPages(siteDir: string, paths: readonly string[]): Promise<PageVisit[]> {
  const { server, url } = await serveSite(siteDir);
  const sockets: Socket[] = [];
  server.on('connection', (socket) => sockets.push(socket));
  const sent = () => sockets.reduce((total, socket) => total + socket.bytesWritten, 0);
  const visits: PageVisit[] = [];
  try {
    for (const path of paths) {
      const profile = mkdtempSync(join(tmpdir(), 'clm-visit-'));
      const browser = await chromium.launchPersistentContext(profile, {
        executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
        viewport: { width: 1440, height: 900 },
      });
      try {
        const visit = async () => {
          const page = await browser.newPage();
          const before = sent();
          await page.goto(`${url}${path}`);
          const drawn = Number(await (await page.waitForFunction(DRAWN, undefined, { timeout: 120_000, polling: 'raf' })).jsonValue());
          // Requests the page makes after drawing (prefetches) count towards its weight too.
          await page.waitForLoadState('networkidle');
          const bytes = sent() - before;
          await page.close();
          return { bytes, drawn };
        };
        const first = await visit();
        const repeat = await visit();
        visits.push({ path, firstBytes: first.bytes, firstDrawnSeconds: first.drawn, repeatBytes: repeat.bytes, repeatDrawnSeconds: repeat.drawn });
      } finally {
        await browser.close();
        rmSync(profile, { recursive: true, force: true });
      }
    }
  } finally {
    server.close();
  }
  return visits;
}
