import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, removeDir } from '../../test/fixtures/images/helpers.js';
import { detectFiles } from './detect-files.js';

const FIXTURE = fileURLToPath(
  new URL('../../test/fixtures/detect/astronaut-256.jpg', import.meta.url),
);
let dir: string;
before(async () => {
  dir = await makeTempDir('exprsim-detect-files-');
});
after(() => removeDir(dir));

test('detectFiles: faces per file, rounded; unreadable files skipped and reported; annotations', async () => {
  const bad = join(dir, 'bad.png');
  await writeFile(bad, 'not an image');
  const skipped: string[] = [];
  const progress: number[] = [];
  const ann = join(dir, 'ann');
  const r = await detectFiles([FIXTURE, bad], {
    minFace: 30,
    annotate: ann,
    onSkip: (file) => skipped.push(file),
    onProgress: (e) => progress.push(e.done),
  });
  assert.equal(r.detector, 'mtcnn');
  assert.equal(r.config.minFaceSize, 30, 'minFace sets MTCNN minimum');
  assert.equal(r.config.minFaceRatio, 0, 'and drops its size ratio');
  assert.equal(r.failed, 1);
  assert.deepEqual(skipped, [bad]);
  assert.deepEqual(progress, [1, 2]);
  const [ok, no] = r.images;
  assert.equal(ok.width, 256);
  assert.equal(ok.faces?.length, 1);
  const f = ok.faces![0];
  assert.equal(f.score, Math.round(f.score * 1e4) / 1e4);
  assert.equal(f.box.x, Math.round(f.box.x * 100) / 100);
  assert.equal(no.faces, undefined);
  assert.match(no.error ?? '', /bad\.png/);
  assert.deepEqual(await readdir(ann), ['astronaut-256.jpg']);
});

test('detectFiles: an unknown detector fails before any file is read', async () => {
  await assert.rejects(detectFiles([FIXTURE], { detector: 'yolo' }), {
    code: 'E_UNKNOWN_NAME',
    option: 'detector',
  });
});
