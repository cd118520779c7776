// The shipped default model's framing (issue 21): FER2013 PublicTest faces pasted into canvases 3x
// their size at seeded positions and sizes, found by the detector a user gets and cut by the
// model's framing, score far better than with the old 20% margin and close to the same faces
// embedded as crops, on the same triplets. The target is within 1 point; measured here
// (1,000 triplets, mtcnn) the gap is ~4 points, so this guards the gain, not the target (see the
// README's accuracy section).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadTripletSplit,
  openFaceTools,
  pasteFace,
  preparePhotoFaces,
  readImage,
  writeTriplets,
  type RawImage,
} from '../src/index.js';
import { sharedDataOrSkip } from './helpers.js';

const { path: LABELS, skip } = sharedDataOrSkip('fer2013/labels.csv', 'the framing test');
const TRIPLETS = 1000;

const d2 = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0);

test(
  'pasted PublicTest faces: the framing beats a 20% margin and stays near the crops',
  { skip, timeout: 30 * 60_000 },
  async () => {
    const out = await mkdtemp(join(tmpdir(), 'exprsim-framing-'));
    const tools = await openFaceTools();
    try {
      await writeTriplets({
        labels: LABELS,
        outDir: out,
        counts: { train: 0, val: TRIPLETS, test: 0 },
      });
      const split = await loadTripletSplit(out, 'val');
      const rows = split.rows;
      const keys = [...new Set(rows.flatMap((r) => [r.a, r.p, r.n]))].sort();
      const crops: RawImage[] = [];
      const pasted = new Map<string, RawImage>();
      const margined = new Map<string, RawImage>();
      for (const [i, key] of keys.entries()) {
        const img = await readImage(split.resolve(rows[0].source, key), { channels: 3 });
        crops.push(await tools.embedder.prepareFace(img));
        const scene = await pasteFace(img, i, { seed: 21 });
        const { found, prepared } = await preparePhotoFaces(scene.image, {
          embedder: tools.embedder,
          detector: tools.detector!,
          maxFaces: 1,
        });
        if (prepared.length === 1) {
          pasted.set(key, prepared[0]);
          margined.set(
            key,
            await tools.embedder.prepareFace(scene.image, found[0], { margin: 0.2 }),
          );
        }
      }
      const foundShare = pasted.size / keys.length;
      assert.ok(
        foundShare >= 0.9,
        `the detector found ${(100 * foundShare).toFixed(1)}% of the pasted faces`,
      );
      const byKey = (list: RawImage[], ks: string[]) =>
        tools.embedder.embedPrepared(list).then((v) => new Map(ks.map((k, i) => [k, v[i]])));
      const cropVec = await byKey(crops, keys);
      const pastedKeys = [...pasted.keys()];
      const pastedVec = await byKey([...pasted.values()], pastedKeys);
      const marginVec = await byKey([...margined.values()], pastedKeys);
      const both = rows.filter((r) => [r.a, r.p, r.n].every((k) => pasted.has(k)));
      const acc = (v: Map<string, Float32Array>) =>
        (100 *
          both.filter((r) => {
            const [a, p, n] = [r.a, r.p, r.n].map((k) => v.get(k)!);
            return d2(a, p) < Math.min(d2(a, n), d2(p, n));
          }).length) /
        both.length;
      const asCrops = acc(cropVec);
      const throughDetector = acc(pastedVec);
      const withMargin = acc(marginVec);
      console.log(
        `framing: ${both.length} triplets; crops ${asCrops.toFixed(2)}%, pasted through ${tools.detector!.name} ${throughDetector.toFixed(2)}% framed, ${withMargin.toFixed(2)}% with a 20% margin; ${(100 * foundShare).toFixed(1)}% of faces found`,
      );
      assert.ok(
        throughDetector >= withMargin + 3,
        `framed ${throughDetector.toFixed(2)}% vs margin 0.2 ${withMargin.toFixed(2)}%`,
      );
      assert.ok(both.length >= 0.7 * rows.length, `${both.length} of ${rows.length} triplets`);
      assert.ok(
        Math.abs(throughDetector - asCrops) <= 6,
        `pasted ${throughDetector.toFixed(2)}% vs crops ${asCrops.toFixed(2)}%`,
      );
    } finally {
      tools.dispose();
      await rm(out, { recursive: true, force: true });
    }
  },
);
