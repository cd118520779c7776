/**
 * Triplet sets of photos (a suite set with `detect`): every image's faces are found once by the
 * detector, and each embedder sees the top face as its users would get it. The model embeds it
 * through its own preprocessing record (its framing of this detector's boxes, alignment, mask:
 * preparePhotoFaces, as `exprsim embed` does); a baseline reads the detector's box cut with a
 * margin (its best of a few, see evaluate-suite.ts), written as lossless PNG crops. Triplets
 * with an image where no face was found are left out for every embedder alike, and counted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DetectedFace, Detector, DetectorName } from '../core/face.js';
import type { ProgressCallback } from '../core/progress.js';
import { ExprsimError } from '../core/errors.js';
import { detectorCropBox } from '../align/record.js';
import { createDetector } from '../detect/registry.js';
import { writeImage } from '../image/encode.js';
import { readImage } from '../image/read.js';
import { cropImage } from '../image/transform.js';
import { loadModel } from '../models/artifact.js';
import type { Embedder } from '../embed/embedders.js';
import { createEmbedder } from '../embed/face-embedder.js';
import type { EvalData } from './evaluate.js';

/** The top face of each image of a set, by the set's detector. */
export interface SetFaces {
  detector: DetectorName;
  /** Image path → its highest-scoring face. */
  faces: Map<string, DetectedFace>;
  /** Images where the detector found no face. */
  noFace: string[];
}

const pathsOf = (data: EvalData) => [
  ...new Set(data.rows.flatMap((r) => [r.a, r.p, r.n].map((k) => data.resolve(r.source, k)))),
];

/** Finds the top face of every image of `data`'s triplets. */
export async function detectSetFaces(
  data: EvalData,
  detector: DetectorName,
  onProgress?: ProgressCallback,
): Promise<SetFaces> {
  const paths = pathsOf(data);
  const finder: Detector = await createDetector(detector);
  const faces = new Map<string, DetectedFace>();
  const noFace: string[] = [];
  try {
    for (const [i, path] of paths.entries()) {
      const found = await finder.detectFaces(await readImage(path, { channels: 3 }));
      if (found.length === 0) noFace.push(path);
      else faces.set(path, found[0]); // sorted by score, highest first
      onProgress?.({ done: i + 1, total: paths.length, label: `detect (${detector})` });
    }
  } finally {
    finder.dispose();
  }
  return { detector, faces, noFace };
}

/** `data` without the triplets that have an image with no face. */
export function rowsWithFaces(data: EvalData, set: SetFaces): EvalData {
  const rows = data.rows.filter((r) =>
    [r.a, r.p, r.n].every((k) => set.faces.has(data.resolve(r.source, k))),
  );
  if (rows.length === 0) {
    throw new ExprsimError('E_DATA_EMPTY', `${set.detector} found no face in any triplet`, {
      input: data.dir,
      fix: 'try another detector in the set, or drop `detect` if the images are face crops',
    });
  }
  return { ...data, rows };
}

/** A model folder embedding the top face of each photo, as `exprsim embed --detector` does. */
export async function photoModelEmbedder(
  dir: string,
  set: SetFaces,
  name = 'model',
): Promise<Embedder> {
  const fe = await createEmbedder(await loadModel(dir));
  return {
    name,
    info: { kind: 'model', dir, detector: set.detector },
    keyFor: (_s, _k, path) => path,
    async embed(keys, onProgress) {
      const dim = fe.embeddingSize;
      const data = new Float32Array(keys.length * dim);
      const BATCH = 32;
      for (let i = 0; i < keys.length; i += BATCH) {
        const prepared = await Promise.all(
          keys.slice(i, i + BATCH).map(async (path) => {
            const face = set.faces.get(path);
            if (face === undefined) throw new ExprsimError('E_NO_FACE', 'no face', { input: path });
            const img = await readImage(path, { channels: 3 });
            return fe.prepareFace(img, face, { detector: set.detector });
          }),
        );
        (await fe.embedPrepared(prepared)).forEach((v, j) => data.set(v, (i + j) * dim));
        onProgress?.({ done: Math.min(keys.length, i + BATCH), total: keys.length, label: name });
      }
      return { data, dim };
    },
    dispose: () => fe.dispose(),
  };
}

/**
 * Writes each face's box with `margin` (square, clipped to the photo) as a PNG crop, and
 * returns `data` reading those crops instead of the photos; `cleanup()` removes them.
 */
export async function withBoxCrops(
  data: EvalData,
  set: SetFaces,
  margin: number,
): Promise<{ data: EvalData; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-crops-'));
  const crops = new Map<string, string>();
  try {
    let n = 0;
    for (const [path, face] of set.faces) {
      const img = await readImage(path, { channels: 3 });
      const out = join(dir, `${n++}.png`);
      await writeImage(
        out,
        cropImage(img, detectorCropBox(face.box, img.width, img.height, margin, true)),
      );
      crops.set(path, out);
    }
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const resolve: EvalData['resolve'] = (source, key) => {
    const path = data.resolve(source, key);
    return crops.get(path) ?? path;
  };
  return {
    data: { ...data, resolve },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
