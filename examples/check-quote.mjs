// A Node backend re-checks the quote a browser posted before it charges anyone.
import { createServer } from 'node:http';

/**
 * `body` is what the browser posted, `{ order, quote }`; `account` is the server's own record
 * of the customer; `now` is the server's clock. The quote is recomputed at the server's instant
 * with the customer's fields from the account: an honest quote made a moment ago verifies, a
 * backdated, tampered or stale one does not, and the answer says why.
 */
export function checkQuote(catalog, body, account, now = new Date()) {
  const trusted = {
    at: now.toISOString(),
    customer: { plan: account.plan, currency: account.currency, region: account.region, billingStart: account.billingStart },
  };
  try {
    return catalog.verifyQuote(body.order, body.quote, trusted); // { ok, differences: [{ path, expected, received }] }
  } catch (e) {
    // QUOTE_EXPIRED, QUOTE_FROM_FUTURE, or an order the catalog cannot price.
    return { ok: false, differences: [], error: { code: e.code, path: e.path, message: e.message } };
  }
}

/** POST /checkout with `{ order, quote }`: 200 and the check when it verifies, 409 when not. */
export function checkoutServer(catalog, accountOf, clock = () => new Date()) {
  return createServer((req, res) => {
    const reply = (status, answer) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    };
    if (req.method !== 'POST' || req.url !== '/checkout') return reply(404, { ok: false });
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= 1 << 20) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > 1 << 20) return reply(413, { ok: false, error: { code: 'INPUT_TOO_LARGE', path: '', message: 'at most 1 MiB' } });
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, { ok: false, error: { code: 'INVALID_JSON', path: '', message: 'the body is not JSON' } });
      }
      const check = checkQuote(catalog, body, accountOf(req), clock());
      return reply(check.ok ? 200 : 409, check);
    });
  });
}
