/**
 * What users wait for, on one native-library configuration (run in its own process by
 * bench/engine-pipeline.ts; EXPRSIM_NATIVE and EXPRSIM_NATIVE_THREADS choose it):
 * - the default model's faces/s: `embedPrepared` on 96 faces MTCNN found in the photos,
 *   prepared (aligned, masked) beforehand, median of `--runs`;
 * - `exprsim index` photos/s: `indexFolder` (MTCNN, preparation, the default model, SQLite) on a
 *   copy of the first `--photos` photos of `--dir` (sorted paths), into a new index; once, the
 *   engine already started (the model and detector loads are in the time, as in the command).
 * Prints one JSON line.
 *
 *   node --import tsx bench/suites/pipeline.ts [--dir ../shared/data/wider-val-subset/images]
 *     [--photos 40] [--runs 5]
 */
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import {
  createDetector,
  createEmbedder,
  defaultModelPath,
  indexFolder,
  initEngine,
  readImage,
  type RawImage,
} from '../../src/index.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { arg } from '../args.js';
import { timeRuns } from '../stats.js';

const dir = resolve(
  arg('dir', join(PACKAGE_ROOT, '..', 'shared', 'data', 'wider-val-subset', 'images')),
);
const photoCount = Number(arg('photos', '40'));
const runs = Number(arg('runs', '5'));
const FACES = 96;

async function listJpegs(d: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) out.push(...(await listJpegs(p)));
    else if (/\.jpe?g$/i.test(e.name)) out.push(p);
  }
  return out.sort();
}

const engine = await initEngine({ backend: 'wasm' });
const photos = (await listJpegs(dir)).slice(0, photoCount);
if (photos.length === 0) throw new Error(`no photos under ${dir}`);

// Faces to embed: MTCNN's on the photos, prepared as the default model's record says.
const embedder = await createEmbedder(defaultModelPath());
const mtcnn = await createDetector('mtcnn');
const prepared: RawImage[] = [];
for (const p of photos) {
  if (prepared.length >= FACES) break;
  const image = await readImage(p);
  for (const face of await mtcnn.detectFaces(image)) {
    if (prepared.length >= FACES) break;
    prepared.push(await embedder.prepareFace(image, face));
  }
}
mtcnn.dispose();
const distinct = prepared.length;
for (let i = 0; prepared.length < FACES && distinct > 0; i++) prepared.push(prepared[i]);
const embed = await timeRuns(() => embedder.embedPrepared(prepared), runs, 1);
embedder.dispose();

const work = await mkdtemp(join(tmpdir(), 'exprsim-bench-pipeline-'));
let index: Record<string, unknown>;
try {
  const root = join(work, 'photos');
  await mkdir(root);
  for (const p of photos) await copyFile(p, join(root, relative(dir, p).replaceAll('/', '__')));
  const t0 = performance.now();
  const s = await indexFolder({ dir: root, db: join(work, 'faces.sqlite'), ann: { mode: 'off' } });
  const seconds = (performance.now() - t0) / 1000;
  index = {
    photos: s.files,
    faces: s.faces,
    failed: s.failed,
    seconds,
    photosPerSec: s.files / seconds,
  };
} finally {
  await rm(work, { recursive: true, force: true });
}

process.stdout.write(
  `${JSON.stringify({
    suite: 'pipeline',
    native: engine.native,
    dir,
    embed: { ...embed, faces: FACES, distinctFaces: distinct, facesPerSec: FACES / embed.median },
    index,
  })}\n`,
);
