/**
 * Viola-Jones face detection: OpenCV's Haar cascades (models/haarcascades, from Debian's
 * opencv-data 4.6.0; Intel License Agreement, in each file's header) run by opencv.js
 * (@techstark/opencv-js, Apache-2.0).
 *
 * Speed: the image is converted to grey and reduced (sharp) so that the smallest face wanted
 * matches the cascade's 24 px window; a 1920-px photo is scanned at a few hundred pixels a side.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { resizeImage } from '../image/transform.js';
import type { RawImage } from '../image/types.js';
import { modelDir } from '../core/paths.js';
import { clipBox, nms, toCorners } from './geometry.js';
import {
  DEFAULT_VIOLA_JONES_CONFIG as D,
  MAX_MIN_FACE,
  MIN_FACE_LIMITS,
  HAAR_CASCADES,
  type HaarCascadeName,
} from './defaults.js';
import { loadDetectInput, rejectUnknownKeys, requireBoolean, requireNumber } from './input.js';
import { requireViolaJonesPlan } from './size-limits.js';
import type { DetectedFace, DetectInput, Detector } from '../core/face.js';
import { loadCascade, loadOpenCv, type CvClassifier, type CvMat, type OpenCv } from './opencv.js';
import { groupHits, pyramidLevels, scanMat, splitWindowSize } from './viola-jones-scan.js';
import { ScanWorker } from './viola-jones-threads.js';

export { HAAR_CASCADES, type HaarCascadeName };

export interface ViolaJonesConfig {
  /** Frontal cascade. Default 'frontalface_default' (OpenCV's classic, as in most studies). */
  cascade?: HaarCascadeName;
  /** Scale step between detection windows, > 1. Default 1.1 (OpenCV's default). */
  scaleFactor?: number;
  /** Overlapping raw detections needed to keep a face. Default 5 (fewer false positives than 3). */
  minNeighbors?: number;
  /** Smallest face in input pixels. Default 24. */
  minSize?: number;
  /** Smallest face as a fraction of the shorter image side (the larger limit wins). Default 0.03. */
  minSizeRatio?: number;
  /** Equalise the grey histogram first (OpenCV's face tutorial does). Default true. */
  equalize?: boolean;
  /** Also run the profile cascade, on the image and its mirror, and merge. Default false. */
  profile?: boolean;
  /** Folder holding the haarcascade_*.xml files. Default `<modelDir()>/haarcascades`. */
  cascadeDir?: string;
  /**
   * Threads one frontal scan uses, 1 or 2: with 2 the pyramid's window sizes are split in two
   * halves of equal cost, one scanned by a worker thread (viola-jones-scan.ts); the faces are
   * the same. Default 2 on machines with two or more cores, else 1.
   */
  threads?: number;
}

export type ResolvedViolaJonesConfig = Required<ViolaJonesConfig>;

const KEYS = [
  'cascade',
  'scaleFactor',
  'minNeighbors',
  'minSize',
  'minSizeRatio',
  'equalize',
  'profile',
  'cascadeDir',
  'threads',
] as const;

export function resolveViolaJonesConfig(config: ViolaJonesConfig = {}): ResolvedViolaJonesConfig {
  rejectUnknownKeys('viola-jones', config, KEYS);
  const cascade = config.cascade ?? D.cascade;
  if (!HAAR_CASCADES.includes(cascade)) {
    throw new ExprsimError('E_UNKNOWN_NAME', `unknown Haar cascade "${String(cascade)}"`, {
      input: String(cascade),
      fix: `use one of ${HAAR_CASCADES.join(', ')}`,
    });
  }
  const minNeighbors = requireNumber('minNeighbors', config.minNeighbors ?? D.minNeighbors, 0, 100);
  if (!Number.isInteger(minNeighbors)) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `minNeighbors must be a whole number, got ${minNeighbors}`,
      {
        input: `minNeighbors=${minNeighbors}`,
        fix: 'pass e.g. minNeighbors: 3',
      },
    );
  }
  return {
    cascade,
    scaleFactor: requireNumber('scaleFactor', config.scaleFactor ?? D.scaleFactor, 1.01, 2),
    minNeighbors,
    minSize: requireNumber(
      'minSize',
      config.minSize ?? D.minSize,
      MIN_FACE_LIMITS['viola-jones'] ?? 1,
      MAX_MIN_FACE,
    ),
    minSizeRatio: requireNumber('minSizeRatio', config.minSizeRatio ?? D.minSizeRatio, 0, 1),
    equalize: requireBoolean('equalize', config.equalize ?? D.equalize),
    profile: requireBoolean('profile', config.profile ?? D.profile),
    cascadeDir: config.cascadeDir ?? join(modelDir(), 'haarcascades'),
    threads: requireThreads(config.threads),
  };
}

function requireThreads(v: unknown): number {
  const threads = v ?? (availableParallelism() >= 2 ? 2 : 1);
  if (threads !== 1 && threads !== 2) {
    throw new ExprsimError('E_BAD_OPTION', `threads must be 1 or 2, got ${String(threads)}`, {
      input: `threads=${String(threads)}`,
      fix: 'pass threads: 1 (one thread) or 2 (split each scan over a worker thread)',
    });
  }
  return threads;
}

/** Haar windows are 24x24 (default, profile) or 20x20 (alt2). */
const WINDOW = 24;
const CASCADE_WINDOW: Record<HaarCascadeName, number> = {
  frontalface_default: 24,
  frontalface_alt2: 20,
};

export class ViolaJonesDetector implements Detector {
  readonly name = 'viola-jones' as const;
  readonly config: ResolvedViolaJonesConfig;
  private readonly cv: OpenCv;
  private readonly frontal: CvClassifier;
  private readonly profileCascade: CvClassifier | undefined;
  private readonly worker: ScanWorker | undefined;
  private disposed = false;
  /** Detections in flight: the cascades are freed only when the last one ends. */
  private busy = 0;

  private constructor(
    config: ResolvedViolaJonesConfig,
    cv: OpenCv,
    frontal: CvClassifier,
    profile: CvClassifier | undefined,
    worker: ScanWorker | undefined,
  ) {
    this.config = config;
    this.cv = cv;
    this.frontal = frontal;
    this.profileCascade = profile;
    this.worker = worker;
  }

  static async create(config: ViolaJonesConfig = {}): Promise<ViolaJonesDetector> {
    const resolved = resolveViolaJonesConfig(config);
    const { cv } = await loadOpenCv();
    const frontalPath = join(resolved.cascadeDir, `haarcascade_${resolved.cascade}.xml`);
    const frontal = await loadCascade(cv, frontalPath);
    let profile: CvClassifier | undefined;
    let worker: ScanWorker | undefined;
    try {
      if (resolved.profile) {
        profile = await loadCascade(cv, join(resolved.cascadeDir, 'haarcascade_profileface.xml'));
      }
      if (resolved.threads === 2) {
        try {
          worker = await ScanWorker.start(frontalPath);
        } catch (e) {
          // Asked for explicitly: fail. Chosen by default: scan in this thread instead.
          if (config.threads !== undefined) throw e;
          logger.debug(`viola-jones: one thread (${(e as Error).message})`);
          resolved.threads = 1;
        }
      }
    } catch (e) {
      frontal.delete();
      profile?.delete();
      throw e;
    }
    return new ViolaJonesDetector(resolved, cv, frontal, profile, worker);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.worker?.close();
    if (this.busy === 0) this.free();
  }

  private free(): void {
    this.frontal.delete();
    this.profileCascade?.delete();
  }

  async detectFaces(input: DetectInput): Promise<DetectedFace[]> {
    if (this.disposed) {
      throw new ExprsimError('E_BAD_OPTION', 'this Viola-Jones detector has been disposed', {
        fix: 'create a new detector with createDetector("viola-jones")',
      });
    }
    this.busy++;
    try {
      return await this.detect(input);
    } finally {
      this.busy--;
      if (this.disposed && this.busy === 0) this.free();
    }
  }

  private async detect(input: DetectInput): Promise<DetectedFace[]> {
    const frontal = this.frontal;
    const cfg = this.config;
    const img = await loadDetectInput(input, 1);
    const minFace = Math.max(cfg.minSize, cfg.minSizeRatio * Math.min(img.width, img.height));
    if (Math.min(img.width, img.height) < Math.min(minFace, WINDOW)) return [];
    // Scan a reduced copy where the smallest face wanted fills the cascade window; over
    // VIOLA_JONES_MAX_PIXELS (OpenCV's 2 GB heap) E_IMAGE_TOO_LARGE, before OpenCV sees it.
    const plan = requireViolaJonesPlan(img.width, img.height, minFace, WINDOW);
    const work: RawImage =
      plan.shrink < 1
        ? await resizeImage(img, plan.workWidth, plan.workHeight, { kernel: 'linear' })
        : img;
    const sx = work.width / img.width;
    const sy = work.height / img.height;
    const minSize = Math.max(1, Math.round(minFace * Math.min(sx, sy)));

    const cv = this.cv;
    const mats: CvMat[] = [];
    try {
      const grey = cv.matFromArray(work.height, work.width, cv.CV_8UC1, work.data);
      mats.push(grey);
      if (cfg.equalize) cv.equalizeHist(grey, grey);
      const raw: { x: number; y: number; width: number; height: number; n: number }[] = [];
      const run = (classifier: CvClassifier, src: CvMat, mirrored: boolean) => {
        const rects = new cv.RectVector();
        const counts = new cv.IntVector();
        mats.push(rects, counts);
        classifier.detectMultiScale2(
          src,
          rects,
          counts,
          cfg.scaleFactor,
          cfg.minNeighbors,
          0,
          new cv.Size(minSize, minSize),
          new cv.Size(0, 0),
        );
        for (let i = 0; i < rects.size(); i++) {
          const r = rects.get(i);
          raw.push({
            x: mirrored ? work.width - r.x - r.width : r.x,
            y: r.y,
            width: r.width,
            height: r.height,
            n: counts.get(i),
          });
        }
      };
      const levels = pyramidLevels(
        work.width,
        work.height,
        CASCADE_WINDOW[cfg.cascade],
        cfg.scaleFactor,
        minSize,
      );
      const worker = this.worker?.alive === true ? this.worker : undefined;
      const split = worker === undefined ? undefined : splitWindowSize(levels);
      if (worker !== undefined && split !== undefined) {
        // Same faces as one detectMultiScale call: the larger windows in the worker, the
        // smaller here, the raw hits grouped once (viola-jones-scan.ts).
        const req = {
          data: cfg.equalize ? new Uint8Array(grey.data) : work.data,
          width: work.width,
          height: work.height,
          scaleFactor: cfg.scaleFactor,
          minSize,
          maxSize: 0,
        };
        const farReq = { ...req, minSize: split + 1 };
        const far = worker.scan(farReq);
        far.catch(() => undefined); // awaited below, after the near half
        const near = scanMat(cv, frontal, grey, { ...req, maxSize: split });
        let farHits: Int32Array;
        try {
          farHits = await far;
        } catch (e) {
          if (this.disposed) throw e;
          // The worker died: scan its half here (later calls stay in this thread).
          logger.debug(`viola-jones: ${(e as Error).message}; scanning in this thread`);
          farHits = scanMat(cv, frontal, grey, farReq);
        }
        for (const r of groupHits(cv, [near, farHits], cfg.minNeighbors)) raw.push(r);
      } else run(frontal, grey, false);
      if (this.profileCascade !== undefined) {
        run(this.profileCascade, grey, false);
        const flipped = new cv.Mat();
        mats.push(flipped);
        cv.flip(grey, flipped, 1);
        run(this.profileCascade, flipped, true);
      }
      // Score: the neighbour count squashed to 0..1, n / (n + minNeighbors + 1).
      const faces: DetectedFace[] = [];
      for (const r of raw) {
        const box = clipBox(
          { x: r.x / sx, y: r.y / sy, width: r.width / sx, height: r.height / sy },
          img.width,
          img.height,
        );
        if (box !== null) faces.push({ box, score: r.n / (r.n + cfg.minNeighbors + 1) });
      }
      const keep = nms(
        faces.map((f) => toCorners(f.box)),
        faces.map((f) => f.score),
        0.3,
      );
      return keep.map((i) => faces[i]);
    } finally {
      for (const m of mats) m.delete();
    }
  }
}
