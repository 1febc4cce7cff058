// A small static server for the order form: serves www/ at /, and the package files the page
// imports (js/, pkg/, catalogs/) beside it. Loopback only; no directory listings.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { root } from './setup.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
};
const SERVED = ['www', 'js', 'pkg', 'catalogs'];

function resolve(urlPath) {
  const clean = normalize(decodeURIComponent(urlPath.split('?')[0])).replace(/^(\.\.[/\\])+/, '');
  const [top] = clean.split('/').filter(Boolean);
  const rel = SERVED.includes(top) ? clean : join('www', clean);
  const file = join(root, rel);
  if (!file.startsWith(root + '/')) return null;
  try {
    const s = statSync(file);
    if (s.isDirectory()) return resolve(join(clean, 'index.html'));
    return file;
  } catch {
    return null;
  }
}

/** Starts the server; resolves to { url, close }. Port 0 picks a free port. */
export function serve({ port = 8080, host = '127.0.0.1' } = {}) {
  const server = createServer((req, res) => {
    const file = req.method === 'GET' || req.method === 'HEAD' ? resolve(req.url) : null;
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      ok({ url: `http://${host}:${p}/`, close: () => new Promise((done) => server.close(done)) });
    });
  });
}
