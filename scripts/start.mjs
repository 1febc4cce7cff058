// npm start: set up what is missing, build, then serve the order form on 127.0.0.1 (and the
// operator tools on the next port: see scripts/serve.mjs). The ports are taken first, so a port
// in use is reported at once, not after the build; the build reuses pkg/ when nothing changed.
import { build } from './build.mjs';
import { serve } from './serve.mjs';

const port = Number(process.env.PORT ?? 8080);
const operatorPort = Number(process.env.OPERATOR_PORT ?? port + 1);
const { url, operatorUrl, close } = await serve({ port, operatorPort }).catch((e) => {
  console.error(`cannot listen on 127.0.0.1:${port} or :${operatorPort} (${e.code}); set PORT (and OPERATOR_PORT) to free ports`);
  process.exit(1);
});
try {
  build();
} catch (e) {
  console.error(e.message);
  await close();
  process.exit(1);
}
console.log(`\nratecard order form: ${url}`);
console.log(`operator tools (keep private: they show partner costs): ${operatorUrl}partner.html (partner view), ${operatorUrl}catalog.html (check a catalog)`);
console.log('(Ctrl-C to stop)');
