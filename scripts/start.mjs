// npm start: set up what is missing, build, then serve the order form on 127.0.0.1 (and the
// operator tools on the next port: see scripts/serve.mjs).
import { build } from './build.mjs';
import { serve } from './serve.mjs';

try {
  build();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const port = Number(process.env.PORT ?? 8080);
const operatorPort = Number(process.env.OPERATOR_PORT ?? port + 1);
const { url, operatorUrl } = await serve({ port, operatorPort }).catch((e) => {
  console.error(`cannot listen on 127.0.0.1:${port} or :${operatorPort} (${e.code}); set PORT (and OPERATOR_PORT) to free ports`);
  process.exit(1);
});
console.log(`\nratecard order form: ${url}`);
console.log(`operator tools (partner view, full catalog with partner costs; keep private): ${operatorUrl}partner.html`);
console.log('(Ctrl-C to stop)');
