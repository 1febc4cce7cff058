// npm start: set up what is missing, build, then serve the order form on 127.0.0.1.
import { build } from './build.mjs';
import { serve } from './serve.mjs';

try {
  build();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const port = Number(process.env.PORT ?? 8080);
const { url } = await serve({ port }).catch((e) => {
  console.error(`cannot listen on 127.0.0.1:${port} (${e.code}); set PORT to another port`);
  process.exit(1);
});
console.log(`\nratecard order form: ${url}\n(Ctrl-C to stop)`);
