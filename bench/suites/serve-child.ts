/**
 * The server under load for bench/suites/serve.ts, in its own process (so the load generator does
 * not share its event loop): opens the index read-only, serves the API on 127.0.0.1 at a free
 * port, prints `{"url": ...}` and runs until SIGTERM or stdin closes.
 *
 *   node --import tsx bench/suites/serve-child.ts <index.sqlite>
 */
import { openStore } from '../../src/search/index.js';
import { createServer, listen } from '../../src/serve/index.js';

const location = process.argv[2];
const store = await openStore(location, { readonly: true });
const app = await createServer({ store, webRoot: false, port: 0, host: '127.0.0.1' });
const url = await listen(app);
process.stdout.write(`${JSON.stringify({ url })}\n`);

const stop = async () => {
  await app.close();
  await store.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
