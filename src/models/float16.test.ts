// Float16 weight storage of the shipped default model: the copy is half the bytes, tfjs reads it
// back as float32 weights within float16's rounding, and the faces of sample photos embed to
// within a stated tolerance of the float32 model's embeddings.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../engine/backend.js';
import { defaultModelPath, PACKAGE_ROOT } from '../core/paths.js';
import { createDetector } from '../detect/registry.js';
import { createEmbedder } from '../embed/face-embedder.js';
import { embedPhotoFaces } from '../embed/photo-faces.js';
import { readImage } from '../image/read.js';
import { loadModel } from './artifact.js';
import { FLOAT16_MAX, writeFloat16Model } from './float16.js';

/**
 * How far (Euclidean, between unit vectors) a face's float16 embedding may be from its float32
 * one. Measured 2026-12-08 on these photos: at most 0.00028 (wasm backend); random pairs of faces
 * are 0.022 apart at the 1st percentile of the default's calibration (calibration.json).
 */
const EMBEDDING_TOLERANCE = 0.002;

/** Sample photos (samples/photos/SOURCE.md): three Debian ones and four portraits. */
const PHOTOS = [
  'astronaut.jpg',
  'camera.jpg',
  'grace_hopper.jpg',
  'congress-B001210.jpg',
  'congress-G000568.jpg',
  'congress-H001030.jpg',
  'congress-M001160.jpg',
].map((f) => join(PACKAGE_ROOT, 'samples', 'photos', f));

await initEngine();
const root = await mkdtemp(join(tmpdir(), 'exprsim-float16-'));
after(() => rm(root, { recursive: true, force: true }));
const src = defaultModelPath();
const f16 = join(root, 'f16');
const result = await writeFloat16Model(src, f16);

test('the float16 copy: every float32 weight stored as float16, half the bytes, other files kept', async () => {
  const json = JSON.parse(await readFile(join(f16, 'model.json'), 'utf8'));
  const specs = json.weightsManifest[0].weights as { dtype: string; quantization?: object }[];
  assert.ok(specs.length > 0);
  for (const s of specs) {
    if (s.dtype === 'float32') assert.deepEqual(s.quantization, { dtype: 'float16' });
  }
  assert.equal(result.converted, specs.filter((s) => s.dtype === 'float32').length);
  assert.equal(result.bytesBefore, (await stat(join(src, 'weights.bin'))).size);
  assert.equal(result.bytesAfter, (await stat(join(f16, 'weights.bin'))).size);
  assert.equal(result.bytesAfter * 2, result.bytesBefore);
  for (const f of ['calibration.json', 'README.md']) {
    assert.deepEqual(await readFile(join(f16, f)), await readFile(join(src, f)), f);
  }
  const a = JSON.parse(await readFile(join(src, 'model.json'), 'utf8'));
  assert.deepEqual(json.userDefinedMetadata, a.userDefinedMetadata, 'the exprsim manifest is kept');
  assert.deepEqual(json.modelTopology, a.modelTopology);
});

test('loaded back, each weight is its float32 value rounded to float16', async () => {
  const a = await loadModel(src);
  const b = await loadModel(f16);
  try {
    const wa = a.model.getWeights();
    const wb = b.model.getWeights();
    assert.equal(wa.length, wb.length);
    let changed = 0;
    for (let i = 0; i < wa.length; i++) {
      assert.equal(wb[i].dtype, 'float32');
      const x = wa[i].dataSync();
      const y = wb[i].dataSync();
      for (let j = 0; j < x.length; j++) {
        // Half a float16 ulp: 2^-11 relative for normal values, 2^-25 absolute below 2^-14.
        const bound = Math.max(Math.abs(x[j]) * 2 ** -11, 2 ** -25);
        if (!(Math.abs(x[j] - y[j]) <= bound))
          assert.fail(`weight ${i}[${j}]: ${x[j]} read back as ${y[j]}`);
        if (x[j] !== y[j]) changed++;
      }
    }
    assert.ok(changed > 0, 'the weights were rounded (not stored as float32)');
  } finally {
    a.model.dispose();
    b.model.dispose();
  }
});

test(
  `float16 embeddings of sample faces stay within ${EMBEDDING_TOLERANCE} of float32's`,
  { timeout: 180_000 },
  async () => {
    const detector = await createDetector('mtcnn');
    const e32 = await createEmbedder(src);
    const e16 = await createEmbedder(f16);
    after(() => {
      detector.dispose();
      e32.dispose();
      e16.dispose();
    });
    let faces = 0;
    let worst = 0;
    for (const p of PHOTOS) {
      const img = await readImage(p);
      const a = await embedPhotoFaces(img, { embedder: e32, detector });
      const b = await embedPhotoFaces(img, { embedder: e16, detector });
      assert.equal(a.length, b.length, p);
      for (let i = 0; i < a.length; i++) {
        let d = 0;
        for (let k = 0; k < a[i].embedding.length; k++)
          d += (a[i].embedding[k] - b[i].embedding[k]) ** 2;
        worst = Math.max(worst, Math.sqrt(d));
        faces++;
      }
    }
    assert.ok(faces >= PHOTOS.length, `${faces} faces`);
    assert.ok(worst <= EMBEDDING_TOLERANCE, `worst float16 vs float32 distance ${worst}`);
    assert.ok(worst > 0, 'the float16 model is not the float32 one');
  },
);

test('a weight beyond float16 range, or writing over the source, is refused', async () => {
  const bad = join(root, 'bad');
  const broken = join(root, 'broken');
  await cp(src, bad, { recursive: true });
  const first = JSON.parse(await readFile(join(src, 'model.json'), 'utf8')).weightsManifest[0]
    .weights[0] as { name: string; dtype: string };
  assert.equal(first.dtype, 'float32');
  const w = new Float32Array(new Uint8Array(await readFile(join(src, 'weights.bin'))).buffer);
  w[0] = FLOAT16_MAX * 2;
  await writeFile(join(bad, 'weights.bin'), new Uint8Array(w.buffer));
  await assert.rejects(writeFloat16Model(bad, broken), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_MODEL_FORMAT');
    assert.ok(e.message.includes(`${first.name} holds 131008, beyond float16's range`), e.message);
    return true;
  });
  await assert.rejects(writeFloat16Model(src, src), { code: 'E_BAD_OPTION', option: 'outDir' });
});
