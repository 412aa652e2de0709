import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Server } from 'node:http';
import { serveSite } from '../../pipelines/publish/serve.js';
import { tempDir } from '../helpers/warehouse.js';

/** A raw GET, so the path reaches the server exactly as written (no client-side normalising). */
function get(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolvePromise, reject) => {
    const req = request({ hostname, port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('clm serve', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const dir = tempDir();
    const site = join(dir, 'build');
    mkdirSync(join(site, '_app', 'immutable'), { recursive: true });
    mkdirSync(join(dir, 'build-old'));
    writeFileSync(join(site, 'index.html'), '<h1>home</h1>');
    writeFileSync(join(site, '404.html'), '<h1>fallback</h1>');
    writeFileSync(join(site, '_app', 'immutable', 'app.abc123.js'), 'console.log("app");'.repeat(100));
    writeFileSync(join(dir, 'build-old', 'secret.txt'), 'outside the site');
    // As the publish step stores DuckDB-Wasm: gzipped only.
    writeFileSync(join(site, '_app', 'immutable', 'duckdb-eh.abc.wasm.gz'), gzipSync(Buffer.from('wasm bytes '.repeat(50))));
    ({ server, url } = await serveSite(site));
  });

  afterAll(() => server?.close());

  it('answers a malformed address with 400 and keeps serving', async () => {
    expect((await get(url, '/%')).status).toBe(400);
    expect((await get(url, '/')).status).toBe(200);
  });

  it('serves nothing outside the site, however the path is spelled', async () => {
    for (const path of ['/..%2fbuild-old%2fsecret.txt', '/../build-old/secret.txt', '/%2e%2e/build-old/secret.txt']) {
      const response = await get(url, path);
      expect(response.status, path).toBe(404);
      expect(response.body.toString()).not.toContain('outside the site');
    }
  });

  it('answers an unknown page with the fallback and status 404, and an unknown file with a plain 404', async () => {
    const page = await get(url, '/customers/07/crm:C9/');
    expect(page.status).toBe(404);
    expect(page.body.toString()).toBe('<h1>fallback</h1>');
    expect((await get(url, '/data/none.arrow')).status).toBe(404);
  });

  it('compresses what the browser accepts and caches hashed assets for good', async () => {
    const asset = await get(url, '/_app/immutable/app.abc123.js', { 'accept-encoding': 'gzip' });
    expect(asset.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(asset.body).toString()).toBe('console.log("app");'.repeat(100));
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get(url, '/', { 'accept-encoding': 'br, gzip' })).headers['content-encoding']).toBe('br');
    expect((await get(url, '/')).headers['cache-control']).toBe('no-cache');
  });

  it('sends a file stored gzipped as it is to a browser that takes gzip, and unzipped to one that does not', async () => {
    const zipped = await get(url, '/_app/immutable/duckdb-eh.abc.wasm', { 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['content-type']).toBe('application/wasm');
    expect(gunzipSync(zipped.body).toString()).toBe('wasm bytes '.repeat(50));
    const plain = await get(url, '/_app/immutable/duckdb-eh.abc.wasm');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe('wasm bytes '.repeat(50));
  });
});
