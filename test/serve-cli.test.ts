// `exprsim serve` as a user runs it: over an index built by the library, on 127.0.0.1 at a free
// port; it prints the URL, answers, and stops cleanly on SIGTERM. Bad option combinations are
// one-line errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildIndexFixture } from './fixtures/serve/index-fixture.js';
import { runCli, spawnCli } from './helpers.js';

const fx = await buildIndexFixture();
const TOKEN = 'serve-cli-test-token';
after(() => fx.cleanup());

test(
  'exprsim serve --db … --port 0 serves the index (EXPRSIM_TOKEN guarding it) and stops on SIGTERM',
  { timeout: 120_000 },
  async () => {
    const cli = spawnCli(
      [
        'serve',
        '--db',
        join(fx.dir, 'faces.sqlite'),
        '--model',
        join(fx.dir, 'model'),
        '--port',
        '0',
        '--json',
      ],
      { env: { EXPRSIM_TOKEN: TOKEN } },
    );
    try {
      let info: { url: string; photos: number; faces: number } | undefined;
      for (let i = 0; i < 600 && info === undefined; i++) {
        try {
          info = JSON.parse(cli.out()) as typeof info;
        } catch {
          if (cli.child.exitCode !== null) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.ok(info, `no URL printed: ${cli.err()}`);
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(info.photos, 3);
      // The token from the environment guards every request.
      const refused = await fetch(`${info.url}/api/health`);
      assert.equal(refused.status, 401);
      const auth = { authorization: `Bearer ${TOKEN}` };
      const h = (await (await fetch(`${info.url}/api/health`, { headers: auth })).json()) as {
        uploads: boolean;
        model: string;
      };
      assert.equal(h.uploads, true);
      assert.equal(h.model, fx.model);
      const page = await fetch(`${info.url}/?token=${TOKEN}`, { redirect: 'manual' });
      assert.equal(page.status, 303);
      const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
      const home = await fetch(`${info.url}/`, { headers: { cookie } });
      assert.equal(home.status, 200);
    } finally {
      cli.child.kill('SIGTERM');
    }
    const r = await cli.exited;
    assert.equal(r.code, 0, r.stderr);
  },
);

test('exprsim serve: a missing index or conflicting options are one-line errors', async () => {
  const none = await runCli(['serve']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no face index given.*--db/);
  const both = await runCli(['serve', '--sample', '--db', 'x.sqlite']);
  assert.equal(both.code, 1);
  assert.match(both.stderr, /`--sample` and `--db` do not go together/);
  const port = await runCli(['serve', '--db', 'x.sqlite', '--port', '99999']);
  assert.equal(port.code, 1);
  assert.match(port.stderr, /--port must be/);
  // Reachable from other machines only with a token: refused before anything loads.
  const open = await runCli(['serve', '--db', 'x.sqlite', '--host', '0.0.0.0'], {
    env: { EXPRSIM_TOKEN: '' },
  });
  assert.equal(open.code, 1);
  assert.match(open.stderr, /binding 0\.0\.0\.0 .* no `--token` was given.*EXPRSIM_TOKEN/);
  assert.equal(open.stderr.trim().split('\n').length, 1, open.stderr);
  const missing = await runCli([
    'serve',
    '--db',
    join(fx.dir, 'nothing.sqlite'),
    '--model',
    join(fx.dir, 'model'),
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no face index here/);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
});
