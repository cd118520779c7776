import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { startPostgres } from '../../test/fixtures/search/postgres.js';
import { FACE_PHOTO, saveTestModel, writeFacePhotos } from '../../test/fixtures/search/model.js';
import { removeTree, tooLongFolder } from '../../test/fixtures/unprivileged.js';
import { createDetector } from '../detect/registry.js';
import { createEmbedder } from '../embed/face-embedder.js';
import type { ProgressEvent } from '../core/progress.js';
import { indexPhotos, type IndexSummary } from './index-photos.js';
import { modelVersion } from './model-version.js';
import { openStore } from './open-store.js';
import { searchByFace, searchByImage } from './query.js';

const work = await mkdtemp(join(tmpdir(), 'exprsim-index-'));
after(() => removeTree(work));
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
  copies: s.copies,
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
    // face-0.jpg and sub/deep-0.jpg are both the face fixture, byte for byte: embedded once.
    assert.deepEqual(counts(first), {
      added: 5,
      copies: 1,
      changed: 0,
      unchanged: 0,
      removed: 0,
      failed: 0,
      noFace: 1,
      faces: 3,
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
      copies: 0,
      changed: 0,
      unchanged: 5,
      removed: 0,
      failed: 0,
      noFace: 0,
      faces: 0,
    });

    // One new file, one changed (other content at the same path), one deleted. Both the new and
    // the changed file have the content of another indexed photo: recorded, not embedded.
    await copyFile(FACE_PHOTO, join(root, 'sub', 'new.jpg'));
    await copyFile(join(root, 'face-2.jpg'), join(root, 'face-1.jpg'));
    await rm(join(root, 'face-0.jpg'));
    const third = await indexPhotos(root, store, tools);
    assert.deepEqual(counts(third), {
      added: 1,
      copies: 2,
      changed: 1,
      unchanged: 3,
      removed: 1,
      failed: 0,
      noFace: 0,
      faces: 0,
    });
    const stats = await store.stats();
    assert.equal(stats.photos, 5, 'one record per file, never two');
    assert.equal(stats.faces, 2, 'one set of faces per content');
    assert.equal(await store.getPhoto('face-0.jpg'), undefined);
    const f1 = (await store.getPhoto('face-1.jpg'))!;
    const f2 = (await store.getPhoto('face-2.jpg'))!;
    assert.equal(f1.hash, f2.hash);
    const [shared] = await store.facesOfPhoto(f1.id);
    assert.deepEqual(await store.facesOfPhoto(f2.id), [shared]);
    assert.deepEqual(shared.paths, ['face-1.jpg', 'face-2.jpg']);

    // Another model version redoes every content with faces, once for all its paths.
    const other = await indexPhotos(root, store, { ...tools, model: 'other-version' });
    assert.deepEqual([other.changed, other.faces], [2, 2]);
    assert.equal(other.unchanged, 3, 'the no-face photo and the second path of each content');
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
      copies: 0,
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

test('the same photo at two paths is embedded once; search lists both paths', async () => {
  const root = await folder();
  const [, b] = await writeFacePhotos(root, 2);
  await mkdir(join(root, 'backup'));
  await copyFile(b, join(root, 'backup', 'face-1.jpg'));
  const store = await openStore(join(work, `db-${n}.sqlite`), { root });
  try {
    const s = await indexPhotos(root, store, tools);
    assert.deepEqual([s.added, s.copies, s.faces], [3, 1, 2]);
    assert.equal((await store.stats()).faces, 2, 'one set of faces per content');
    const r = await searchByImage(store, b, { ...tools, k: 5 });
    assert.equal(r.neighbours.length, 2, 'the copy is not a second, identical result');
    assert.deepEqual(r.neighbours[0].face.paths, ['backup/face-1.jpg', 'face-1.jpg']);
    assert.deepEqual(r.neighbours[1].face.paths, ['face-0.jpg']);
    const id = r.neighbours[0].face.id;
    // The first path goes: the face stays, under the other path, with the same id.
    await rm(join(root, 'backup'), { recursive: true });
    const again = await indexPhotos(root, store, tools);
    assert.deepEqual([again.removed, again.faces, again.unchanged], [1, 0, 2]);
    assert.deepEqual((await store.getFace(id))!.paths, ['face-1.jpg']);
  } finally {
    await store.close();
  }
});

test('a photo that cannot be read again keeps its record and faces, and is reported', async () => {
  const root = await folder();
  await writeFacePhotos(root, 2);
  const store = await openStore(join(work, `db-${n}.sqlite`), { root });
  try {
    await indexPhotos(root, store, tools);
    const before = (await store.getPhoto('face-1.jpg'))!;
    const faces = await store.facesOfPhoto(before.id);
    assert.equal(faces.length, 1);
    // Between the walk and the read, face-1.jpg stops being a readable file (EISDIR): as a file
    // on a share that drops, or one being replaced, it fails to read this time.
    const s = await indexPhotos(root, store, {
      ...tools,
      onProgress: (e) => {
        if (e.done === 1) {
          rmSync(join(root, 'face-1.jpg'));
          mkdirSync(join(root, 'face-1.jpg'));
        }
      },
    });
    assert.equal(s.failed, 1);
    assert.equal(s.failures[0].path, 'face-1.jpg');
    assert.match(s.failures[0].error, /cannot read the file: .*kept its record from the last run/);
    assert.deepEqual([s.changed, s.removed], [0, 0]);
    assert.deepEqual(await store.getPhoto('face-1.jpg'), before, 'the record is untouched');
    assert.deepEqual(await store.facesOfPhoto(before.id), faces, 'and so are its faces');
  } finally {
    await store.close();
  }
});

test('an unreadable subfolder and broken symlinks are reported; the run goes on', async () => {
  const root = await folder();
  await writeFacePhotos(join(root, 'a'), 1);
  await writeFacePhotos(join(root, 'z'), 1);
  tooLongFolder(join(root, 'a'));
  await symlink(join(root, 'gone.jpg'), join(root, 'dangling.jpg'));
  await symlink('loop.jpg', join(root, 'loop.jpg'));
  const store = await openStore(join(work, `db-${n}.sqlite`), { root });
  try {
    const s = await indexPhotos(root, store, tools);
    // a/face-0.jpg and z/face-0.jpg are the same file: one embedding.
    assert.deepEqual([s.files, s.added, s.copies, s.faces], [2, 2, 1, 1], 'the readable ones');
    assert.equal(s.failed, 3);
    assert.equal(s.failures.length, 3);
    const byPath = new Map(s.failures.map((f) => [f.path, f.error]));
    assert.match(byPath.get('dangling.jpg') ?? '', /broken symlink .*gone\.jpg.*does not exist/);
    assert.match(byPath.get('loop.jpg') ?? '', /symlink loop/);
    const folderFailure = s.failures.find((f) => f.path.startsWith('a/d'));
    assert.ok(folderFailure, JSON.stringify(s.failures.map((f) => f.path.slice(0, 20))));
    assert.match(folderFailure.error, /cannot read the folder: ENAMETOOLONG.*shallower/);
  } finally {
    await store.close();
  }
});
