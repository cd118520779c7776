/**
 * BlazeFace (Bazarevsky et al., "BlazeFace: Sub-millisecond Neural Face Detection on Mobile
 * GPUs", 2019), the 256x256 "back camera" model as shipped by @vladmandic/human 3.3.6
 * (models/blazeface, MIT), run as a tfjs graph model loaded from disk.
 *
 * The image is letterboxed to a square (black bars, centred), resized to 256x256 and scaled to
 * -1..1. The net scores 896 anchors (16x16x2 at stride 16, 8x8x6 at stride 32) and regresses a
 * box and six keypoints per anchor; scores are thresholded and suppressed (IoU) on the CPU.
 * Faces smaller than ~1/16 of the longer side are beyond its reach: pass `tiles` to also scan
 * overlapping 2x2 tiles of large images.
 */
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/backend.js';
import { fileIO } from '../engine/file-io.js';
import { ExprsimError } from '../core/errors.js';
import { joinPath } from '../core/files.js';
import { resizeImage } from '../image/transform.js';
import type { RawImage } from '../image/types.js';
import { modelDir } from '../core/paths.js';
import { type Corners, clipBox, fromCorners, nms } from './geometry.js';
import { DEFAULT_BLAZEFACE_CONFIG as D } from './defaults.js';
import { loadDetectInput, rejectUnknownKeys, requireBoolean, requireNumber } from './input.js';
import type { DetectedFace, DetectInput, Detector, FaceLandmarks } from '../core/face.js';

export interface BlazeFaceConfig {
  /** Minimum face score, 0..1. Default 0.5. */
  minScore?: number;
  /** Overlap (IoU) above which the lower-scored of two boxes is dropped. Default 0.3. */
  iouThreshold?: number;
  /**
   * Also scan the four overlapping quarter tiles (each 60% of the image a side), finding faces
   * down to ~1/30 of the longer side at five times the cost. Default false.
   */
  tiles?: boolean;
  /** Folder holding blazeface.json and blazeface.bin. Default `<modelDir()>/blazeface`. */
  modelPath?: string;
}

export type ResolvedBlazeFaceConfig = Required<BlazeFaceConfig>;

const KEYS = ['minScore', 'iouThreshold', 'tiles', 'modelPath'] as const;

export function resolveBlazeFaceConfig(config: BlazeFaceConfig = {}): ResolvedBlazeFaceConfig {
  rejectUnknownKeys('blazeface', config, KEYS);
  return {
    minScore: requireNumber('minScore', config.minScore ?? D.minScore, 0, 1),
    iouThreshold: requireNumber('iouThreshold', config.iouThreshold ?? D.iouThreshold, 0, 1),
    tiles: requireBoolean('tiles', config.tiles ?? D.tiles),
    modelPath: config.modelPath ?? joinPath(modelDir(), 'blazeface'),
  };
}

const SIZE = 256;

/** Anchor centres in input pixels: 16x16 cells x 2 at stride 16, then 8x8 cells x 6 at stride 32. */
function anchors(): Float32Array {
  const out: number[] = [];
  for (const [stride, per] of [
    [16, 2],
    [32, 6],
  ] as const) {
    const cells = SIZE / stride;
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let n = 0; n < per; n++) out.push(stride * (x + 0.5), stride * (y + 0.5));
      }
    }
  }
  return Float32Array.from(out);
}

interface Raw {
  box: Corners;
  score: number;
  points: number[];
}

export class BlazeFaceDetector implements Detector {
  readonly name = 'blazeface' as const;
  readonly config: ResolvedBlazeFaceConfig;
  private model: tf.GraphModel | undefined;
  private readonly anchors = anchors();

  private constructor(config: ResolvedBlazeFaceConfig, model: tf.GraphModel) {
    this.config = config;
    this.model = model;
  }

  static async create(config: BlazeFaceConfig = {}): Promise<BlazeFaceDetector> {
    const resolved = resolveBlazeFaceConfig(config);
    await initEngine();
    const path = resolved.modelPath.endsWith('.json')
      ? resolved.modelPath
      : joinPath(resolved.modelPath, 'blazeface.json');
    let model: tf.GraphModel;
    try {
      model = await tf.loadGraphModel(fileIO(path));
    } catch (e) {
      if (e instanceof ExprsimError) throw e;
      throw new ExprsimError(
        'E_MODEL_FORMAT',
        `cannot load the BlazeFace graph model: ${(e as Error).message}`,
        {
          input: path,
          fix: 'use the blazeface.json and blazeface.bin that ship in models/blazeface',
          cause: e,
        },
      );
    }
    const shape = model.inputs[0]?.shape;
    if (shape?.[1] !== SIZE || shape?.[2] !== SIZE || model.outputs.length !== 4) {
      model.dispose();
      throw new ExprsimError(
        'E_MODEL_FORMAT',
        'not the 256x256 BlazeFace model with four outputs',
        {
          input: path,
          fix: 'use the blazeface model that ships in models/blazeface',
        },
      );
    }
    return new BlazeFaceDetector(resolved, model);
  }

  dispose(): void {
    this.model?.dispose();
    this.model = undefined;
  }

  async detectFaces(input: DetectInput): Promise<DetectedFace[]> {
    const model = this.model;
    if (model === undefined) {
      throw new ExprsimError('E_BAD_OPTION', 'this BlazeFace detector has been disposed', {
        fix: 'create a new detector with createDetector("blazeface")',
      });
    }
    const img = await loadDetectInput(input, 3);
    const found: Raw[] = await this.pass(model, img, 0, 0, img.width, img.height);
    if (this.config.tiles && Math.max(img.width, img.height) >= 2 * SIZE) {
      const tw = Math.round(img.width * 0.6);
      const th = Math.round(img.height * 0.6);
      for (const [x, y] of [
        [0, 0],
        [img.width - tw, 0],
        [0, img.height - th],
        [img.width - tw, img.height - th],
      ]) {
        found.push(...(await this.pass(model, img, x, y, tw, th)));
      }
    }
    const keep = nms(
      found.map((f) => f.box),
      found.map((f) => f.score),
      this.config.iouThreshold,
    );
    const out: DetectedFace[] = [];
    for (const i of keep) {
      const f = found[i];
      const box = clipBox(fromCorners(f.box), img.width, img.height);
      if (box === null) continue;
      const p = f.points;
      // Keypoints: the subject's right eye (image left), left eye, nose tip, mouth centre, ears.
      const landmarks: FaceLandmarks = {
        leftEye: { x: p[0], y: p[1] },
        rightEye: { x: p[2], y: p[3] },
        nose: { x: p[4], y: p[5] },
        mouth: { x: p[6], y: p[7] },
      };
      out.push({ box, score: f.score, landmarks });
    }
    return out;
  }

  /** Runs the net on the region [x, x + w) x [y, y + h) of img, letterboxed; boxes in img pixels. */
  private async pass(
    model: tf.GraphModel,
    img: RawImage,
    x: number,
    y: number,
    w: number,
    h: number,
  ): Promise<Raw[]> {
    const side = Math.max(w, h);
    const scale = side / SIZE;
    // Letterbox into a square canvas of `side`, centred, then resize to 256 (sharp: antialiased).
    const whole = x === 0 && y === 0 && w === img.width && h === img.height;
    const rw = Math.max(1, Math.round(w / scale));
    const rh = Math.max(1, Math.round(h / scale));
    // A whole image already at the net's size (e.g. 256x256 crops) needs no resampling pass.
    const region =
      whole && rw === img.width && rh === img.height
        ? img
        : await resizeImage(whole ? img : cropRegion(img, x, y, w, h), rw, rh, {
            kernel: 'linear',
          });
    const padX = Math.floor((SIZE - region.width) / 2);
    const padY = Math.floor((SIZE - region.height) / 2);
    const outputs = tf.tidy(() => {
      const t = tf.tensor3d(region.data, [region.height, region.width, 3], 'int32');
      const padded = tf.pad(
        tf.sub(tf.div(tf.cast(t, 'float32'), 127.5), 1),
        [
          [padY, SIZE - region.height - padY],
          [padX, SIZE - region.width - padX],
          [0, 0],
        ],
        -1,
      );
      const res = model.execute(tf.expandDims(padded, 0)) as tf.Tensor[];
      // Outputs by size: scores 384, scores 512, boxes 384x16, boxes 512x16 (anchor order 512, 384).
      const [s384, s512, r384, r512] = [...res].sort((a, b) => a.size - b.size);
      return tf.concat(
        [
          tf.concat([tf.reshape(s512, [512, 1]), tf.reshape(r512, [512, 16])], 1),
          tf.concat([tf.reshape(s384, [384, 1]), tf.reshape(r384, [384, 16])], 1),
        ],
        0,
      );
    });
    const v = (await outputs.data()) as Float32Array;
    outputs.dispose();
    const minLogit = Math.log(this.config.minScore / (1 - this.config.minScore));
    const out: Raw[] = [];
    // Net pixels -> image pixels.
    const mx = (px: number) => x + (px - padX) * scale;
    const my = (py: number) => y + (py - padY) * scale;
    for (let a = 0; a < 896; a++) {
      const r = a * 17;
      if (!(v[r] >= minLogit)) continue;
      const ax = this.anchors[a * 2];
      const ay = this.anchors[a * 2 + 1];
      const cx = ax + v[r + 1];
      const cy = ay + v[r + 2];
      const bw = v[r + 3];
      const bh = v[r + 4];
      const points: number[] = [];
      for (let k = 0; k < 6; k++) points.push(mx(ax + v[r + 5 + 2 * k]), my(ay + v[r + 6 + 2 * k]));
      out.push({
        box: { x1: mx(cx - bw / 2), y1: my(cy - bh / 2), x2: mx(cx + bw / 2), y2: my(cy + bh / 2) },
        score: 1 / (1 + Math.exp(-v[r])),
        points,
      });
    }
    return out;
  }
}

function cropRegion(img: RawImage, x: number, y: number, w: number, h: number): RawImage {
  const data = new Uint8Array(w * h * 3);
  for (let row = 0; row < h; row++) {
    const from = ((y + row) * img.width + x) * 3;
    data.set(img.data.subarray(from, from + w * 3), row * w * 3);
  }
  return { data, width: w, height: h, channels: 3 };
}
