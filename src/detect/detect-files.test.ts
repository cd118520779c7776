import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, removeDir } from '../../test/fixtures/images/helpers.js';
import sharp from 'sharp';
import type { ExprsimError } from '../core/errors.js';
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

test('detectFiles: a photo too big for the smallest face asked is skipped naming the file, the limit and `minFace`', async () => {
  // 6000x5000 with 4-px faces aborted the process (MTCNN: a 270-Mpx P-Net level; Viola-Jones: a
  // 30-Mpx scan in OpenCV's 2 GB heap). Now each refuses it and the other files go on.
  const big = join(dir, 'big.jpg');
  await sharp({ create: { width: 6000, height: 5000, channels: 3, background: '#7a6a5a' } })
    .jpeg()
    .toFile(big);
  const cases: [string, RegExp, number][] = [
    ['mtcnn', /needs a 270\.0 Mpx P-Net level, over MTCNN's limit of 32\.0 Mpx/, 12],
    ['viola-jones', /scans 30\.0 Mpx, over Viola-Jones's limit of 20\.0 Mpx/, 30],
  ];
  for (const [detector, message, smallest] of cases) {
    const errors: ExprsimError[] = [];
    const r = await detectFiles([big, FIXTURE], {
      detector,
      minFace: 4,
      onSkip: (_file, e) => errors.push(e),
    });
    assert.equal(r.failed, 1, detector);
    assert.equal(errors.length, 1);
    const e = errors[0];
    assert.equal(e.code, 'E_IMAGE_TOO_LARGE');
    assert.equal(e.input, big);
    assert.equal(e.option, 'minFace');
    assert.match(e.message, /^6000x5000 image: looking for faces down to \d+ px /);
    assert.match(e.message, message);
    assert.equal(
      e.fix,
      `look for faces of ${smallest} px or more (\`minFace\`), or crop the image`,
    );
    assert.equal(r.images[0].error, e.toLine());
    assert.ok(r.images[1].faces !== undefined, 'the next file is still read');
  }
});
