// One contract, two stores: every test here runs against the SQLite store and against
// PostgreSQL + pgvector (a throwaway cluster; skipped with the reason when PostgreSQL or pgvector
// is missing, a failure when EXPRSIM_REQUIRE_POSTGRES=1).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../../test/fixtures/search/postgres.js';
import {
  V1_PHOTOS,
  axis,
  writePostgresV1,
  writeSqliteV1,
} from '../../test/fixtures/search/schema-v1.js';
import { mulberry32 } from '../core/prng.js';
import { openStore } from './open-store.js';
import type { FaceStore, NewFace, NewPhoto, OpenStoreOptions } from './types.js';

const pg = await startPostgres();
after(() => pg.server?.stop());
const work = await mkdtemp(join(tmpdir(), 'exprsim-contract-'));
after(() => rm(work, { recursive: true, force: true }));

interface Backend {
  name: string;
  skip: string | false;
  /** A new, empty database location. */
  fresh(): Promise<string>;
  /** A new database holding a schema version 1 index of `root` (test/fixtures/search/schema-v1.ts). */
  v1(root: string): Promise<string>;
}

let n = 0;
const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    skip: false,
    fresh: async () => join(work, `db-${++n}`, 'faces.sqlite'),
    v1: async (root) => {
      const file = join(work, `v1-${++n}.sqlite`);
      writeSqliteV1(file, root);
      return file;
    },
  },
  {
    name: 'postgres',
    skip: pg.skip,
    fresh: () => pg.server!.createDatabase(),
    v1: async (root) => {
      const url = await pg.server!.createDatabase();
      await writePostgresV1(url, root);
      return url;
    },
  },
];

async function photoRoot(): Promise<string> {
  const dir = join(work, `photos-${++n}`);
  await mkdir(join(dir, 'sub', 'deeper'), { recursive: true });
  return dir;
}

const hash = (i: number) => i.toString(16).padStart(64, '0');

function unit(rng: () => number, d = 16): Float32Array {
  const v = Float32Array.from({ length: d }, () => rng() * 2 - 1);
  const s = Math.hypot(...v);
  return v.map((x) => x / s);
}

function photo(
  path: string,
  i: number,
  status: NewPhoto['status'] = 'ok',
  error?: string,
): NewPhoto {
  return {
    path,
    hash: hash(i),
    size: 100 + i,
    width: 640,
    height: 480,
    status,
    ...(error ? { error } : {}),
  };
}

function face(
  i: number,
  embedding: Float32Array,
  model = 'm-a',
  extra: Partial<NewFace> = {},
): NewFace {
  return {
    face: i,
    box: { x: 10.5 + i, y: 20.25, width: 40, height: 50.5 },
    score: 0.99 - i / 100,
    landmarks: [
      [1.5, 2.5],
      [3, 4],
    ],
    embedding,
    model,
    ...extra,
  };
}

function bruteForce(
  all: { id: number; v: Float32Array; model: string }[],
  q: Float32Array,
  k: number,
  model?: string,
  skip: number[] = [],
) {
  return all
    .filter((f) => (model === undefined || f.model === model) && !skip.includes(f.id))
    .map((f) => ({ id: f.id, d: Math.sqrt(f.v.reduce((s, x, j) => s + (x - q[j]) ** 2, 0)) }))
    .sort((a, b) => a.d - b.d || a.id - b.id)
    .slice(0, k);
}

for (const b of BACKENDS) {
  describe(`FaceStore contract: ${b.name}`, { skip: b.skip }, () => {
    const open = async (location: string, opts: OpenStoreOptions) => openStore(location, opts);

    test('photos and faces round-trip; a changed photo is replaced, keeping its id', async () => {
      const root = await photoRoot();
      const db = await b.fresh();
      const s = await open(db, { root });
      try {
        assert.equal(s.kind, b.name);
        assert.equal(s.root, root);
        assert.equal(s.readonly, false);
        const rng = mulberry32(1);
        const e0 = unit(rng);
        const e1 = unit(rng);
        const thumb = Uint8Array.from([0xff, 0xd8, 1, 2, 3]);
        const id = await s.putPhoto(photo('sub/a.jpg', 1), [
          face(0, e0, 'm-a', { thumbnail: thumb }),
          face(1, e1, 'm-a', { landmarks: undefined }),
        ]);
        const p = await s.getPhoto('sub/a.jpg');
        assert.ok(p);
        assert.equal(p.id, id);
        assert.equal(p.path, 'sub/a.jpg');
        assert.equal(p.hash, hash(1));
        assert.deepEqual(
          [p.size, p.width, p.height, p.status, p.error],
          [101, 640, 480, 'ok', undefined],
        );
        assert.ok(!Number.isNaN(Date.parse(p.indexedAt)));
        assert.deepEqual(await s.getPhotoById(id), p);
        assert.deepEqual(
          await s.getPhoto(join(root, 'sub', 'a.jpg')),
          p,
          'absolute path under the root',
        );
        assert.equal(await s.getPhoto('sub/none.jpg'), undefined);
        const faces = await s.facesOfPhoto(id);
        assert.equal(faces.length, 2);
        assert.deepEqual(faces[0].embedding, e0);
        assert.deepEqual(faces[0].box, { x: 10.5, y: 20.25, width: 40, height: 50.5 });
        assert.equal(faces[0].score, 0.99);
        assert.deepEqual(faces[0].landmarks, [
          [1.5, 2.5],
          [3, 4],
        ]);
        assert.equal(faces[1].landmarks, undefined);
        assert.deepEqual(
          faces.map((f) => [f.face, f.path, f.photoId, f.model]),
          [
            [0, 'sub/a.jpg', id, 'm-a'],
            [1, 'sub/a.jpg', id, 'm-a'],
          ],
        );
        assert.deepEqual(await s.getFace(faces[1].id), faces[1]);
        assert.deepEqual(await s.thumbnail(faces[0].id), thumb);
        assert.equal(await s.thumbnail(faces[1].id), undefined);
        assert.equal(await s.getFace(999999), undefined);

        // Changed content: same path, new hash, one face. Same photo id; old faces gone.
        const e2 = unit(rng);
        const id2 = await s.putPhoto(photo('sub/a.jpg', 2), [face(0, e2)]);
        assert.equal(id2, id);
        const after = await s.facesOfPhoto(id);
        assert.equal(after.length, 1);
        assert.deepEqual(after[0].embedding, e2);
        assert.equal(await s.getFace(faces[0].id), undefined);
        assert.equal(await s.thumbnail(faces[0].id), undefined, 'thumbnails go with their face');
        assert.equal((await s.getPhoto('sub/a.jpg'))!.hash, hash(2));
        const near = await s.findNearest(e0, { k: 10 });
        assert.deepEqual(
          near.map((x) => x.face.id),
          [after[0].id],
          'the replaced faces are not searchable',
        );
      } finally {
        await s.close();
      }
    });

    test('findNearest is exact: brute force order, ties by id, model filter, exclusions', async () => {
      const root = await photoRoot();
      const s = await open(await b.fresh(), { root });
      try {
        const rng = mulberry32(2);
        const all: { id: number; v: Float32Array; model: string }[] = [];
        for (let p = 0; p < 40; p++) {
          const faces = Array.from({ length: 1 + (p % 4) }, (_, i) =>
            face(i, unit(rng), p % 5 === 0 ? 'm-b' : 'm-a'),
          );
          if (p === 7) faces[1] = face(1, faces[0].embedding); // an exact tie within a photo
          const id = await s.putPhoto(photo(`p${String(p).padStart(2, '0')}.jpg`, p), faces);
          for (const f of await s.facesOfPhoto(id))
            all.push({ id: f.id, v: f.embedding, model: f.model });
        }
        for (let t = 0; t < 8; t++) {
          const q = t === 0 ? all[12].v : unit(rng);
          for (const [k, model] of [
            [1, undefined],
            [10, 'm-a'],
            [7, 'm-b'],
            [500, undefined],
          ] as const) {
            const got = await s.findNearest(q, { k, model });
            const want = bruteForce(all, q, k, model);
            assert.deepEqual(
              got.map((g) => g.face.id),
              want.map((w) => w.id),
              `k=${k} model=${model}`,
            );
            got.forEach((g, i) => assert.ok(Math.abs(g.distance - want[i].d) < 1e-5));
            for (const g of got) if (model) assert.equal(g.face.model, model);
          }
        }
        const tie = all.filter((f) => f.v === all.find((x) => x.id === f.id)!.v);
        assert.ok(tie.length > 0);
        const first = await s.findNearest(all[0].v, { k: 3, excludeFaceIds: [all[0].id] });
        assert.ok(!first.some((x) => x.face.id === all[0].id));
        assert.deepEqual(
          first.map((x) => x.face.id),
          bruteForce(all, all[0].v, 3, undefined, [all[0].id]).map((x) => x.id),
        );
        assert.deepEqual(await s.findNearest(all[0].v, { k: 0 }), []);
        assert.deepEqual(await s.findNearest(all[0].v, { k: 5, model: 'nope' }), []);
        await assert.rejects(s.findNearest(all[0].v, { k: -1 }), { code: 'E_BAD_OPTION' });
        await assert.rejects(s.findNearest(new Float32Array(8), { k: 1 }), {
          code: 'E_BAD_OPTION',
        });
        await assert.rejects(
          s.putPhoto(photo('x.jpg', 99), [face(0, new Float32Array(8).fill(0.3))]),
          {
            code: 'E_STORE',
          },
        );
        // Identical embeddings tie: nearest first by id.
        const p7 = (await s.facesOfPhoto((await s.getPhoto('p07.jpg'))!.id)).slice(0, 2);
        const tied = await s.findNearest(p7[0].embedding, { k: 2 });
        assert.deepEqual(
          tied.map((x) => x.face.id),
          [p7[0].id, p7[1].id],
        );
        assert.equal(tied[0].distance, 0);
        assert.equal(tied[1].distance, 0);
        const st = await s.stats();
        assert.deepEqual(st.models, ['m-a', 'm-b']);
        assert.equal(st.faces, all.length);
        // A deterministic spread, the same in both stores.
        const sample = await s.sampleEmbeddings(10, { model: 'm-a' });
        assert.equal(sample.length, 10);
        const ma = all.filter((f) => f.model === 'm-a').sort((x, y) => x.id - y.id);
        sample.forEach((v, i) => assert.deepEqual(v, ma[Math.floor((i * ma.length) / 10)].v));
        assert.equal((await s.sampleEmbeddings(10_000)).length, all.length);
        assert.deepEqual(await s.sampleEmbeddings(0), []);
      } finally {
        await s.close();
      }
    });

    test('failed and no-face photos, listing, deleting, statistics', async () => {
      const root = await photoRoot();
      const s = await open(await b.fresh(), { root });
      try {
        const rng = mulberry32(3);
        await s.putPhoto(photo('sub/deeper/ok.jpg', 1), [face(0, unit(rng)), face(1, unit(rng))]);
        await s.putPhoto(photo('sub/none.png', 2, 'no-face'), []);
        await s.putPhoto(photo('bad.jpg', 3, 'failed', 'not an image'), []);
        await s.putPhoto(photo('subway.jpg', 4, 'no-face'), []);
        assert.equal((await s.getPhoto('bad.jpg'))!.error, 'not an image');
        assert.deepEqual(await s.stats(), {
          photos: 4,
          withFaces: 1,
          faces: 2,
          failed: 1,
          noFace: 2,
          models: ['m-a'],
        });
        assert.deepEqual(
          (await s.listPhotos()).map((p) => p.path),
          ['bad.jpg', 'sub/deeper/ok.jpg', 'sub/none.png', 'subway.jpg'],
        );
        assert.deepEqual(
          (await s.listPhotos({ under: 'sub' })).map((p) => p.path),
          ['sub/deeper/ok.jpg', 'sub/none.png'],
        );
        assert.deepEqual(
          (await s.listPhotos({ under: join(root, 'sub', 'deeper') })).map((p) => p.path),
          ['sub/deeper/ok.jpg'],
        );
        // Inconsistent records are refused before anything is written.
        await assert.rejects(s.putPhoto(photo('x.jpg', 5, 'ok'), []), { code: 'E_BAD_OPTION' });
        await assert.rejects(s.putPhoto(photo('x.jpg', 5, 'no-face'), [face(0, unit(rng))]), {
          code: 'E_BAD_OPTION',
        });
        await assert.rejects(
          s.putPhoto({ ...photo('x.jpg', 5), hash: 'abc' }, [face(0, unit(rng))]),
          {
            code: 'E_BAD_OPTION',
          },
        );
        await assert.rejects(
          s.putPhoto(photo('x.jpg', 5), [face(0, unit(rng)), face(0, unit(rng))]),
          {
            code: 'E_BAD_OPTION',
          },
        );
        const nan = unit(rng);
        nan[3] = NaN;
        await assert.rejects(s.putPhoto(photo('x.jpg', 5), [face(0, nan)]), {
          code: 'E_BAD_OPTION',
        });
        assert.equal(await s.getPhoto('x.jpg'), undefined);
        // Delete: photo, faces and search entries go.
        const okId = (await s.getPhoto('sub/deeper/ok.jpg'))!.id;
        const okFaces = await s.facesOfPhoto(okId);
        assert.equal(await s.deletePhoto('sub/deeper/ok.jpg'), true);
        assert.equal(await s.deletePhoto('sub/deeper/ok.jpg'), false);
        assert.equal(await s.getFace(okFaces[0].id), undefined);
        assert.deepEqual(await s.findNearest(okFaces[0].embedding, { k: 5 }), []);
        assert.equal((await s.stats()).faces, 0);
      } finally {
        await s.close();
      }
    });

    test('one set of faces per content: linkPhoto shares them, every path is listed', async () => {
      const root = await photoRoot();
      const s = await open(await b.fresh(), { root });
      try {
        const rng = mulberry32(6);
        const e0 = unit(rng);
        const thumb = Uint8Array.from([0xff, 0xd8, 9]);
        const first = await s.putPhoto(photo('sub/x.jpg', 1), [
          face(0, e0, 'm-a', { thumbnail: thumb }),
        ]);
        // The same bytes at two more paths: recorded without faces of their own.
        const copy = await s.linkPhoto('a-copy.jpg', hash(1));
        await s.linkPhoto(join(root, 'sub', 'deeper', 'x.jpg'), hash(1));
        assert.notEqual(copy, first);
        const rec = (await s.getPhoto('a-copy.jpg'))!;
        assert.deepEqual(
          [rec.id, rec.hash, rec.size, rec.width, rec.height, rec.status],
          [copy, hash(1), 101, 640, 480, 'ok'],
          'a copy of the record',
        );
        assert.deepEqual(
          (await s.photosWithHash(hash(1))).map((p) => p.path),
          ['a-copy.jpg', 'sub/deeper/x.jpg', 'sub/x.jpg'],
        );
        const [f] = await s.facesOfPhoto(first);
        assert.deepEqual(await s.facesOfPhoto(copy), [f], 'the same face, not a second one');
        assert.deepEqual(f.paths, ['a-copy.jpg', 'sub/deeper/x.jpg', 'sub/x.jpg']);
        assert.deepEqual([f.path, f.photoId], ['a-copy.jpg', copy], 'the first path is its photo');
        assert.deepEqual(await s.getFace(f.id), f);
        assert.deepEqual(await s.thumbnail(f.id), thumb);
        const st = await s.stats();
        assert.deepEqual([st.photos, st.withFaces, st.faces], [3, 3, 1]);
        const near = await s.findNearest(e0, { k: 5 });
        assert.equal(near.length, 1, 'found once, with its paths');
        assert.deepEqual(near[0].face, f);

        // Deleting paths keeps the faces while one path still shows them.
        assert.equal(await s.deletePhoto('a-copy.jpg'), true);
        const [kept] = await s.facesOfPhoto(first);
        assert.equal(kept.id, f.id);
        assert.deepEqual(kept.paths, ['sub/deeper/x.jpg', 'sub/x.jpg']);
        // A path whose file changed leaves the shared content to the others.
        await s.putPhoto(photo('sub/deeper/x.jpg', 2), [face(0, unit(rng))]);
        assert.deepEqual((await s.getFace(f.id))!.paths, ['sub/x.jpg']);
        // The last path gone (here: no face any more), its faces and thumbnails go with it.
        await s.putPhoto(photo('sub/x.jpg', 1, 'no-face'), []);
        assert.equal(await s.getFace(f.id), undefined);
        assert.equal(await s.thumbnail(f.id), undefined);
        assert.deepEqual(await s.findNearest(e0, { k: 5, model: 'm-a' }).then((r) => r.length), 1);
        // 'no-face' content can be shared too; content the store does not hold cannot.
        await s.linkPhoto('blank-copy.jpg', hash(1));
        assert.equal((await s.getPhoto('blank-copy.jpg'))!.status, 'no-face');
        await assert.rejects(s.linkPhoto('nothing.jpg', hash(77)), { code: 'E_BAD_OPTION' });
        await assert.rejects(s.linkPhoto('bad.jpg', 'abc'), { code: 'E_BAD_OPTION' });
        await assert.rejects(s.linkPhoto('../out.jpg', hash(2)), { code: 'E_OUTSIDE_ROOT' });
        await s.putPhoto(photo('broken.jpg', 5, 'failed', 'not an image'), []);
        await assert.rejects(s.linkPhoto('broken-copy.jpg', hash(5)), { code: 'E_BAD_OPTION' });
        assert.equal(await s.getPhoto('nothing.jpg'), undefined);
      } finally {
        await s.close();
      }
    });

    test('a schema version 1 index is upgraded by its first writer; a reader says how', async () => {
      const root = await photoRoot();
      const db = await b.v1(root);
      await assert.rejects(
        open(db, { readonly: true }),
        (e: Error & { code?: string; fix?: string }) => {
          assert.equal(e.code, 'E_STORE');
          assert.match(e.message, /schema version 1/);
          assert.match(e.fix ?? '', /exprsim index .*--db .*upgrades it/);
          return true;
        },
      );
      const w = await open(db, { root });
      let upgradedIds: number[];
      try {
        const st = await w.stats();
        assert.deepEqual(
          [st.photos, st.withFaces, st.faces, st.noFace, st.models],
          [4, 3, 3, 1, ['m-1']],
          'the copy of a.jpg lost its duplicate face; every path stays',
        );
        const a = (await w.getPhoto('a.jpg'))!;
        const [fa] = await w.facesOfPhoto(a.id);
        assert.deepEqual(fa.paths, ['a.jpg', 'copy/a.jpg']);
        assert.deepEqual(fa.embedding, axis(0));
        assert.deepEqual(await w.thumbnail(fa.id), V1_PHOTOS[0].faces[0].thumbnail);
        assert.equal(await w.thumbnail(fa.id + 3), undefined, "the duplicate's thumbnail went");
        const near = await w.findNearest(axis(2), { k: 10 });
        assert.deepEqual(
          near.map((x) => [x.face.path, x.face.face]),
          [
            ['b.jpg', 1],
            ['a.jpg', 0],
            ['b.jpg', 0],
          ],
        );
        upgradedIds = near.map((x) => x.face.id).sort((x, y) => x - y);
        assert.deepEqual(upgradedIds, [1, 2, 3], 'face ids are kept');
        // New faces get new ids, past every id version 1 handed out (4, the dropped copy).
        const id = await w.putPhoto(photo('d.jpg', 9), [face(0, axis(3))]);
        const [fd] = await w.facesOfPhoto(id);
        assert.ok(fd.id > 4, `new face id ${fd.id}`);
      } finally {
        await w.close();
      }
      const r = await open(db, { readonly: true });
      try {
        assert.equal((await r.stats()).faces, 4);
        assert.deepEqual((await r.findNearest(axis(0), { k: 1 }))[0].face.paths, [
          'a.jpg',
          'copy/a.jpg',
        ]);
      } finally {
        await r.close();
      }
    });

    test('paths outside the root are refused with E_OUTSIDE_ROOT', async () => {
      const root = await photoRoot();
      const s = await open(await b.fresh(), { root });
      try {
        const rng = mulberry32(4);
        for (const p of ['../x.jpg', join(work, 'elsewhere.jpg'), 'sub/../../x.jpg']) {
          await assert.rejects(
            s.putPhoto(photo(p, 1), [face(0, unit(rng))]),
            { code: 'E_OUTSIDE_ROOT' },
            p,
          );
          await assert.rejects(s.getPhoto(p), { code: 'E_OUTSIDE_ROOT' });
          await assert.rejects(s.deletePhoto(p), { code: 'E_OUTSIDE_ROOT' });
        }
        await assert.rejects(s.listPhotos({ under: '..' }), { code: 'E_OUTSIDE_ROOT' });
        assert.equal((await s.stats()).photos, 0);
      } finally {
        await s.close();
      }
    });

    test('the root is stored on first open; later opens check it', async () => {
      const root = await photoRoot();
      const db = await b.fresh();
      await (await open(db, { root })).close();
      const again = await open(db, {});
      assert.equal(again.root, root);
      await again.close();
      const inner = await open(db, { root: join(root, 'sub') });
      assert.equal(inner.root, root, 'a folder inside the root keeps the root');
      await inner.close();
      await assert.rejects(open(db, { root: await photoRoot() }), { code: 'E_OUTSIDE_ROOT' });
      await assert.rejects(open(db, { root: join(root, 'missing') }), { code: 'E_FILE_NOT_FOUND' });
      await assert.rejects(
        open(await b.fresh(), {}),
        { code: 'E_STORE' },
        'a new store needs a root',
      );
    });

    test('one writer at a time (E_STORE_LOCKED names the pid); readers run alongside', async () => {
      const root = await photoRoot();
      const db = await b.fresh();
      const w = await open(db, { root });
      try {
        // Twice: a refused attempt must not release the holder's lock on its way out.
        for (let i = 0; i < 2; i++) {
          await assert.rejects(open(db, { root }), (e: Error & { code?: string }) => {
            assert.equal(e.code, 'E_STORE_LOCKED');
            assert.match(e.message, new RegExp(`process ${process.pid}\\b`));
            return true;
          });
        }
        const rng = mulberry32(5);
        const v = unit(rng);
        const r = await open(db, { readonly: true });
        try {
          assert.equal(r.readonly, true);
          assert.deepEqual(await r.findNearest(v, { k: 1 }), []);
          await w.putPhoto(photo('a.jpg', 1), [face(0, v)]);
          // The reader sees the writer's commit (SQLite: its cache is invalidated).
          const got = await r.findNearest(v, { k: 1 });
          assert.equal(got.length, 1);
          assert.equal(got[0].distance, 0);
          await w.putPhoto(photo('b.jpg', 2), [face(0, v)]);
          assert.equal((await r.findNearest(v, { k: 5 })).length, 2);
          await assert.rejects(r.putPhoto(photo('c.jpg', 3), [face(0, v)]), { code: 'E_STORE' });
          await assert.rejects(r.deletePhoto('a.jpg'), { code: 'E_STORE' });
        } finally {
          await r.close();
        }
      } finally {
        await w.close();
      }
      // Closed: the next writer gets in.
      await (await open(db, { root })).close();
    });

    test('a writer process killed with SIGKILL leaves no stale lock', async () => {
      const root = await photoRoot();
      const db = await b.fresh();
      await (await open(db, { root })).close();
      const script = `
        const { openStore } = await import(${JSON.stringify(new URL('./open-store.ts', import.meta.url).href)});
        await openStore(${JSON.stringify(db)}, { root: ${JSON.stringify(root)} });
        process.stdout.write('locked\\n');
        setInterval(() => {}, 1000);
      `;
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let err = '';
      child.stderr.on('data', (d) => (err += String(d)));
      await new Promise<void>((done, fail) => {
        child.stdout.on('data', (d) => String(d).includes('locked') && done());
        child.on('exit', () => fail(new Error(`child exited early: ${err}`)));
      });
      await assert.rejects(open(db, { root }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'E_STORE_LOCKED');
        assert.match(e.message, new RegExp(`process ${child.pid}\\b`));
        return true;
      });
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGKILL');
      await exited;
      // PostgreSQL notices the closed connection asynchronously; allow it a moment.
      let s: FaceStore | undefined;
      for (let i = 0; i < 50 && s === undefined; i++) {
        try {
          s = await open(db, { root });
        } catch (e) {
          if ((e as { code?: string }).code !== 'E_STORE_LOCKED') throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.ok(s, 'the lock was released when its process died');
      await s.close();
    });
  });
}

test('openStore: unknown schemes are refused, listing the valid ones', async () => {
  for (const loc of ['mysql://localhost/x', 'http://example.com/db', 's3://bucket/faces']) {
    await assert.rejects(openStore(loc), (e: Error & { code?: string; fix?: string }) => {
      assert.equal(e.code, 'E_UNKNOWN_NAME');
      assert.match(e.fix ?? '', /file:\/\/, postgres:\/\/, postgresql:\/\//);
      return true;
    });
  }
  await assert.rejects(openStore(''), { code: 'E_BAD_OPTION' });
});
