// Detectors on real images: the repo's public-domain fixture (NASA's astronaut photo, 256 px) and
// bad inputs generated with sharp into a temporary directory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { readImage } from '../image/read.js';
import type { DecodedImage } from '../image/types.js';
import { makeTempDir, removeDir } from '../../test/fixtures/images/helpers.js';
import { createDetector, DETECTOR_NAMES } from './registry.js';
import { iou } from './geometry.js';
import type { Detector, DetectorName } from '../core/face.js';

const FIXTURE = fileURLToPath(
  new URL('../../test/fixtures/detect/astronaut-256.jpg', import.meta.url),
);
/** The astronaut's face in the 256-px fixture, marked by hand (brow to chin, ear to ear). */
const FACE = { x: 88, y: 32, width: 46, height: 56 };

let img: DecodedImage;
let dir: string;
const detectors = new Map<DetectorName, Detector>();

before(async () => {
  img = await readImage(FIXTURE);
  dir = await makeTempDir('exprsim-detect-');
  for (const name of DETECTOR_NAMES) detectors.set(name, await createDetector(name));
});
after(async () => {
  for (const d of detectors.values()) d.dispose();
  await removeDir(dir);
});

for (const name of DETECTOR_NAMES) {
  describe(name, () => {
    test('finds the one face in the astronaut photo', async () => {
      const faces = await detectors.get(name)!.detectFaces(img);
      assert.equal(faces.length, 1, JSON.stringify(faces));
      assert.ok(
        iou(faces[0].box, FACE) >= 0.5,
        `IoU ${iou(faces[0].box, FACE)} ${JSON.stringify(faces[0].box)}`,
      );
      assert.ok(faces[0].score > 0 && faces[0].score <= 1);
      if (name !== 'viola-jones') {
        const l = faces[0].landmarks!;
        assert.ok(l.leftEye!.x < l.rightEye!.x, 'left eye left of right eye');
        assert.ok(l.nose!.y > l.leftEye!.y, 'nose below the eyes');
      }
    });

    test('boxes scale with the image (rescaled 1.5x)', async () => {
      const big = await readImage(await sharp(FIXTURE).resize(384, 384).png().toBuffer());
      const [a] = await detectors.get(name)!.detectFaces(img);
      const [b] = await detectors.get(name)!.detectFaces(big);
      const scaled = {
        x: b.box.x / 1.5,
        y: b.box.y / 1.5,
        width: b.box.width / 1.5,
        height: b.box.height / 1.5,
      };
      assert.ok(iou(a.box, scaled) > 0.75, `IoU ${iou(a.box, scaled)}`);
    });

    test('no face in a smooth gradient, none in a 20-px image', async () => {
      const data = new Uint8Array(200 * 150 * 3).map((_, i) => (i * 7) % 251);
      const noise = { data, width: 200, height: 150, channels: 3 as const };
      const d = detectors.get(name)!;
      const grad = await readImage(
        await sharp({ create: { width: 300, height: 200, channels: 3, background: '#7080a0' } })
          .png()
          .toBuffer(),
      );
      assert.deepEqual(await d.detectFaces(grad), []);
      assert.ok((await d.detectFaces(noise)).length <= 1);
      const tiny = await readImage(await sharp(FIXTURE).resize(20, 20).png().toBuffer());
      assert.ok(Array.isArray(await d.detectFaces(tiny)));
    });
  });
}

test('grey, RGBA, 16-bit and CMYK files give the same face (mtcnn)', async () => {
  const d = detectors.get('mtcnn')!;
  const [ref] = await d.detectFaces(img);
  const files = {
    grey: await sharp(FIXTURE).greyscale().jpeg().toBuffer(),
    rgba: await sharp(FIXTURE).ensureAlpha(1).png().toBuffer(),
    png16: await sharp(FIXTURE).toColourspace('rgb16').png().toBuffer(),
    cmyk: await sharp(FIXTURE).toColourspace('cmyk').jpeg().toBuffer(),
  };
  for (const [kind, bytes] of Object.entries(files)) {
    const path = join(dir, `${kind}.${kind.startsWith('png') || kind === 'rgba' ? 'png' : 'jpg'}`);
    await writeFile(path, bytes);
    const faces = await d.detectFaces(path);
    assert.equal(faces.length, 1, kind);
    assert.ok(iou(faces[0].box, ref.box) > 0.7, `${kind}: IoU ${iou(faces[0].box, ref.box)}`);
  }
});

test('an 8000-px wide photo is reduced first and its face found (mtcnn)', async () => {
  const face = await sharp(FIXTURE).resize(600, 600).png().toBuffer();
  const bytes = await sharp({
    create: { width: 8000, height: 1000, channels: 3, background: '#404040' },
  })
    .composite([{ input: face, left: 5000, top: 200 }])
    .jpeg()
    .toBuffer();
  const faces = await detectors.get('mtcnn')!.detectFaces(bytes);
  assert.equal(faces.length, 1);
  const expected = {
    x: 5000 + FACE.x * (600 / 256),
    y: 200 + FACE.y * (600 / 256),
    width: FACE.width * (600 / 256),
    height: FACE.height * (600 / 256),
  };
  assert.ok(iou(faces[0].box, expected) > 0.5, JSON.stringify(faces[0].box));
});

test('a corrupt file is a typed decode error', async () => {
  const good = await sharp(FIXTURE).jpeg().toBuffer();
  const path = join(dir, 'cut.jpg');
  await writeFile(path, good.subarray(0, Math.floor(good.length / 2)));
  await assert.rejects(detectors.get('mtcnn')!.detectFaces(path), { code: 'E_IMAGE_DECODE' });
  await assert.rejects(detectors.get('viola-jones')!.detectFaces(join(dir, 'missing.jpg')), {
    code: 'E_FILE_NOT_FOUND',
  });
});

test('tensor detectors free every tensor they make', async () => {
  for (const name of ['mtcnn', 'blazeface'] as const) {
    const d = detectors.get(name)!;
    await d.detectFaces(img);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await d.detectFaces(img);
    assert.equal(tf.memory().numTensors, before, name);
  }
});

test('createDetector: unknown names and bad options are typed errors', async () => {
  await assert.rejects(createDetector('retinaface'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_UNKNOWN_NAME');
    assert.match(e.message + String((e as { fix?: string }).fix), /mtcnn, viola-jones, blazeface/);
    return true;
  });
  await assert.rejects(createDetector('mtcnn', { minFaceSize: -1 }), { code: 'E_BAD_OPTION' });
  await assert.rejects(createDetector('mtcnn', { minFaceSzie: 20 } as never), {
    code: 'E_BAD_OPTION',
  });
  await assert.rejects(createDetector('viola-jones', { cascade: 'eye' as never }), {
    code: 'E_UNKNOWN_NAME',
  });
  await assert.rejects(createDetector('blazeface', { modelPath: join(dir, 'nowhere') }), {
    code: 'E_FILE_NOT_FOUND',
  });
  const d = await createDetector('mtcnn', { thresholds: [0.5, 0.6, 0.7] });
  assert.deepEqual(d.config.thresholds, [0.5, 0.6, 0.7]);
  assert.equal(d.config.minFaceSize, 20);
  d.dispose();
  await assert.rejects(d.detectFaces(img), { code: 'E_BAD_OPTION' });
});
