import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { makeTempDir, removeDir } from './fixtures/images/helpers.js';
import { runCliSync } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/detect/astronaut-256.jpg', import.meta.url));
let dir: string;
before(async () => {
  dir = await makeTempDir('exprsim-detect-cli-');
});
after(() => removeDir(dir));

test('exprsim detect --json: faces per image, bad files reported and skipped, annotations', async () => {
  const bad = join(dir, 'bad.jpg');
  await writeFile(bad, 'not a jpeg at all');
  const ann = join(dir, 'ann');
  const r = runCliSync(['--json', 'detect', FIXTURE, bad, '--annotate', ann]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    detector: string;
    images: { file: string; faces?: { box: { x: number; width: number } }[]; error?: string }[];
  };
  assert.equal(out.detector, 'mtcnn');
  assert.equal(out.images[0].faces?.length, 1);
  assert.ok(out.images[0].faces![0].box.x > 80 && out.images[0].faces![0].box.x < 100);
  assert.match(out.images[1].error ?? '', /bad\.jpg: not an image/);
  assert.deepEqual(await readdir(ann), ['astronaut-256.jpg']);
});

test('exprsim detect: an unknown detector is one line naming the valid ones, exit 1', () => {
  const r = runCliSync(['detect', '--detector', 'yolo', FIXTURE]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown detector "yolo".*mtcnn, viola-jones, blazeface/);
});

test('exprsim detect big.jpg --min-face 4: refused in one line naming the file and --min-face, exit 1 (no abort)', async () => {
  const big = join(dir, 'big.jpg');
  await sharp({ create: { width: 6000, height: 5000, channels: 3, background: '#556677' } })
    .jpeg()
    .toFile(big);
  const r = runCliSync(['detect', big, '--min-face', '4']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.signal, null);
  assert.equal(
    r.stderr,
    `exprsim: skipped ${big}: 6000x5000 image: looking for faces down to 4 px needs a 270.0 Mpx P-Net level, ` +
      "over MTCNN's limit of 32.0 Mpx (look for faces of 12 px or more (`--min-face`), or crop the image)\n",
  );
  assert.match(r.stdout, /1 of 1 images skipped/);
});

test('exprsim detect --min-face: below the detector’s real minimum is refused before the engine starts, naming it', () => {
  const r = runCliSync(['detect', FIXTURE, '--min-face', '1']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stderr,
    'exprsim: `--min-face` 1: mtcnn looks for faces of 4 to 1000000 px (pass `--min-face` 4 or more)\n',
  );
  // Viola-Jones shrinks its window to any size: 1 px is its minimum, and passes the check.
  const vj = runCliSync([
    '--json',
    'detect',
    FIXTURE,
    '--min-face',
    '1',
    '--detector',
    'viola-jones',
  ]);
  assert.doesNotMatch(vj.stderr, /looks for faces of/);
  // The help says each detector's minimum.
  assert.match(runCliSync(['detect', '--help']).stdout, /at least: mtcnn 4,\s+viola-jones 1/);
});

test('exprsim detect --max-pixels: the limit and its hint are the CLI flag, not a library call', () => {
  const r = runCliSync(['detect', FIXTURE, '--max-pixels', '1000']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /skipped .*astronaut-256\.jpg: 256x256 is 65536 pixels, over the limit of 1000 pixels \(downscale the image, or if it is trusted pass `--max-pixels` 65536 or more\)/,
  );
  assert.doesNotMatch(r.stderr, /readImage|maxPixels/);
  const ok = runCliSync([
    '--json',
    'detect',
    FIXTURE,
    '--max-pixels',
    '65536',
    '--fail-on',
    'truncated',
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(
    (JSON.parse(ok.stdout) as { images: { faces: unknown[] }[] }).images[0].faces.length,
    1,
  );
});
