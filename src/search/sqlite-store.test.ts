// SQLite specifics beyond the shared contract (store-contract.test.ts): what --db may point at,
// schema versions, reloading embeddings from disk.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  chmod,
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { IS_ROOT, openUpTo, runUnprivileged, sourceUrl } from '../../test/fixtures/unprivileged.js';
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

test('the writer lock holds through a symlink to the database; a hard-linked database is refused', async () => {
  const dir = join(work, 'links');
  await mkdir(dir);
  const db = join(dir, 'a.sqlite');
  const w = await openStore(db, { root });
  try {
    await symlink('a.sqlite', join(dir, 'b.sqlite'));
    await symlink(dir, join(work, 'links-dir'));
    for (const other of [join(dir, 'b.sqlite'), join(work, 'links-dir', 'a.sqlite')]) {
      await assert.rejects(openStore(other, { root }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'E_STORE_LOCKED', other);
        assert.match(e.message, new RegExp(`process ${process.pid}\\b`));
        return true;
      });
    }
    await link(db, join(dir, 'c.sqlite'));
    for (const name of ['c.sqlite', 'a.sqlite']) {
      for (const readonly of [false, true]) {
        await assert.rejects(
          openStore(join(dir, name), { root, readonly }),
          (e: Error & { code?: string; fix?: string; input?: string }) => {
            assert.equal(e.code, 'E_STORE', `${name} readonly=${readonly}`);
            assert.match(e.message, /2 hard links/);
            assert.match(e.fix ?? '', /one name only.*-samefile/);
            assert.equal(e.input, join(dir, name));
            return true;
          },
        );
      }
    }
    await rm(join(dir, 'c.sqlite'));
  } finally {
    await w.close();
  }
  // Through the symlink, once the first writer is gone: the same database.
  const again = await openStore(join(dir, 'b.sqlite'), { root });
  assert.equal(again.root, root);
  await again.close();
});

test('a damaged database is refused before anything is written to it', async () => {
  const db = join(work, 'damaged.sqlite');
  const w = await openStore(db, { root });
  const rng = mulberry32(11);
  for (let i = 0; i < 300; i++) {
    const v = Float32Array.from({ length: 16 }, () => rng() - 0.5);
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
  await w.close();
  // Scribble over a page in the middle (a b-tree page of the faces or photos table).
  const bytes = await readFile(db);
  const page = 4096;
  const mid = Math.floor(bytes.length / page / 2) * page;
  bytes.fill(0x5a, mid + 8, mid + page);
  await writeFile(db, bytes);
  const before = createHash('sha256').update(bytes).digest('hex');
  await assert.rejects(
    openStore(db, { root }),
    (e: Error & { code?: string; fix?: string; input?: string }) => {
      assert.equal(e.code, 'E_STORE');
      assert.match(e.message, /damaged/);
      assert.match(e.fix ?? '', /nothing was written to it.*new file as `db`/);
      assert.equal(e.input, db);
      return true;
    },
  );
  const after = createHash('sha256')
    .update(await readFile(db))
    .digest('hex');
  assert.equal(after, before, 'the file is byte for byte as it was');
  assert.equal(existsSync(`${db}-wal`), false, 'no journal written either');
});

test('a closed index can be read from a folder this user cannot write (read-only media)', async () => {
  const dir = join(work, 'readonly-folder');
  await mkdir(dir);
  const db = join(dir, 'faces.sqlite');
  const w = await openStore(db, { root });
  const v = Float32Array.from({ length: 16 }, (_, i) => (i === 3 ? 1 : 0));
  await w.putPhoto(
    { path: 'a.jpg', hash: '1'.repeat(64), size: 1, width: 1, height: 1, status: 'ok' },
    [
      {
        face: 0,
        box: { x: 0, y: 0, width: 1, height: 1 },
        score: 1,
        embedding: v,
        model: 'm',
        thumbnail: Uint8Array.from([7, 7]),
      },
    ],
  );
  await w.close();
  const d = new Database(db, { readonly: true });
  assert.equal(d.pragma('journal_mode', { simple: true }), 'delete', 'left in rollback mode');
  d.close();
  await openUpTo(work, dir);
  await chmod(db, 0o444);
  await chmod(dir, 0o555);
  try {
    // Everything search, similar and the server's listing do with an index, as a reader.
    const script = `
      const { openStore } = await import(${JSON.stringify(sourceUrl('src/search/open-store.ts'))});
      const s = await openStore(process.argv[1], { readonly: true });
      const photos = await s.listPhotos();
      const faces = await s.facesOfPhoto(photos[0].id);
      const near = await s.findNearest(faces[0].embedding, { k: 3 });
      const thumb = await s.thumbnail(faces[0].id);
      const stats = await s.stats();
      await s.close();
      process.stdout.write(JSON.stringify({ paths: photos.map((p) => p.path), near: near.length, thumb: Array.from(thumb), stats }));
    `;
    const r = await runUnprivileged(script, [db]);
    assert.equal(r.code, 0, `${IS_ROOT ? 'as nobody: ' : ''}${r.stderr}`);
    const out = JSON.parse(r.stdout) as { paths: string[]; near: number; thumb: number[] };
    assert.deepEqual(out.paths, ['a.jpg']);
    assert.equal(out.near, 1);
    assert.deepEqual(out.thumb, [7, 7]);
    assert.deepEqual(await readdir(dir), ['faces.sqlite', 'faces.sqlite-lock'], 'nothing created');
  } finally {
    await chmod(dir, 0o755);
    await chmod(db, 0o644);
  }
});

test('an index left in WAL mode in a read-only folder gets one clear line with the fix', async () => {
  const dir = join(work, 'wal-readonly');
  await mkdir(dir);
  const db = join(dir, 'faces.sqlite');
  await (await openStore(db, { root })).close();
  // As an older exprsim (or a writer that closed while readers were open) left it.
  const d = new Database(db);
  d.pragma('journal_mode = WAL');
  d.close();
  await openUpTo(work, dir);
  await chmod(dir, 0o555);
  try {
    const script = `
      const { openStore } = await import(${JSON.stringify(sourceUrl('src/search/open-store.ts'))});
      try { await openStore(process.argv[1], { readonly: true }); process.exit(3); }
      catch (e) { process.stdout.write(JSON.stringify({ code: e.code, line: e.toLine() })); }
    `;
    const r = await runUnprivileged(script, [db]);
    assert.equal(r.code, 0, r.stderr);
    const e = JSON.parse(r.stdout) as { code: string; line: string };
    assert.equal(e.code, 'E_STORE');
    assert.match(e.line, /faces\.sqlite: cannot read the index: it was left in WAL mode/);
    assert.match(e.line, /open it for writing once \(exprsim index with --db .*faces\.sqlite\)/);
  } finally {
    await chmod(dir, 0o755);
  }
});
