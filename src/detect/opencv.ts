/**
 * opencv.js (@techstark/opencv-js, Apache-2.0) as the Viola-Jones detector uses it, in the main
 * thread and in its scan worker: the slice of the API, loading the module, loading a cascade.
 */
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { ExprsimError } from '../core/errors.js';

/** The slice of the opencv.js API used here. */
export interface CvMat {
  delete(): void;
}
/** An 8-bit image matrix; `data` views the wasm heap (copy it before the heap can change). */
export interface CvImage extends CvMat {
  data: Uint8Array;
}
export interface CvRect {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface CvRectVector extends CvMat {
  size(): number;
  get(i: number): CvRect;
  push_back(r: CvRect): void;
}
export interface CvIntVector extends CvMat {
  size(): number;
  get(i: number): number;
}
export interface CvClassifier extends CvMat {
  load(path: string): boolean;
  empty(): boolean;
  detectMultiScale2(
    img: CvMat,
    objects: CvRectVector,
    numDetections: CvIntVector,
    scaleFactor: number,
    minNeighbors: number,
    flags: number,
    minSize: unknown,
    maxSize: unknown,
  ): void;
}
export interface OpenCv {
  Mat: new () => CvMat;
  Rect: new (x: number, y: number, width: number, height: number) => CvRect;
  groupRectangles(rects: CvRectVector, weights: CvIntVector, threshold: number, eps: number): void;
  CascadeClassifier: new () => CvClassifier;
  RectVector: new () => CvRectVector;
  IntVector: new () => CvIntVector;
  Size: new (w: number, h: number) => unknown;
  matFromArray(rows: number, cols: number, type: number, data: ArrayLike<number>): CvImage;
  CV_8UC1: number;
  equalizeHist(src: CvMat, dst: CvMat): void;
  flip(src: CvMat, dst: CvMat, code: number): void;
  FS_createDataFile(
    parent: string,
    name: string,
    data: Uint8Array,
    canRead: boolean,
    canWrite: boolean,
    canOwn: boolean,
  ): void;
  FS_unlink(path: string): void;
  onRuntimeInitialized?: () => void;
}

let cvPromise: Promise<{ cv: OpenCv }> | undefined;

/**
 * opencv.js, initialised. Its module object is a thenable, so awaiting it, returning it from an
 * async function or passing it to a promise's resolve() makes the promise machinery call its
 * then() forever: it only ever travels wrapped in a plain object. Readiness comes from
 * `onRuntimeInitialized`.
 */
export function loadOpenCv(): Promise<{ cv: OpenCv }> {
  cvPromise ??= new Promise<{ cv: OpenCv }>((resolve, reject) => {
    try {
      const require = createRequire(import.meta.url);
      const cv = require('@techstark/opencv-js') as OpenCv;
      if (typeof cv.CascadeClassifier === 'function') resolve({ cv });
      else cv.onRuntimeInitialized = () => resolve({ cv });
    } catch (e) {
      reject(
        new ExprsimError(
          'E_BACKEND_UNAVAILABLE',
          `cannot load opencv.js: ${(e as Error).message}`,
          {
            fix: 'reinstall with npm ci (@techstark/opencv-js is a dependency)',
            cause: e,
          },
        ),
      );
    }
  });
  cvPromise.catch(() => {
    cvPromise = undefined;
  });
  return cvPromise;
}

let fileCounter = 0;

export async function loadCascade(cv: OpenCv, path: string): Promise<CvClassifier> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new ExprsimError('E_FILE_NOT_FOUND', 'Haar cascade file not found', {
      input: path,
      fix: 'reinstall exprsim, or point cascadeDir / EXPRSIM_MODEL_DIR at the shipped models/ folder',
      cause: e,
    });
  }
  const name = `exprsim-cascade-${++fileCounter}.xml`;
  cv.FS_createDataFile('/', name, new Uint8Array(bytes), true, false, false);
  const classifier = new cv.CascadeClassifier();
  const ok = classifier.load(name);
  cv.FS_unlink(`/${name}`);
  if (!ok || classifier.empty()) {
    classifier.delete();
    throw new ExprsimError('E_MODEL_FORMAT', 'not a Haar cascade OpenCV can load', {
      input: path,
      fix: 'use the haarcascade_*.xml files that ship in models/haarcascades',
    });
  }
  return classifier;
}
