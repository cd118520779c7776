import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { buildIndexFixture } from '../../test/fixtures/serve/index-fixture.js';
import { serveIndex } from './serve-index.js';

test('serveIndex: `sample` or `db`, one of them, named by option key', async () => {
  await assert.rejects(serveIndex({}), {
    code: 'E_BAD_OPTION',
    option: 'db',
    message: 'no face index given',
  });
  await assert.rejects(serveIndex({ sample: true, db: 'x.sqlite' }), {
    code: 'E_BAD_OPTION',
    option: 'sample',
    message: '`sample` and `db` do not go together',
  });
});

const fx = await buildIndexFixture();
after(() => fx.cleanup());

test('serveIndex serves an index with uploads, and a port in use is E_IO naming `port`', async () => {
  const db = join(fx.dir, 'faces.sqlite');
  const s = await serveIndex({ db, model: join(fx.dir, 'model'), port: 0 });
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(s.uploadsOff, undefined);
    assert.equal(s.stats.photos, 3);
    const health = (await (await fetch(`${s.url}/api/health`)).json()) as { uploads: boolean };
    assert.equal(health.uploads, true);
  } finally {
    await s.close();
  }
  const busy = createNetServer();
  await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
  const port = (busy.address() as { port: number }).port;
  try {
    await assert.rejects(serveIndex({ db, model: join(fx.dir, 'model'), port }), {
      code: 'E_IO',
      option: 'port',
      message: `cannot listen on 127.0.0.1:${port} (EADDRINUSE)`,
      fix: 'another program uses that port: pass a free `port` (0 picks any)',
    });
  } finally {
    busy.close();
  }
});
