// A small static server for the order form, on loopback only, no directory listings. Two
// origins, so that the customer page can never read what is private:
// - the customer server serves the order form (www/ without the operator pages), the public
//   catalog the build writes, and the package files the page imports (js/, pkg/);
// - the operator server, on its own port, serves the partner view, the catalog check and the full demo catalog
//   (catalogs/), with every partner's cost and margin. Never expose it to customers.
// Both answer only requests whose Host is a loopback name (127.0.0.1, localhost, [::1]), with
// 421 otherwise: a page on another site that rebinds its own name to 127.0.0.1 (DNS rebinding)
// sends its own Host, so it cannot read the operator's catalog from a developer's machine.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { root } from './setup.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
};
/** Files of www/ that only the operator server serves. */
const OPERATOR_PAGES = ['partner.html', 'partner.js', 'catalog.html', 'catalog.js'];

/** The file a URL path names on one of the two servers, or null (404). */
function resolve(urlPath, operator) {
  const clean = normalize(decodeURIComponent(urlPath.split('?')[0])).replace(/^(\.\.[/\\])+/, '');
  const [top] = clean.split('/').filter(Boolean);
  const served = operator ? ['www', 'js', 'pkg', 'catalogs'] : ['www', 'js', 'pkg'];
  const rel = served.includes(top) ? clean : join('www', clean);
  const file = join(root, rel);
  if (!file.startsWith(`${root}/`)) return null;
  if (!operator && OPERATOR_PAGES.some((p) => file === join(root, 'www', p))) return null;
  try {
    const s = statSync(file);
    if (s.isDirectory()) return resolve(join(clean, 'index.html'), operator);
    return file;
  } catch {
    return null;
  }
}

/** The loopback names a request may address these servers by. */
const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

/** Whether a Host header names a loopback host, with or without a port. */
export function isLoopbackHost(host) {
  if (typeof host !== 'string') return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  const port = host.slice(name.length);
  return LOOPBACK.includes(name.toLowerCase()) && /^(:[0-9]{1,5})?$/.test(port);
}

function handler(operator) {
  return (req, res) => {
    if (!isLoopbackHost(req.headers.host)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('misdirected request: this server answers only to 127.0.0.1, localhost and [::1]\n');
      return;
    }
    let file = null;
    if (req.method === 'GET' || req.method === 'HEAD') {
      try {
        file = resolve(req.url, operator);
      } catch {
        // A malformed escape (`/%`): the request is wrong, the server goes on.
        res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request\n');
        return;
      }
    }
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).on('error', () => res.destroy()).pipe(res);
  };
}

function listen(server, port, host) {
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok(`http://${host}:${server.address().port}/`));
  });
}

/** Starts both servers; resolves to { url, operatorUrl, close }. Port 0 picks a free port. */
export async function serve({ port = 8080, operatorPort = port === 0 ? 0 : port + 1, host = '127.0.0.1' } = {}) {
  const customer = createServer(handler(false));
  const operator = createServer(handler(true));
  const url = await listen(customer, port, host);
  const operatorUrl = await listen(operator, operatorPort, host).catch((e) => {
    customer.close();
    throw e;
  });
  const close = (s) => new Promise((done) => s.close(done));
  return { url, operatorUrl, close: () => Promise.all([close(customer), close(operator)]) };
}
