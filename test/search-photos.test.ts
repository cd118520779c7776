// Acceptance: index the shared photo set, search by one face, get a stable ranking (the face
// itself first, at distance ~0). Needs ../shared/data/photos; skipped with the reason without it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveTestModel } from './fixtures/search/model.js';
import { runCli, sharedDataOrSkip } from './helpers.js';

const photos = sharedDataOrSkip('photos', 'indexing and searching the shared photos');

interface SearchJson {
  query: { faces: number; face: number };
  results: { rank: number; path: string; face: number; faceId: number; distance: number }[];
}

test(
  'index ../shared/data/photos, search by one face twice: same ranking, itself first',
  { skip: photos.skip },
  async () => {
    const work = await mkdtemp(join(tmpdir(), 'exprsim-search-photos-'));
    after(() => rm(work, { recursive: true, force: true }));
    const model = await saveTestModel(join(work, 'model'));
    const db = join(work, 'photos.sqlite');
    const images = (await readdir(photos.path)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f));

    const idx = await runCli(['--json', 'index', photos.path, '--db', db, '--model', model]);
    assert.equal(idx.code, 0, idx.stderr);
    const s = JSON.parse(idx.stdout) as {
      added: number;
      failed: number;
      faces: number;
      files: number;
    };
    assert.equal(s.files, images.length);
    assert.equal(s.added, images.length);
    assert.equal(s.failed, 0);
    // SOURCE.md counts 3,3,3,4,5,4 + 3 + 1 + 1 large faces (MTCNN also finds some small ones).
    assert.ok(s.faces >= 20, `${s.faces} faces`);

    const again = await runCli(['--json', 'index', photos.path, '--db', db, '--model', model]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { unchanged: number }).unchanged, images.length);

    const query = join(photos.path, 'sample1.jpg');
    const runs: SearchJson[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await runCli([
        '--json',
        'search',
        query,
        '--db',
        db,
        '--model',
        model,
        '-k',
        '10',
        '--face',
        '1',
      ]);
      assert.equal(r.code, 0, r.stderr);
      runs.push(JSON.parse(r.stdout) as SearchJson);
    }
    assert.deepEqual(runs[1].results, runs[0].results, 'the same ranking both times');
    const [first] = runs[0].results;
    assert.equal(runs[0].query.face, 1);
    assert.ok(runs[0].query.faces >= 3);
    assert.equal(first.path, 'sample1.jpg');
    assert.equal(first.face, 1);
    assert.ok(first.distance < 1e-4, `distance ${first.distance}`);
    assert.equal(runs[0].results.length, 10);
    for (let i = 1; i < 10; i++) {
      assert.ok(runs[0].results[i].distance >= runs[0].results[i - 1].distance);
    }
  },
);
