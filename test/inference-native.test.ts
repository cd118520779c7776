/**
 * The inference paths users wait for run their convolutions and matrix products on oneDNN: the
 * default embedding model, MTCNN's three nets (prelu layers included) and BlazeFace (depthwise
 * layers included), counted by the native kernels' call counters on a repository photo. Every
 * conv / depthwise / matmul call must be native, none handed on to OpenBLAS or left to wasm.
 * Skipped (with the reason) where oneDNN's addon is not built.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  createDetector,
  createEmbedder,
  defaultModelPath,
  initEngine,
  readImage,
  type DecodedImage,
  type DetectedFace,
} from '../src/index.js';
import { NATIVE_PATHS, nativeKernelCalls, type KernelCalls } from '../src/engine/native/index.js';
import { REPO } from './helpers.js';

const skip = !existsSync(NATIVE_PATHS.dnnl) && `${NATIVE_PATHS.dnnl} not built`;
const COUNTED = [
  'Conv2D',
  'FusedConv2D',
  'DepthwiseConv2dNative',
  'FusedDepthwiseConv2D',
  'BatchMatMul',
  '_FusedMatMul',
];

let image: DecodedImage;
before(async () => {
  if (skip) return;
  const engine = await initEngine({ backend: 'wasm', nativeKernels: true });
  assert.equal(engine.native?.library, 'dnnl', engine.native?.detail);
  image = await readImage(join(REPO, 'samples', 'photos', 'grace_hopper.jpg'));
});

/** The counted kernels' calls made by `fn`: those that ran, per kernel. */
async function callsOf(fn: () => Promise<unknown>): Promise<Record<string, KernelCalls>> {
  const before = nativeKernelCalls();
  await fn();
  const after = nativeKernelCalls();
  const out: Record<string, KernelCalls> = {};
  for (const name of COUNTED) {
    const d = {
      native: after[name].native - before[name].native,
      handedOn: after[name].handedOn - before[name].handedOn,
      fallback: after[name].fallback - before[name].fallback,
    };
    if (d.native + d.fallback > 0) out[name] = d;
  }
  return out;
}

function allOnDnnl(calls: Record<string, KernelCalls>, expect: string[]) {
  assert.deepEqual(Object.keys(calls).sort(), [...expect].sort(), JSON.stringify(calls));
  for (const [name, c] of Object.entries(calls)) {
    assert.ok(c.native > 0, `${name}: ${JSON.stringify(c)}`);
    assert.equal(c.handedOn, 0, `${name} handed on: ${JSON.stringify(c)}`);
    assert.equal(c.fallback, 0, `${name} on wasm: ${JSON.stringify(c)}`);
  }
}

let faces: DetectedFace[] = [];

test(
  'MTCNN: P-, R- and O-Net convolutions (prelu) and dense layers on oneDNN',
  { skip },
  async () => {
    const mtcnn = await createDetector('mtcnn');
    try {
      const calls = await callsOf(async () => {
        faces = await mtcnn.detectFaces(image);
      });
      assert.equal(faces.length, 1);
      allOnDnnl(calls, ['FusedConv2D', '_FusedMatMul']);
    } finally {
      mtcnn.dispose();
    }
  },
);

test('BlazeFace: convolutions and depthwise convolutions on oneDNN', { skip }, async () => {
  const blazeface = await createDetector('blazeface');
  try {
    let found: DetectedFace[] = [];
    const calls = await callsOf(async () => {
      found = await blazeface.detectFaces(image);
    });
    assert.equal(found.length, 1);
    allOnDnnl(calls, ['FusedConv2D', 'DepthwiseConv2dNative']);
  } finally {
    blazeface.dispose();
  }
});

test('the default embedding model: every convolution and product on oneDNN', { skip }, async () => {
  const embedder = await createEmbedder(defaultModelPath());
  try {
    let vectors: Float32Array[] = [];
    const calls = await callsOf(async () => {
      vectors = await embedder.embedDetectedFaces(image, faces);
    });
    assert.equal(vectors.length, faces.length);
    allOnDnnl(calls, ['Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative', '_FusedMatMul']);
  } finally {
    embedder.dispose();
  }
});
