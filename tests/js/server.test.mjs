// The npm start server: malformed requests get an error, never a crash; the customer origin
// serves nothing private, the operator origin serves the partner view and the full catalog.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { serve } from '../../scripts/serve.mjs';

let server;
before(async () => { server = await serve({ port: 0 }); });
after(() => server.close());

/** GET with the path exactly as given (no URL normalisation by a client library). */
function get(base, path, headers = {}) {
  const { hostname, port } = new URL(base);
  return new Promise((ok, fail) => {
    const req = request({ hostname, port, path, method: 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => ok(res.statusCode));
    });
    req.on('error', fail);
    req.end();
  });
}

test('malformed URLs are answered 400 or 404 and the server keeps serving', async () => {
  for (const path of ['/%', '/%E0%A4%A', '/%ZZ', '/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', `/${'a'.repeat(8000)}`, '/\u00ff']) {
    const status = await get(server.url, path);
    assert.ok([400, 404].includes(status), `${path.slice(0, 40)}: ${status}`);
  }
  assert.equal(await get(server.url, '/'), 200);
  assert.equal(await get(server.url, '/catalog.public.json'), 200);
});

test('the customer origin never serves the full catalog or the partner view', async () => {
  for (const path of ['/catalogs/demo.json', '/partner.html', '/partner.js', '/catalog.html', '/catalog.js', '/www/partner.html', '/./partner.html', '/catalogs/']) {
    assert.equal(await get(server.url, path), 404, path);
  }
});

test('the operator origin serves them, on its own port', async () => {
  assert.notEqual(new URL(server.operatorUrl).port, new URL(server.url).port);
  assert.equal(await get(server.operatorUrl, '/partner.html'), 200);
  assert.equal(await get(server.operatorUrl, '/catalog.html'), 200);
  assert.equal(await get(server.operatorUrl, '/catalogs/demo.json'), 200);
});

test('both origins answer 421 to a Host that is not loopback (DNS rebinding), and serve loopback names', async () => {
  for (const base of [server.url, server.operatorUrl]) {
    const { port } = new URL(base);
    for (const host of ['attacker.example', `attacker.example:${port}`, 'localhost.attacker.example', '127.0.0.1.nip.io',
      `127.0.0.1:${port}@attacker.example`, '127.0.0.2', '[::2]', '[::1].attacker.example', 'LOCALHOST:x']) {
      assert.equal(await get(base, '/catalogs/demo.json', { host }), 421, `${base} Host: ${host}`);
      assert.equal(await get(base, '/', { host }), 421, `${base} Host: ${host}`);
    }
    for (const host of ['127.0.0.1', `127.0.0.1:${port}`, `localhost:${port}`, 'LocalHost', `[::1]:${port}`]) {
      assert.equal(await get(base, '/', { host }), 200, `${base} Host: ${host}`);
    }
  }
  assert.equal(await get(server.operatorUrl, '/catalogs/demo.json', { host: 'localhost' }), 200);
  // HTTP/1.0 without any Host: refused too.
  const { connect } = await import('node:net');
  const { port } = new URL(server.operatorUrl);
  const status = await new Promise((ok, fail) => {
    let text = '';
    const socket = connect(Number(port), '127.0.0.1', () => socket.end('GET /catalogs/demo.json HTTP/1.0\r\n\r\n'));
    socket.on('data', (d) => { text += d; }).on('end', () => ok(Number(text.split(' ')[1]))).on('error', fail);
  });
  assert.equal(status, 421);
});

test('npm start reports a port in use at once, before building anything', async () => {
  const { spawnSync } = await import('node:child_process');
  const { port } = new URL(server.url);
  const r = spawnSync(process.execPath, ['scripts/start.mjs'], {
    cwd: new URL('../../', import.meta.url).pathname, env: { ...process.env, PORT: port }, encoding: 'utf8',
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} .*EADDRINUSE.*set PORT`));
  assert.doesNotMatch(r.stdout, /build:/, 'nothing was built');
});

test('a build with nothing changed reuses pkg/ instead of running wasm-bindgen and wasm-opt again', async () => {
  // npm test has just built the package: the same module builds to the same files.
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: new URL('../../', import.meta.url).pathname, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /the module is unchanged since the last build; pkg\/ is reused/);
  assert.doesNotMatch(r.stdout, /load test/);
});
