import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExprsimError, isExprsimError } from '../core/errors.js';
// The image modules are imported from their defining modules, not image/index.js (which also
// loads TensorFlow.js, ~0.7 s, that downloading never needs), and only when a download runs:
// they load sharp, and the data stage's entry stays light (`exprsim data fec-info` and the
// CLI's start read CSVs only).
import type { DecodedImage, FailOn } from '../image/types.js';
import type { readImage } from '../image/read.js';
import type { writeImage } from '../image/encode.js';
import type { cropImage } from '../image/transform.js';
import { packageVersion } from '../core/paths.js';
import type { ProgressCallback } from '../core/progress.js';
import { writeFileAtomic } from '../core/fs.js';
import {
  compactDownloadManifest,
  DOWNLOAD_MANIFEST,
  ManifestAppender,
  readDownloadManifest,
  type CropRecord,
  type DownloadRecord,
  type DownloadStatus,
} from './download-manifest.js';
import { DEFAULT_FEC_DOWNLOAD as D } from './defaults.js';
import { faceCropRect } from './face-crop.js';
import { detachString } from './csv-line.js';
import { readFecCsv } from './fec-csv.js';
import { cropFile, cropId, fullImageFile, urlId, type CropFormat } from './fec-ids.js';
import type { FecBadRow, FecBox } from './fec-row.js';
import { fetchWithRetry, type FetchPolicy } from './fetch-retry.js';

/**
 * The FEC image downloader.
 *
 * What is stored: every unique URL is fetched once; for each distinct face box it appears with
 * (the same photo is used in many rows, sometimes with different boxes) one crop is written,
 * named by a hash of (URL, box): `crops/<xx>/<id>.jpg`. Crops, not whole photos, are what
 * training reads, and several faces of one photo must stay separate. The full photo is kept only
 * with `keepFull` (`images/<xx>/<urlId>.<ext>`, its original bytes), which also lets a later CSV
 * with new boxes be cropped without downloading again.
 *
 * Resumable: files are written to a temporary name and renamed, and a URL's manifest line is
 * appended only after all its files are in place, so a kill at any moment leaves either no
 * record (the URL is redone) or a complete one. Stale temporary files are removed at start.
 */
/** Defaults: {@link DEFAULT_FEC_DOWNLOAD}. */
export interface FecDownloadOptions {
  outDir: string;
  /** Parallel requests. Default 8: fast enough for 156K URLs, polite to one image host. */
  concurrency?: number;
  /** Per request (headers and body). Default 30 s. */
  timeoutMs?: number;
  /** Extra attempts on timeouts, network errors, 5xx, 408, 429. Default 3. */
  retries?: number;
  /** First retry wait; doubles per retry. Default 1000 ms. */
  backoffMs?: number;
  /** Default 30 s. */
  maxBackoffMs?: number;
  /** Crop margin as a fraction of the box size. Default 0.2. */
  margin?: number;
  /** Crop file format. Default 'jpeg'. */
  format?: CropFormat;
  /** JPEG quality 1-100. Default 95 (crops are training inputs: keep them close to the source). */
  quality?: number;
  /** Also store each full image. Default false. */
  keepFull?: boolean;
  /** Try URLs recorded as dead / bad again (they are final otherwise). */
  retryDead?: boolean;
  retryBad?: boolean;
  /** Only the first N unique URLs (in CSV order), to try things out. */
  limit?: number;
  /** Largest body accepted. Default 20 MiB (Flickr originals of FEC photos are far smaller). */
  maxBytes?: number;
  /**
   * Decoder strictness. Default 'error': rejects truncated and corrupt images but accepts the
   * harmless warnings many web JPEGs trigger.
   */
  failOn?: FailOn;
  userAgent?: string;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

export interface DownloadProblem {
  url: string;
  status: DownloadStatus;
  reason: string;
}

export interface FecDownloadReport {
  csv: string;
  outDir: string;
  manifest: string;
  rows: number;
  badRows: number;
  firstBadRows: FecBadRow[];
  /** Unique URLs considered (after `limit`). */
  urls: number;
  /** Distinct (URL, box) crops those URLs need. */
  crops: number;
  /** This run: URLs newly downloaded, gone, undecodable, failed. */
  downloaded: number;
  dead: number;
  bad: number;
  errors: number;
  /** URLs already done by an earlier run (ok with all crops, dead, bad). */
  skipped: number;
  /** URLs done earlier whose missing crops were cut from the stored full image. */
  recropped: number;
  cropsWritten: number;
  /** Stale temporary files from an interrupted run, removed. */
  staleTempFiles: number;
  manifestBadLines: number;
  /** The first few URLs that were not ok this run. */
  firstProblems: DownloadProblem[];
  durationMs: number;
}

const EXTENSIONS: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };

function requirePositiveInt(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `\`${name}\` must be a whole number >= ${min}, got ${String(v)}`,
      {
        input: `${name}=${String(v)}`,
        option: name,
      },
    );
  }
  return v;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Removes `.*.tmp` files left in crops/xx and images/xx by a killed run. */
async function removeStaleTemps(outDir: string): Promise<number> {
  let removed = 0;
  for (const top of ['crops', 'images']) {
    let subs: string[];
    try {
      subs = await readdir(join(outDir, top));
    } catch {
      continue;
    }
    for (const sub of subs) {
      let names: string[];
      try {
        names = await readdir(join(outDir, top, sub));
      } catch {
        continue;
      }
      for (const n of names) {
        if (n.startsWith('.') && n.endsWith('.tmp')) {
          await rm(join(outDir, top, sub, n), { force: true });
          removed++;
        }
      }
    }
  }
  return removed;
}

/** The validated download options (every default applied). */
interface DownloadSettings {
  concurrency: number;
  policy: FetchPolicy;
  margin: number;
  format: CropFormat;
  quality: number;
  failOn: FailOn;
}

/** The image functions, loaded only when a download runs (see the imports). */
interface ImageModules {
  readImage: typeof readImage;
  writeImage: typeof writeImage;
  cropImage: typeof cropImage;
}

/** Unique URLs in CSV order, each with its distinct boxes by crop id. */
type WantedUrls = Map<string, Map<string, FecBox>>;

/** The state one `downloadFec` call shares between its steps. */
interface DownloadRun {
  outDir: string;
  options: FecDownloadOptions;
  settings: DownloadSettings;
  images: ImageModules;
  wanted: WantedUrls;
  records: Map<string, DownloadRecord>;
  appender: ManifestAppender;
  manifestPath: string;
  report: FecDownloadReport;
  madeDirs: Set<string>;
}

const now = () => new Date().toISOString();

function resolveSettings(options: FecDownloadOptions): DownloadSettings {
  const concurrency = requirePositiveInt('concurrency', options.concurrency ?? D.concurrency);
  const policy: FetchPolicy = {
    timeoutMs: requirePositiveInt('timeoutMs', options.timeoutMs ?? D.timeoutMs),
    retries: requirePositiveInt('retries', options.retries ?? D.retries, 0),
    backoffMs: requirePositiveInt('backoffMs', options.backoffMs ?? D.backoffMs, 0),
    maxBackoffMs: requirePositiveInt('maxBackoffMs', options.maxBackoffMs ?? D.maxBackoffMs, 0),
    maxBytes: requirePositiveInt('maxBytes', options.maxBytes ?? D.maxBytes),
    userAgent: options.userAgent ?? `exprsim/${packageVersion()} (FEC dataset downloader)`,
    signal: options.signal,
  };
  const margin = options.margin ?? D.margin;
  faceCropRect({ left: 0, right: 1, top: 0, bottom: 1 }, 1, 1, margin); // validates margin
  const format: CropFormat = options.format ?? D.format;
  if (format !== 'jpeg' && format !== 'png') {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `crop \`format\` must be jpeg or png, got ${String(format)}`,
      {
        input: `format=${String(format)}`,
        option: 'format',
      },
    );
  }
  const quality = options.quality ?? D.quality;
  const failOn = options.failOn ?? D.failOn;
  return { concurrency, policy, margin, format, quality, failOn };
}

async function loadImageModules(): Promise<ImageModules> {
  const [{ readImage }, { writeImage }, { cropImage }] = await Promise.all([
    import('../image/read.js'),
    import('../image/encode.js'),
    import('../image/transform.js'),
  ]);
  return { readImage, writeImage, cropImage };
}

/** Reads the CSV into its unique URLs (CSV order) and their distinct boxes. */
async function readWantedUrls(
  csvPath: string,
): Promise<{ csv: Awaited<ReturnType<typeof readFecCsv>>; wanted: WantedUrls }> {
  const wanted: WantedUrls = new Map();
  const csv = await readFecCsv(csvPath, {
    onRow: (row) => {
      for (const f of row.faces) {
        let boxes = wanted.get(f.url);
        if (boxes === undefined) wanted.set(detachString(f.url), (boxes = new Map()));
        const id = cropId(f.url, f.box);
        if (!boxes.has(id)) boxes.set(id, f.box);
      }
    },
  });
  if (csv.rows === 0) {
    const first = csv.firstBadRows[0];
    throw new ExprsimError(
      'E_DATA_FORMAT',
      `no valid rows (${csv.badRows} bad; line ${first.line}: ${first.reason})`,
      {
        input: csvPath,
        fix: 'pass an FEC CSV (run `exprsim data fec-info` on it to see what is wrong)',
      },
    );
  }
  return { csv, wanted };
}

async function ensureDir(run: DownloadRun, dir: string): Promise<void> {
  if (run.madeDirs.has(dir)) return;
  await mkdir(dir, { recursive: true });
  run.madeDirs.add(dir);
}

async function writeCrops(
  run: DownloadRun,
  img: DecodedImage,
  boxes: Map<string, FecBox>,
): Promise<CropRecord[]> {
  const { outDir, settings, images } = run;
  const out: CropRecord[] = [];
  for (const [id, box] of boxes) {
    const file = cropFile(id, settings.format);
    const crop = images.cropImage(img, faceCropRect(box, img.width, img.height, settings.margin));
    await ensureDir(run, join(outDir, file, '..'));
    await images.writeImage(join(outDir, file), crop, { quality: settings.quality });
    run.report.cropsWritten++;
    out.push({ id, box, file, width: crop.width, height: crop.height });
  }
  return out;
}

/** Records a URL's outcome: manifest line, in-memory record, report counts. */
async function finish(run: DownloadRun, record: DownloadRecord): Promise<void> {
  const { report } = run;
  await run.appender.append(record);
  run.records.set(record.url, record);
  if (record.status === 'ok') report.downloaded++;
  else if (record.status === 'dead') report.dead++;
  else if (record.status === 'bad') report.bad++;
  else report.errors++;
  if (record.status !== 'ok' && report.firstProblems.length < 10) {
    report.firstProblems.push({
      url: record.url,
      status: record.status,
      reason: record.reason ?? '',
    });
  }
}

/** True when an earlier run finished this URL for good (and its files are still there). */
async function alreadyDone(
  run: DownloadRun,
  url: string,
  boxes: Map<string, FecBox>,
): Promise<boolean | 'recrop'> {
  const prev = run.records.get(url);
  if (prev === undefined || prev.status === 'error') return false;
  if (prev.status === 'dead') return !run.options.retryDead;
  if (prev.status === 'bad') return !run.options.retryBad;
  const have = new Map((prev.crops ?? []).map((c) => [c.id, c]));
  for (const id of boxes.keys()) {
    const c = have.get(id);
    if (c === undefined || !(await exists(join(run.outDir, c.file)))) {
      return prev.full !== undefined && (await exists(join(run.outDir, prev.full)))
        ? 'recrop'
        : false;
    }
  }
  return true;
}

/** Cuts the missing crops from the stored full image; false when it no longer decodes. */
async function recropFromFull(
  run: DownloadRun,
  url: string,
  boxes: Map<string, FecBox>,
): Promise<boolean> {
  const prev = run.records.get(url) as DownloadRecord;
  // A stored image that no longer decodes (damaged on disk) is downloaded again below.
  const img = await run.images
    .readImage(join(run.outDir, prev.full as string), { failOn: run.settings.failOn })
    .catch((e: unknown) => {
      if (isExprsimError(e)) return undefined;
      throw e;
    });
  if (img === undefined) return false;
  const kept = (prev.crops ?? []).filter((c) => !boxes.has(c.id));
  const crops = [...kept, ...(await writeCrops(run, img, boxes))];
  await run.appender.append({ ...prev, crops, at: now() });
  run.records.set(url, { ...prev, crops, at: now() });
  run.report.recropped++;
  return true;
}

/** Fetches a URL, decodes it, writes its crops (and full image) and records the outcome. */
async function downloadUrl(
  run: DownloadRun,
  url: string,
  boxes: Map<string, FecBox>,
): Promise<void> {
  const { outDir, settings } = run;
  const id = urlId(url);
  const got = await fetchWithRetry(url, settings.policy);
  if (got.kind !== 'body') {
    await finish(run, {
      url,
      id,
      status: got.kind,
      http: got.status,
      reason: got.reason,
      attempts: got.attempts,
      at: now(),
    });
    return;
  }
  let img: DecodedImage;
  try {
    img = await run.images.readImage(got.bytes, { failOn: settings.failOn });
  } catch (e) {
    if (!isExprsimError(e)) throw e;
    await finish(run, {
      url,
      id,
      status: 'bad',
      http: got.status,
      reason: `${e.code}: ${e.message}`,
      attempts: got.attempts,
      bytes: got.bytes.length,
      at: now(),
    });
    return;
  }
  let full: string | undefined;
  if (run.options.keepFull) {
    full = fullImageFile(id, EXTENSIONS[img.format]);
    await ensureDir(run, join(outDir, full, '..'));
    await writeFileAtomic(join(outDir, full), got.bytes);
  }
  // Crops made for other CSVs sharing this folder stay in the record.
  const earlier = (run.records.get(url)?.crops ?? []).filter((c) => !boxes.has(c.id));
  const crops = [...earlier, ...(await writeCrops(run, img, boxes))];
  await finish(run, {
    url,
    id,
    status: 'ok',
    http: got.status,
    attempts: got.attempts,
    bytes: got.bytes.length,
    width: img.width,
    height: img.height,
    format: img.format,
    crops,
    ...(full === undefined ? {} : { full }),
    at: now(),
  });
}

async function processUrl(run: DownloadRun, url: string): Promise<void> {
  const boxes = run.wanted.get(url) as Map<string, FecBox>;
  const done = await alreadyDone(run, url, boxes);
  if (done === true) {
    run.report.skipped++;
    return;
  }
  if (done === 'recrop' && (await recropFromFull(run, url, boxes))) return;
  await downloadUrl(run, url, boxes);
}

/** Opens the output folder: reads the manifest, removes stale temporaries, starts the report. */
async function openRun(
  csvPath: string,
  options: FecDownloadOptions,
  settings: DownloadSettings,
  images: ImageModules,
  csv: Awaited<ReturnType<typeof readFecCsv>>,
  wanted: WantedUrls,
  urls: string[],
): Promise<DownloadRun> {
  const outDir = options.outDir;
  await mkdir(outDir, { recursive: true });
  const manifestPath = join(outDir, DOWNLOAD_MANIFEST);
  const { records, badLines } = await readDownloadManifest(manifestPath);
  const staleTempFiles = await removeStaleTemps(outDir);
  const appender = await ManifestAppender.open(manifestPath);
  const report: FecDownloadReport = {
    csv: csvPath,
    outDir,
    manifest: manifestPath,
    rows: csv.rows,
    badRows: csv.badRows,
    firstBadRows: csv.firstBadRows,
    urls: urls.length,
    crops: urls.reduce((n, u) => n + (wanted.get(u)?.size ?? 0), 0),
    downloaded: 0,
    dead: 0,
    bad: 0,
    errors: 0,
    skipped: 0,
    recropped: 0,
    cropsWritten: 0,
    staleTempFiles,
    manifestBadLines: badLines,
    firstProblems: [],
    durationMs: 0,
  };
  const madeDirs = new Set<string>();
  return {
    outDir,
    options,
    settings,
    images,
    wanted,
    records,
    appender,
    manifestPath,
    report,
    madeDirs,
  };
}

/** Runs `concurrency` workers over the URLs; the first failure stops them all. */
async function runWorkers(run: DownloadRun, urls: string[]): Promise<PromiseSettledResult<void>[]> {
  const { options } = run;
  let next = 0;
  let finished = 0;
  const progress = () =>
    options.onProgress?.({ done: finished, total: urls.length, label: 'download' });
  let failed = false;
  const worker = async () => {
    while (next < urls.length && !failed) {
      if (options.signal?.aborted) throw options.signal.reason;
      const url = urls[next++];
      try {
        await processUrl(run, url);
      } catch (e) {
        failed = true; // a write failed (disk full, permissions) or the run was aborted: stop all
        throw e;
      }
      finished++;
      progress();
    }
  };
  progress();
  // allSettled: in-flight URLs finish (and are recorded) before the manifest is closed.
  return Promise.allSettled(
    Array.from({ length: Math.min(run.settings.concurrency, Math.max(1, urls.length)) }, worker),
  );
}

/** Downloads the images of an FEC CSV into `options.outDir`; see the module comment. */
export async function downloadFec(
  csvPath: string,
  options: FecDownloadOptions,
): Promise<FecDownloadReport> {
  const started = Date.now();
  const settings = resolveSettings(options);
  const images = await loadImageModules();
  const { csv, wanted } = await readWantedUrls(csvPath);
  let urls = [...wanted.keys()];
  if (options.limit !== undefined) urls = urls.slice(0, requirePositiveInt('limit', options.limit));

  const run = await openRun(csvPath, options, settings, images, csv, wanted, urls);
  const results = await runWorkers(run, urls);
  await run.appender.close();
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  await compactDownloadManifest(run.manifestPath, run.records.values());
  const { report } = run;
  report.durationMs = Date.now() - started;
  await writeFileAtomic(join(run.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
