// exprsim frame / frameModel: a crop-trained model's framing is measured with a real detector on
// pasted crops, stored in model.json, and then frames photo faces found by that detector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  createDetector,
  createEmbedder,
  cropImage,
  frameModel,
  readImage,
  readModelManifest,
} from '../src/index.js';
import { FACE_PHOTO, saveTestModel } from './fixtures/search/model.js';
import { BIN } from './helpers.js';
import { spawnSync } from 'node:child_process';

const dir = await mkdtemp(join(tmpdir(), 'exprsim-frame-'));
test.after(() => rm(dir, { recursive: true, force: true }));

/** Face crops of the fixture photo, as a crop-trained model's training images would be. */
async function writeCrops(out: string): Promise<void> {
  await mkdir(out, { recursive: true });
  const photo = await readImage(FACE_PHOTO, { channels: 3 });
  const det = await createDetector('blazeface');
  const [face] = await det.detectFaces(photo);
  det.dispose();
  const side = Math.round(Math.max(face.box.width, face.box.height) * 1.1);
  const cx = face.box.x + face.box.width / 2;
  const cy = face.box.y + face.box.height / 2;
  const crop = cropImage(photo, {
    left: cx - side / 2,
    top: cy - side / 2,
    width: side,
    height: side,
  });
  const png = sharp(Buffer.from(crop.data), {
    raw: { width: crop.width, height: crop.height, channels: 3 },
  });
  await writeFile(join(out, 'a.png'), await png.clone().png().toBuffer());
  await writeFile(join(out, 'b.png'), await png.clone().flop().png().toBuffer());
  await writeFile(
    join(out, 'c.png'),
    await png.clone().modulate({ brightness: 1.1 }).png().toBuffer(),
  );
}

test('frameModel measures a detector framing, stores it, and photo faces are cut by it', async () => {
  const model = await saveTestModel(join(dir, 'model'));
  await writeCrops(join(dir, 'crops'));
  const before = await readFile(join(model, 'weights.bin'));
  const r = await frameModel({
    model,
    images: [join(dir, 'crops')],
    detectors: ['blazeface'],
    write: true,
  });
  assert.equal(r.images, 3);
  const [m] = r.detectors;
  assert.equal(m.detector, 'blazeface');
  assert.equal(m.missed + m.samples, 3);
  assert.ok(m.samples >= 2, 'the detector finds the pasted faces');
  // The crops were the box grown by 10% (longer side): the training crop is larger than the box.
  assert.ok(m.scale > 1 && m.scale < 1.6, String(m.scale));
  assert.ok(m.medianIoU > 0.6, String(m.medianIoU));
  const manifest = await readModelManifest(model);
  const crop = (manifest.preprocess as { crop: { framing?: Record<string, unknown> } }).crop;
  assert.deepEqual(crop.framing, { blazeface: { dx: m.dx, dy: m.dy, scale: m.scale } });
  assert.deepEqual(await readFile(join(model, 'weights.bin')), before, 'weights untouched');

  const embedder = await createEmbedder(model);
  try {
    const photo = await readImage(FACE_PHOTO, { channels: 3 });
    const det = await createDetector('blazeface');
    const [face] = await det.detectFaces(photo);
    det.dispose();
    const framed = await embedder.prepareFace(photo, face, { detector: 'blazeface' });
    const margin = await embedder.prepareFace(photo, face, {});
    const otherDetector = await embedder.prepareFace(photo, face, { detector: 'mtcnn' });
    assert.notDeepEqual(framed.data, margin.data, 'blazeface boxes are framed as measured');
    assert.deepEqual(
      otherDetector.data,
      margin.data,
      'a detector without a framing keeps the margin',
    );
  } finally {
    embedder.dispose();
  }
});

test('exprsim frame on a missing model fails in one line naming it', () => {
  const r = spawnSync(
    process.execPath,
    [BIN, 'frame', FACE_PHOTO, '--model', join(dir, 'nope'), '--count', '0'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nope/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
