/**
 * Face detection speed (run in its own process), as same-run comparisons: every variant is timed
 * in interleaved rounds (round r runs each variant once, the order rotated by r, after untimed
 * warm-up rounds), so a load swing on the shared machine hits all variants alike.
 *
 * Variants, each on an already-decoded RGB image:
 * - exprsim mtcnn, viola-jones and blazeface: `createDetector(name).detectFaces(image)`;
 *   viola-jones at its default splits each scan over a worker thread (`threads: 2` on two or
 *   more cores), and `viola-jones 1 thread` is the same detector in the calling thread alone;
 * - `opencv.js raw (reference)`: the typical opencv.js Haar snippet with OpenCV's defaults —
 *   RGB Mat from the same pixels, cvtColor to grey, `detectMultiScale(grey, rects, 1.1, 3, 0)`
 *   with haarcascade_frontalface_default.xml at full resolution (the kind of call behind the
 *   detection issue's references);
 * - viola-jones at other scale factors (`--scale-factors`), the cost lever of detectMultiScale
 *   (its work grows with the number of pyramid scales).
 *
 * Sets: test/fixtures/detect/astronaut-256.jpg (`--rounds256` rounds) and the 1920-px-wide photos
 * of `<data>/photos` (`--rounds1920` rounds; each photo is one sample per round). Without the
 * shared data folder the 1920-px part is skipped and the output says so.
 *
 * Per variant: median, p10 and p90 ms; the ratio of its median to the raw opencv.js median of the
 * same rounds; the median and p10/p90 of the per-sample ratios (same round, same image); for the
 * scale-factor variants the same against viola-jones at its default. Prints one JSON line.
 *
 *   node --import tsx bench/suites/detect.ts [--rounds256 60] [--rounds1920 5] [--warmup 2]
 *     [--scale-factors 1.15,1.2] [--data ../shared/data] [--photos 6] [--quick]
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import {
  createDetector,
  initEngine,
  PHOTO_COUNTS,
  readImage,
  type Detector,
  type RawImage,
} from '../../src/index.js';
import {
  loadCascade,
  loadOpenCv,
  type CvClassifier,
  type CvMat,
  type CvRectVector,
  type OpenCv,
} from '../../src/detect/opencv.js';
import { arg, quick } from '../args.js';
import { median, quantile } from '../stats.js';

const root = new URL('../..', import.meta.url).pathname;
const rounds256 = Number(arg('rounds256', quick ? '5' : '60'));
const rounds1920 = Number(arg('rounds1920', quick ? '1' : '5'));
const warmup = Number(arg('warmup', quick ? '1' : '2'));
const maxPhotos = Number(arg('photos', quick ? '2' : '6'));
const scaleFactors = arg('scale-factors', '1.15,1.2')
  .split(',')
  .filter((s) => s !== '')
  .map(Number);
const dataDir = resolve(root, arg('data', '../shared/data'));
const image256Path = join(root, 'test', 'fixtures', 'detect', 'astronaut-256.jpg');
const RAW = 'opencv.js raw (reference)';

// --- opencv.js as src/detect/opencv.ts loads it, plus the calls of the typical snippet.
type RawCv = OpenCv & {
  cvtColor(src: CvMat, dst: CvMat, code: number): void;
  CV_8UC3: number;
  COLOR_RGB2GRAY: number;
};
type RawClassifier = CvClassifier & {
  detectMultiScale(
    img: CvMat,
    objects: CvRectVector,
    scaleFactor: number,
    minNeighbors: number,
    flags: number,
  ): void;
};

async function rawOpenCvDetector(): Promise<(img: RawImage) => number> {
  const cv = (await loadOpenCv()).cv as RawCv;
  const classifier = (await loadCascade(
    cv,
    join(root, 'models/haarcascades/haarcascade_frontalface_default.xml'),
  )) as RawClassifier;
  return (img: RawImage) => {
    if (img.channels !== 3) throw new Error('raw opencv.js variant expects RGB');
    const rgb = cv.matFromArray(img.height, img.width, cv.CV_8UC3, img.data);
    const grey = new cv.Mat();
    const rects = new cv.RectVector();
    try {
      cv.cvtColor(rgb, grey, cv.COLOR_RGB2GRAY);
      classifier.detectMultiScale(grey, rects, 1.1, 3, 0);
      return rects.size();
    } finally {
      rgb.delete();
      grey.delete();
      rects.delete();
    }
  };
}

interface Variant {
  name: string;
  config?: Record<string, unknown>;
  /** Faces found. */
  run(img: RawImage): Promise<number>;
}

const fromDetector = (name: string, det: Detector, config?: Record<string, unknown>): Variant => ({
  name,
  config,
  run: async (img) => (await det.detectFaces(img)).length,
});

/** Median, p10 and p90 of the per-sample ratios a[k] / b[k] (same round, same image). */
function pairedRatio(a: number[], b: number[]): { median: number; p10: number; p90: number } {
  const r = a.map((x, k) => x / b[k]);
  return { median: median(r), p10: quantile(r, 0.1), p90: quantile(r, 0.9) };
}

/** Interleaved rounds: round r runs every variant once per image, order rotated by r + image. */
async function measure(
  label: string,
  variants: Variant[],
  images: RawImage[],
  rounds: number,
  warm: number,
): Promise<Record<string, unknown>> {
  // ms.get(name)[k]: sample k = round * images.length + image, so samples pair across variants.
  const ms = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const faces = new Map<string, number>(variants.map((v) => [v.name, 0]));
  for (let r = -warm; r < rounds; r++) {
    for (let i = 0; i < images.length; i++) {
      const n = variants.length;
      const shift = (((r + i) % n) + n) % n;
      for (const v of [...variants.slice(shift), ...variants.slice(0, shift)]) {
        const t0 = performance.now();
        const found = await v.run(images[i]);
        const t = performance.now() - t0;
        if (r < 0) continue;
        ms.get(v.name)?.push(t);
        if (r === rounds - 1) faces.set(v.name, (faces.get(v.name) ?? 0) + found);
      }
    }
    if (r >= 0)
      process.stderr.write(
        `detect: ${label} round ${r + 1}/${rounds} (last image, ms): ${variants
          .map((v) => `${v.name} ${(ms.get(v.name)?.at(-1) ?? NaN).toFixed(0)}`)
          .join(', ')}\n`,
      );
  }
  const rawMs = ms.get(RAW) ?? [];
  const vjMs = ms.get('viola-jones') ?? [];
  return {
    set: label,
    images: images.length,
    rounds,
    warmupRounds: warm,
    samplesPerVariant: rounds * images.length,
    variants: variants.map((v) => {
      const t = ms.get(v.name) ?? [];
      const sweep = v.name.startsWith('viola-jones scaleFactor');
      return {
        name: v.name,
        ...(v.config ? { config: v.config } : {}),
        medianMs: median(t),
        p10Ms: quantile(t, 0.1),
        p90Ms: quantile(t, 0.9),
        ratioToRaw: median(t) / median(rawMs),
        pairedRatioToRaw: pairedRatio(t, rawMs),
        ...(sweep
          ? {
              ratioToViolaJones: median(t) / median(vjMs),
              pairedRatioToViolaJones: pairedRatio(t, vjMs),
            }
          : {}),
        // Faces found in the last round (summed over the images).
        facesLastRound: faces.get(v.name),
      };
    }),
  };
}

const started = performance.now();
const engine = await initEngine();
const raw = await rawOpenCvDetector();
const mtcnn = await createDetector('mtcnn');
const vj = await createDetector('viola-jones');
const vj1 = await createDetector('viola-jones', { threads: 1 });
const blazeface = await createDetector('blazeface');
const main: Variant[] = [
  fromDetector('mtcnn', mtcnn),
  fromDetector('viola-jones', vj, {
    scaleFactor: vj.config.scaleFactor,
    threads: vj.config.threads,
  }),
  fromDetector('viola-jones 1 thread', vj1, { scaleFactor: vj1.config.scaleFactor, threads: 1 }),
  fromDetector('blazeface', blazeface),
  { name: RAW, run: (img) => Promise.resolve(raw(img)) },
];
const sweepDetectors: Detector[] = [];
const sweep: Variant[] = [];
for (const sf of scaleFactors) {
  const det = await createDetector('viola-jones', { scaleFactor: sf });
  sweepDetectors.push(det);
  sweep.push(fromDetector(`viola-jones scaleFactor ${sf}`, det, { scaleFactor: sf }));
}

const image256 = await readImage(image256Path, { channels: 3 });
const sets: Record<string, unknown>[] = [];
sets.push({
  ...(await measure('256', [...main, ...sweep], [image256], rounds256, warmup)),
  facesCounted: 1,
});

let skipped1920: string | undefined;
const photoDir = join(dataDir, 'photos');
const photos1920: string[] = [];
if (!existsSync(photoDir)) {
  skipped1920 = `shared data not found at ${photoDir}`;
} else {
  for (const f of readdirSync(photoDir).sort()) {
    if (!/\.(jpe?g|png)$/i.test(f)) continue;
    const { width } = await sharp(join(photoDir, f)).metadata();
    if (width === 1920 && photos1920.length < maxPhotos) photos1920.push(f);
  }
  if (photos1920.length === 0) skipped1920 = `no 1920-px-wide photo in ${photoDir}`;
}
if (skipped1920 !== undefined) {
  process.stderr.write(`detect: 1920-px part skipped: ${skipped1920}\n`);
} else {
  const imgs = await Promise.all(
    photos1920.map((f) => readImage(join(photoDir, f), { channels: 3 })),
  );
  sets.push({
    ...(await measure('1920', [...main, ...sweep], imgs, rounds1920, 1)),
    files: photos1920,
    sizes: imgs.map((im) => `${im.width}x${im.height}`),
    // Faces a person counted on these photos (../shared/data/photos/SOURCE.md).
    facesCounted: photos1920.reduce((n, f) => n + (PHOTO_COUNTS[f] ?? NaN), 0),
  });
}
for (const d of [mtcnn, vj, vj1, blazeface, ...sweepDetectors]) d.dispose();

process.stdout.write(
  `${JSON.stringify({
    suite: 'detect',
    quick,
    engine: { backend: engine.backend, simd: engine.simd, threads: engine.threads },
    image256: 'test/fixtures/detect/astronaut-256.jpg',
    rawCall: 'detectMultiScale(grey, rects, 1.1, 3, 0), haarcascade_frontalface_default.xml',
    seconds: (performance.now() - started) / 1000,
    sets,
    ...(skipped1920 !== undefined ? { skipped1920 } : {}),
  })}\n`,
);
