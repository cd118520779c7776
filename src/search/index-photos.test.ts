import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { startPostgres } from '../../test/fixtures/search/postgres.js';
import { FACE_PHOTO, saveTestModel, writeFacePhotos } from '../../test/fixtures/search/model.js';
import { createDetector } from '../detect/registry.js';
import { createEmbedder } from '../embed/face-embedder.js';
import type { ProgressEvent } from '../core/progress.js';
import { indexPhotos, type IndexSummary } from './index-photos.js';
import { modelVersion } from './model-version.js';
import { openStore } from './open-store.js';
import { searchByFace, searchByImage } from './query.js';

const work = await mkdtemp(join(tmpdir(), 'exprsim-index-'));
after(() => rm(work, { recursive: true, force: true }));
const modelDir = await saveTestModel(join(work, 'model'));
const embedder = await createEmbedder(modelDir);
after(() => embedder.dispose());
const detector = await createDetector('mtcnn');
after(() => detector.dispose());
const tools = { embedder, detector };

let n = 0;
async function folder(): Promise<string> {
  const dir = join(work, `photos-${++n}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

const counts = (s: IndexSummary) => ({
  added: s.added,
  changed: s.changed,
  unchanged: s.unchanged,
  removed: s.removed,
  failed: s.failed,
  noFace: s.noFace,
  faces: s.faces,
});

async function noFacePhoto(path: string): Promise<void> {
  const w = 160;
  const data = Buffer.alloc(w * w * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
  await sharp(data, { raw: { width: w, height: w, channels: 3 } })
    .blur(3)
    .jpeg()
    .toFile(path);
}

test('indexing is incremental: new, changed, unchanged and deleted files', async () => {
  const root = await folder();
  await writeFacePhotos(root, 3);
  await writeFacePhotos(join(root, 'sub'), 1, 'deep');
  await noFacePhoto(join(root, 'plain.jpg'));
  await writeFile(join(root, 'notes.txt'), 'not a photo: ignored by extension');
  const db = join(work, `db-${n}.sqlite`);
  const store = await openStore(db, { root });
  try {
    const events: ProgressEvent[] = [];
    const first = await indexPhotos(root, store, { ...tools, onProgress: (e) => events.push(e) });
    assert.deepEqual(counts(first), {
      added: 5,
      changed: 0,
      unchanged: 0,
      removed: 0,
      failed: 0,
      noFace: 1,
      faces: 4,
    });
    assert.equal(first.files, 5);
    assert.equal(first.model, modelVersion(embedder.model));
    assert.deepEqual(events.at(-1), { done: 5, total: 5, label: 'index' });
    assert.equal(events[0].done, 0);
    const photo = (await store.getPhoto('sub/deep-0.jpg'))!;
    assert.equal(photo.status, 'ok');
    const [face] = await store.facesOfPhoto(photo.id);
    assert.equal(face.embedding.length, 16);
    assert.ok(Math.abs(Math.hypot(...face.embedding) - 1) < 1e-4);
    assert.equal(face.landmarks?.length, 5, 'MTCNN gives five landmarks');
    assert.equal(face.model, first.model);
    const thumb = await store.thumbnail(face.id);
    const meta = await sharp(thumb!).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 96, 96]);
    assert.equal((await store.getPhoto('plain.jpg'))!.status, 'no-face');

    const second = await indexPhotos(root, store, tools);
    assert.deepEqual(counts(second), {
      added: 0,
      changed: 0,
      unchanged: 5,
      removed: 0,
      failed: 0,
      noFace: 0,
      faces: 0,
    });

    // One new file, one changed (other content at the same path), one deleted.
    await copyFile(FACE_PHOTO, join(root, 'sub', 'new.jpg'));
    await copyFile(join(root, 'face-2.jpg'), join(root, 'face-1.jpg'));
    await rm(join(root, 'face-0.jpg'));
    const third = await indexPhotos(root, store, tools);
    assert.deepEqual(counts(third), {
      added: 1,
      changed: 1,
      unchanged: 3,
      removed: 1,
      failed: 0,
      noFace: 0,
      faces: 2,
    });
    const stats = await store.stats();
    assert.equal(stats.photos, 5, 'one record per file, never two');
    assert.equal(stats.faces, 4);
    assert.equal(await store.getPhoto('face-0.jpg'), undefined);
    const h1 = (await store.getPhoto('face-1.jpg'))!.hash;
    assert.equal(h1, (await store.getPhoto('face-2.jpg'))!.hash);

    // Another model version redoes every photo with faces.
    const other = await indexPhotos(root, store, { ...tools, model: 'other-version' });
    assert.equal(other.changed, 4);
    assert.equal(other.unchanged, 1, 'the no-face photo needs no embedding');
    assert.deepEqual((await store.stats()).models, ['other-version']);
  } finally {
    await store.close();
  }
});

test('bad files are recorded as failed with the reason, not fatal, and not retried unchanged', async () => {
  const root = await folder();
  await writeFacePhotos(root, 1);
  await writeFile(join(root, 'text.jpg'), 'this is not a JPEG');
  await writeFile(join(root, 'empty.png'), '');
  const jpeg = await readFile(FACE_PHOTO);
  await writeFile(join(root, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  const store = await openStore(join(work, `db-${n}.sqlite`), { root });
  try {
    const s = await indexPhotos(root, store, tools);
    assert.deepEqual(counts(s), {
      added: 4,
      changed: 0,
      unchanged: 0,
      removed: 0,
      failed: 3,
      noFace: 0,
      faces: 1,
    });
    const reasons = Object.fromEntries(s.failures.map((f) => [f.path, f.error]));
    assert.match(reasons['text.jpg'], /not an image/);
    assert.match(reasons['empty.png'], /empty/);
    assert.match(reasons['truncated.jpg'], /truncated|damaged|corrupt|premature/i);
    for (const p of ['text.jpg', 'empty.png', 'truncated.jpg']) {
      const rec = (await store.getPhoto(p))!;
      assert.equal(rec.status, 'failed');
      assert.equal(rec.error, reasons[p]);
    }
    const again = await indexPhotos(root, store, tools);
    assert.equal(again.unchanged, 4);
    assert.equal(again.failed, 0);
    // Fixed file: indexed properly.
    await copyFile(FACE_PHOTO, join(root, 'truncated.jpg'));
    const fixed = await indexPhotos(root, store, tools);
    assert.equal(fixed.changed, 1);
    assert.equal((await store.getPhoto('truncated.jpg'))!.status, 'ok');
  } finally {
    await store.close();
  }
});

test('folders and symlinks outside the root are refused (E_OUTSIDE_ROOT)', async () => {
  const root = await folder();
  const outside = await folder();
  await writeFacePhotos(join(root, 'inner'), 1);
  await writeFacePhotos(outside, 1);
  await symlink(join(outside, 'face-0.jpg'), join(root, 'escape.jpg'));
  const store = await openStore(join(work, `db-${n}.sqlite`), { root });
  try {
    await assert.rejects(indexPhotos(outside, store, tools), { code: 'E_OUTSIDE_ROOT' });
    const s = await indexPhotos(root, store, tools);
    assert.equal(s.files, 1);
    assert.equal(s.failures.length, 1);
    assert.match(s.failures[0].error, /outside/);
    assert.equal(await store.getPhoto('escape.jpg'), undefined);
    // A folder inside the root: only that folder is walked and pruned.
    await writeFacePhotos(join(root, 'other'), 1);
    const inner = await indexPhotos(join(root, 'other'), store, tools);
    assert.deepEqual([inner.added, inner.removed, inner.files], [1, 0, 1]);
    assert.ok(await store.getPhoto('inner/face-0.jpg'), 'untouched outside the folder walked');
    const ro = await openStore(join(work, `db-${n}.sqlite`), { readonly: true });
    await assert.rejects(indexPhotos(root, ro, tools), { code: 'E_STORE' });
    await ro.close();
  } finally {
    await store.close();
  }
});

test('an aborted run keeps what it finished; the next run continues', async () => {
  const root = await folder();
  await writeFacePhotos(root, 4);
  const store = await openStore(join(work, `db-${n}.sqlite`), { root });
  try {
    const ctl = new AbortController();
    const s = await indexPhotos(root, store, {
      ...tools,
      signal: ctl.signal,
      onProgress: (e) => e.done === 2 && ctl.abort(),
    });
    assert.equal(s.interrupted, true);
    assert.equal(s.added, 2);
    assert.equal(s.removed, 0);
    const rest = await indexPhotos(root, store, tools);
    assert.deepEqual([rest.unchanged, rest.added, rest.interrupted], [2, 2, false]);
  } finally {
    await store.close();
  }
});

test('search: a photo finds its own face first at distance ~0; same ranking in PostgreSQL', async () => {
  const root = await folder();
  const files = await writeFacePhotos(root, 6);
  const store = await openStore(join(work, `db-${n}.sqlite`), { root });
  try {
    await indexPhotos(root, store, tools);
    const r = await searchByImage(store, files[2], { ...tools, k: 4 });
    assert.equal(r.query.faces, 1);
    assert.equal(r.neighbours.length, 4);
    assert.equal(r.neighbours[0].face.path, 'face-2.jpg');
    assert.ok(r.neighbours[0].distance < 1e-4, `distance ${r.neighbours[0].distance}`);
    const again = await searchByImage(store, await readFile(files[2]), { ...tools, k: 4 });
    assert.deepEqual(
      again.neighbours.map((x) => x.face.id),
      r.neighbours.map((x) => x.face.id),
    );
    const byFace = await searchByFace(store, r.neighbours[0].face.id, { k: 3, excludeSelf: true });
    assert.deepEqual(
      byFace.map((x) => x.face.id),
      r.neighbours.slice(1, 4).map((x) => x.face.id),
    );
    await assert.rejects(searchByImage(store, files[2], { ...tools, face: 3 }), {
      code: 'E_BAD_OPTION',
    });
    const blank = join(work, 'blank.jpg');
    await noFacePhoto(blank);
    await assert.rejects(searchByImage(store, blank, tools), { code: 'E_NO_FACE' });

    const pg = await startPostgres();
    if (pg.skip) return;
    try {
      const pgStore = await openStore(await pg.server!.createDatabase(), { root });
      try {
        await indexPhotos(root, pgStore, tools);
        const p = await searchByImage(pgStore, files[2], { ...tools, k: 6 });
        const s = await searchByImage(store, files[2], { ...tools, k: 6 });
        assert.deepEqual(
          p.neighbours.map((x) => x.face.path),
          s.neighbours.map((x) => x.face.path),
        );
        p.neighbours.forEach((x, i) =>
          assert.ok(Math.abs(x.distance - s.neighbours[i].distance) < 1e-5),
        );
      } finally {
        await pgStore.close();
      }
    } finally {
      await pg.server!.stop();
    }
  } finally {
    await store.close();
  }
});
