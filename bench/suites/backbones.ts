/**
 * Per-backbone feature-extraction speed (run in its own process, one backend), for every
 * backbone at its default layer:
 * - network: faces/s of `backbone.features` on a [32, h, w, 3] pixel batch (maps read back);
 * - pipeline: faces/s from decoded 48x48 grey faces (FER2013's size) to float16 maps: resize
 *   (sharp), batch, backbone, float16 conversion — what `exprsim features` does after decoding;
 * each the median over `--runs` timed runs after one warm-up. Prints one JSON line.
 *
 *   node --import tsx bench/suites/backbones.ts [--backend wasm] [--runs 5] [--backbones a,b] [--quick]
 */
import * as tf from '@tensorflow/tfjs';
import {
  BACKBONE_NAMES,
  createBackbone,
  extractBatch,
  float32ToFloat16Bytes,
  initEngine,
  prepareFace,
  type RawImage,
} from '../../src/index.js';
import { timeRuns } from '../stats.js';
import { arg, backendArg, quick } from '../args.js';

const backend = backendArg();
const runs = Number(arg('runs', quick ? '2' : '5'));
const names = arg('backbones', BACKBONE_NAMES.join(','))
  .split(',')
  .filter((n) => n !== '');
const BATCH = 32;

const engine = await initEngine({ backend });
const started = performance.now();
const rows: Record<string, unknown>[] = [];

const faces: RawImage[] = Array.from({ length: BATCH }, (_, i) => {
  const data = new Uint8Array(48 * 48);
  for (let k = 0; k < data.length; k++) data[k] = (128 + 110 * Math.sin(k / (5 + i))) | 0;
  return { data, width: 48, height: 48, channels: 1 };
});

for (const name of names) {
  const backbone = await createBackbone(name);
  const x = tf.randomUniform([BATCH, ...backbone.inputShape], 0, 255, 'float32', 1) as tf.Tensor4D;
  const network = await timeRuns(async () => {
    const y = backbone.features(x);
    await y.data();
    y.dispose();
  }, runs);
  x.dispose();
  const pipeline = await timeRuns(async () => {
    const prepared = await Promise.all(faces.map((f) => prepareFace(f, backbone.preprocess)));
    float32ToFloat16Bytes(await extractBatch(backbone, prepared));
  }, runs);
  const [h, w, c] = backbone.featureShape;
  rows.push({
    backbone: name,
    version: backbone.version,
    layer: backbone.config.layer,
    input: backbone.inputShape,
    featureShape: backbone.featureShape,
    bytesPerFace: h * w * c * 2,
    network: { ...network, facesPerSec: BATCH / network.median },
    pipeline: { ...pipeline, facesPerSec: BATCH / pipeline.median },
  });
  process.stderr.write(
    `backbones: ${name}: ${(BATCH / network.median).toFixed(1)} faces/s network, ${(BATCH / pipeline.median).toFixed(1)} faces/s pipeline\n`,
  );
  backbone.dispose();
}

process.stdout.write(
  `${JSON.stringify({
    suite: 'backbones',
    backend: engine.backend,
    simd: engine.simd,
    threads: engine.threads,
    batch: BATCH,
    runs,
    quick,
    seconds: (performance.now() - started) / 1000,
    backbones: rows,
  })}\n`,
);
