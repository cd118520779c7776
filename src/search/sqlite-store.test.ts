// SQLite specifics beyond the shared contract (store-contract.test.ts): what --db may point at,
// schema versions, reloading embeddings from disk.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { mulberry32 } from '../core/prng.js';
import { openStore } from './open-store.js';

const work = await mkdtemp(join(tmpdir(), 'exprsim-sqlite-'));
after(() => rm(work, { recursive: true, force: true }));
const root = join(work, 'photos');
await mkdir(root);

test('--db must be a face index or a new file: other files are refused, untouched', async () => {
  const foreign = join(work, 'other-app.sqlite');
  const d = new Database(foreign);
  d.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)');
  d.close();
  await assert.rejects(openStore(foreign, { root }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_STORE');
    assert.match(e.message, /something else \(tables users\)/);
    return true;
  });
  const again = new Database(foreign, { readonly: true });
  assert.equal(again.pragma('journal_mode', { simple: true }), 'delete', 'not switched to WAL');
  again.close();

  const jpeg = join(work, 'photo.jpg');
  await writeFile(jpeg, Buffer.alloc(4096, 0xab));
  for (const readonly of [false, true]) {
    await assert.rejects(
      openStore(jpeg, { root, readonly }),
      (e: Error & { code?: string; fix?: string }) => {
        assert.equal(e.code, 'E_STORE');
        assert.match(e.fix ?? '', /not an SQLite database/);
        return true;
      },
    );
  }
  await assert.rejects(openStore(root, { root }), { code: 'E_STORE' }, 'a folder');
  const missing = join(work, 'missing.sqlite');
  await assert.rejects(openStore(missing, { readonly: true }), { code: 'E_STORE' });
  assert.equal(existsSync(missing), false, 'a read-only open creates nothing');
  // A writable open creates the file and any missing folders.
  const nested = join(work, 'a', 'b', 'faces.sqlite');
  await (await openStore(nested, { root })).close();
  assert.ok(existsSync(nested));
});

test('a newer schema version is refused with "upgrade exprsim"', async () => {
  const db = join(work, 'newer.sqlite');
  await (await openStore(db, { root })).close();
  const d = new Database(db);
  d.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
  d.close();
  await assert.rejects(
    openStore(db, { readonly: true }),
    (e: Error & { code?: string; fix?: string }) => {
      assert.equal(e.code, 'E_STORE');
      assert.match(e.message, /schema version 99/);
      assert.equal(e.fix, 'upgrade exprsim');
      return true;
    },
  );
});

test('embeddings reload from disk exactly (float32 blobs, WAL file checkpointed on close)', async () => {
  const db = join(work, 'reload.sqlite');
  const w = await openStore(db, { root });
  const rng = mulberry32(9);
  const vecs: Float32Array[] = [];
  for (let i = 0; i < 200; i++) {
    const v = Float32Array.from({ length: 16 }, () => rng() - 0.5);
    vecs.push(v);
    await w.putPhoto(
      {
        path: `p${i}.jpg`,
        hash: i.toString(16).padStart(64, '0'),
        size: 1,
        width: 1,
        height: 1,
        status: 'ok',
      },
      [{ face: 0, box: { x: 0, y: 0, width: 1, height: 1 }, score: 1, embedding: v, model: 'm' }],
    );
  }
  const before = await w.findNearest(vecs[17], { k: 20 });
  await w.close();
  assert.equal(existsSync(`${db}-wal`), false);
  const r = await openStore(db, { readonly: true });
  try {
    const after = await r.findNearest(vecs[17], { k: 20 });
    assert.deepEqual(after, before);
    assert.deepEqual(after[0].face.embedding, vecs[17]);
    const d = new Database(db, { readonly: true });
    assert.equal(d.pragma('integrity_check', { simple: true }), 'ok');
    d.close();
  } finally {
    await r.close();
  }
});
