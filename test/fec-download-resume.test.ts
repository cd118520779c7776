import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readImage } from '../src/image/read.js';
import type { DownloadRecord } from '../src/data/index.js';
import { fecRow, makeImage, startServer, type Route } from './fixtures/http-server.js';
import { spawnCli } from './helpers.js';

const N = 12;

/**
 * Sends the headers and half the body, then the rest after `ms` and, for held URLs, only once
 * `gate` opens: the first run can never finish on its own, and a kill lands mid-file.
 */
function halfThenRest(bytes: Buffer, ms: number, gate?: Promise<void>): Route {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': bytes.length });
    res.write(bytes.subarray(0, bytes.length >> 1));
    let closed = false;
    res.on('close', () => (closed = true));
    void Promise.all([sleep(ms), gate]).then(() => {
      if (!closed) res.end(bytes.subarray(bytes.length >> 1));
    });
  };
}

function okRecords(text: string): DownloadRecord[] {
  const out: DownloadRecord[] = [];
  for (const line of text.split('\n')) {
    try {
      const r = JSON.parse(line) as DownloadRecord;
      if (r.status === 'ok') out.push(r);
    } catch {
      // a partial last line from the kill
    }
  }
  return out;
}

test('kill -9 mid-download, rerun: no partial file counts as done, finished URLs are not fetched again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-resume-'));
  const jpeg = await makeImage(64, 48, 'jpeg');
  const routes: Record<string, Route> = {};
  let open = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  // URLs 0-5 finish normally; 6-11 are held until the first run is killed.
  for (let i = 0; i < N; i++)
    routes[`/img-${i}.jpg`] = halfThenRest(jpeg, 150, i >= 6 ? gate : undefined);
  const server = await startServer(routes);
  try {
    const csv = join(dir, 'fec.csv');
    const rows = [];
    for (let i = 0; i < N; i += 3) {
      rows.push(
        fecRow(
          [0, 1, 2].map((k) => [server.url(`/img-${i + k}.jpg`), '0.2,0.8,0.2,0.8']) as [
            string,
            string,
          ][],
        ),
      );
    }
    await writeFile(csv, `${rows.join('\n')}\n`);
    const out = join(dir, 'out');
    const manifest = join(out, 'manifest.jsonl');
    const args = [
      'data',
      'fec-download',
      csv,
      '--out',
      out,
      '--concurrency',
      '2',
      '--timeout',
      '10',
      '--retries',
      '0',
      '--json',
    ];

    // Run 1: kill as soon as three URLs are recorded as done.
    const first = spawnCli(args);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (existsSync(manifest) && okRecords(await readFile(manifest, 'utf8')).length >= 3) break;
      await sleep(20);
    }
    first.child.kill('SIGKILL');
    const exit1 = await first.exited;
    open();
    assert.equal(
      exit1.signal,
      'SIGKILL',
      `the first run must be killed mid-way, not finish: ${first.err()}`,
    );

    // Everything recorded as done is complete; every finished (renamed) crop decodes; the only
    // other files are temporary ones, which never count.
    const done = okRecords(await readFile(manifest, 'utf8'));
    assert.ok(done.length >= 3 && done.length <= 6, `done after kill: ${done.length}`);
    for (const r of done) {
      for (const c of r.crops ?? []) {
        const img = await readImage(join(out, c.file), { failOn: 'warning' });
        assert.deepEqual([img.width, img.height], [c.width, c.height]);
      }
    }
    const files = (await readdir(join(out, 'crops'), { recursive: true })).filter(
      (f) => f.endsWith('.jpg') || f.endsWith('.tmp'),
    );
    for (const f of files.filter((x) => x.endsWith('.jpg')))
      await readImage(join(out, 'crops', f), { failOn: 'warning' });
    const hitsAfterKill = new Map(server.hits);

    // Run 2: completes; what was done is skipped and not fetched again.
    const second = spawnCli(args);
    const exit2 = await second.exited;
    assert.equal(exit2.code, 0, second.err());
    const report = JSON.parse(second.out()) as {
      downloaded: number;
      skipped: number;
      errors: number;
      staleTempFiles: number;
    };
    assert.equal(report.skipped, done.length);
    assert.equal(report.downloaded, N - done.length);
    assert.equal(report.errors, 0);
    const doneUrls = new Set(done.map((r) => new URL(r.url).pathname));
    for (let i = 0; i < N; i++) {
      const p = `/img-${i}.jpg`;
      const hits = server.hits.get(p) ?? 0;
      if (doneUrls.has(p))
        assert.equal(hits, 1, `${p} was done before the kill: fetched once in total`);
      else assert.equal(hits, (hitsAfterKill.get(p) ?? 0) + 1, `${p} fetched once by the rerun`);
    }
    const final = okRecords(await readFile(manifest, 'utf8'));
    assert.equal(final.length, N);
    const left = (await readdir(join(out, 'crops'), { recursive: true })).filter((f) =>
      f.endsWith('.tmp'),
    );
    assert.deepEqual(left, [], 'no temporary files left');
    assert.equal(
      (await readdir(join(out, 'crops'), { recursive: true })).filter((f) => f.endsWith('.jpg'))
        .length,
      N,
    );
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
