import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';
import { constants, createBrotliCompress, createGunzip, createGzip } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.arrow': 'application/vnd.apache.arrow.stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
};

/** Already compressed: sending them through gzip again only costs time. */
const COMPRESSED = new Set(['.png', '.ico', '.woff', '.woff2', '.gz', '.br']);

/**
 * Serves the built report site on loopback. A page that was not prerendered (most customer
 * profiles) gets the fallback page with status 404, which renders it in the browser; a missing
 * file gets a plain 404; a malformed address gets 400; nothing outside the site is ever read.
 * Responses are compressed (brotli or gzip, as the browser accepts), and SvelteKit's hashed
 * assets (`/_app/immutable/`) are cached for good.
 */
export function serveSite(siteDir: string, port = 0, host = '127.0.0.1'): Promise<{ server: Server; url: string }> {
  const root = resolve(siteDir);
  const server = createServer((request, response) => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    } catch {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('malformed address');
      return;
    }
    let file = resolve(root, `.${pathname}`);
    const inside = relative(root, file);
    if (inside.startsWith('..') || isAbsolute(inside) || pathname.includes('\0')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    // Stored gzipped by the publish step (its big scripts and WebAssembly): sent as it is, or
    // unzipped for a client that takes no gzip.
    if (!existsSync(file) && existsSync(`${file}.gz`)) {
      send(request, response, file, 200, pathname.startsWith('/_app/immutable/'), 'gzip');
      return;
    }
    let status = 200;
    if (!existsSync(file)) {
      if (extname(pathname) !== '') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      // A page that was not prerendered: the fallback renders it in the browser.
      file = join(root, '404.html');
      status = 404;
    }
    send(request, response, file, status, pathname.startsWith('/_app/immutable/'));
  });
  return new Promise((resolvePromise) => {
    server.listen(port, host, () => {
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      resolvePromise({ server, url: `http://${host}:${actualPort}` });
    });
  });
}

/**
 * Sends `file` with the encoding the browser takes. A file stored gzipped (`stored`, read from
 * `<file>.gz`) goes as it is to a browser that takes gzip and unzipped to one that does not.
 */
function send(request: IncomingMessage, response: ServerResponse, file: string, status: number, immutable: boolean, stored: 'plain' | 'gzip' = 'plain'): void {
  const extension = extname(file);
  const accepts = String(request.headers['accept-encoding'] ?? '');
  const takesGzip = /\bgzip\b/.test(accepts);
  const encoding = stored === 'gzip'
    ? (takesGzip ? 'gzip' : undefined)
    : COMPRESSED.has(extension) ? undefined : /\bbr\b/.test(accepts) ? 'br' : takesGzip ? 'gzip' : undefined;
  response.writeHead(status, {
    'content-type': TYPES[extension] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    vary: 'accept-encoding',
    ...(encoding ? { 'content-encoding': encoding } : {}),
  });
  if (stored === 'gzip') {
    const body = createReadStream(`${file}.gz`);
    if (encoding === 'gzip') body.pipe(response);
    else body.pipe(createGunzip()).pipe(response);
    return;
  }
  const body = createReadStream(file);
  if (encoding === 'br') body.pipe(createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })).pipe(response);
  else if (encoding === 'gzip') body.pipe(createGzip()).pipe(response);
  else body.pipe(response);
}
