// The sample collection `npm start` serves: the shipped photos, their written provenance, and
// the index built on first use, reused after, rebuilt when its cache cannot be used.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDetector } from '../detect/registry.js';
import { createEmbedder } from '../embed/face-embedder.js';
import { saveTestModel } from '../../test/fixtures/search/model.js';
import { openSampleIndex, SAMPLE_INDEX, SAMPLE_PHOTOS } from './sample.js';

const dir = await mkdtemp(join(tmpdir(), 'exprsim-sample-'));
after(() => rm(dir, { recursive: true, force: true }));

const photoNames = async (dir: string) =>
  (await readdir(dir)).filter((n) => /\.(jpe?g|png|webp)$/i.test(n));

test('the sample photos are small, and each has its provenance in SOURCE.md', async () => {
  const names = await photoNames(SAMPLE_PHOTOS);
  assert.ok(names.length >= 40, `${names.length} sample photos`);
  const source = await readFile(join(SAMPLE_PHOTOS, 'SOURCE.md'), 'utf8');
  let total = 0;
  for (const n of names) {
    assert.ok(source.includes(`\`${n}\``), `${n} is described in SOURCE.md`);
    const { size } = await stat(join(SAMPLE_PHOTOS, n));
    assert.ok(size < 200_000, `${n} is small`);
    total += size;
  }
  assert.ok(total < 3_000_000, `the collection is ${total} bytes`);
  assert.match(source, /licen[cs]e/i);
  assert.ok(SAMPLE_INDEX.includes(`${join('.cache', 'sample-index.sqlite')}`));
});

test(
  'openSampleIndex builds once, reuses the cache, and rebuilds one made for another folder',
  { timeout: 180_000 },
  async () => {
    await saveTestModel(join(dir, 'model'));
    const embedder = await createEmbedder(join(dir, 'model'));
    const detector = await createDetector('mtcnn');
    after(() => {
      detector.dispose();
      embedder.dispose();
    });
    const photos = join(dir, 'photos');
    await cp(SAMPLE_PHOTOS, photos, { recursive: true });
    const count = (await photoNames(photos)).length;
    const location = join(dir, 'cache', 'sample.sqlite');

    const first = await openSampleIndex({ embedder, detector, photos, location });
    assert.equal(first.summary.added, count);
    assert.equal(first.store.readonly, true);
    // The collection promises at least 40 faces to search among (SOURCE.md: one per photo).
    const faces = (await first.store.stats()).faces;
    assert.ok(faces >= 40, `${faces} faces found`);
    await first.store.close();

    const again = await openSampleIndex({ embedder, detector, photos, location });
    assert.equal(again.summary.unchanged, count);
    assert.equal(again.summary.added, 0);
    await again.store.close();

    // The checkout moved: the cache names a folder that is not this one, so it is rebuilt.
    const moved = join(dir, 'moved');
    await cp(photos, moved, { recursive: true });
    const rebuilt = await openSampleIndex({ embedder, detector, photos: moved, location });
    assert.equal(rebuilt.summary.added, count);
    assert.equal((await rebuilt.store.stats()).faces, faces);
    await rebuilt.store.close();
    assert.ok(existsSync(location));
  },
);
