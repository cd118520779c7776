import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExprsimError, isExprsimError } from '../core/errors.js';
// The image modules are imported from their defining modules, not image/index.js (which also
// loads TensorFlow.js, ~0.7 s, that downloading never needs), and only when a download runs:
// they load sharp, and the data stage's entry stays light (`exprsim data fec-info` and the
// CLI's start read CSVs only).
import type { DecodedImage, FailOn } from '../image/types.js';
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

/** Downloads the images of an FEC CSV into `options.outDir`; see the module comment. */
export async function downloadFec(
  csvPath: string,
  options: FecDownloadOptions,
): Promise<FecDownloadReport> {
  const started = Date.now();
  const outDir = options.outDir;
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
  const [{ readImage }, { writeImage }, { cropImage }] = await Promise.all([
    import('../image/read.js'),
    import('../image/encode.js'),
    import('../image/transform.js'),
  ]);

  // Unique URLs in CSV order, each with its distinct boxes.
  const wanted = new Map<string, Map<string, FecBox>>();
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
  let urls = [...wanted.keys()];
  if (options.limit !== undefined) urls = urls.slice(0, requirePositiveInt('limit', options.limit));

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
  const ensureDir = async (dir: string) => {
    if (madeDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    madeDirs.add(dir);
  };

  const writeCrops = async (
    url: string,
    img: DecodedImage,
    boxes: Map<string, FecBox>,
  ): Promise<CropRecord[]> => {
    const out: CropRecord[] = [];
    for (const [id, box] of boxes) {
      const file = cropFile(id, format);
      const crop = cropImage(img, faceCropRect(box, img.width, img.height, margin));
      await ensureDir(join(outDir, file, '..'));
      await writeImage(join(outDir, file), crop, { quality });
      report.cropsWritten++;
      out.push({ id, box, file, width: crop.width, height: crop.height });
    }
    return out;
  };

  const finish = async (record: DownloadRecord) => {
    await appender.append(record);
    records.set(record.url, record);
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
  };

  /** True when an earlier run finished this URL for good (and its files are still there). */
  const alreadyDone = async (
    url: string,
    boxes: Map<string, FecBox>,
  ): Promise<boolean | 'recrop'> => {
    const prev = records.get(url);
    if (prev === undefined || prev.status === 'error') return false;
    if (prev.status === 'dead') return !options.retryDead;
    if (prev.status === 'bad') return !options.retryBad;
    const have = new Map((prev.crops ?? []).map((c) => [c.id, c]));
    for (const id of boxes.keys()) {
      const c = have.get(id);
      if (c === undefined || !(await exists(join(outDir, c.file)))) {
        return prev.full !== undefined && (await exists(join(outDir, prev.full)))
          ? 'recrop'
          : false;
      }
    }
    return true;
  };

  const processUrl = async (url: string): Promise<void> => {
    const boxes = wanted.get(url) as Map<string, FecBox>;
    const done = await alreadyDone(url, boxes);
    if (done === true) {
      report.skipped++;
      return;
    }
    const id = urlId(url);
    const now = () => new Date().toISOString();
    if (done === 'recrop') {
      const prev = records.get(url) as DownloadRecord;
      // A stored image that no longer decodes (damaged on disk) is downloaded again below.
      const img = await readImage(join(outDir, prev.full as string), { failOn }).catch(
        (e: unknown) => {
          if (isExprsimError(e)) return undefined;
          throw e;
        },
      );
      if (img !== undefined) {
        const kept = (prev.crops ?? []).filter((c) => !boxes.has(c.id));
        const crops = [...kept, ...(await writeCrops(url, img, boxes))];
        await appender.append({ ...prev, crops, at: now() });
        records.set(url, { ...prev, crops, at: now() });
        report.recropped++;
        return;
      }
    }
    const got = await fetchWithRetry(url, policy);
    if (got.kind !== 'body') {
      await finish({
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
      img = await readImage(got.bytes, { failOn });
    } catch (e) {
      if (!isExprsimError(e)) throw e;
      await finish({
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
    if (options.keepFull) {
      full = fullImageFile(id, EXTENSIONS[img.format]);
      await ensureDir(join(outDir, full, '..'));
      await writeFileAtomic(join(outDir, full), got.bytes);
    }
    // Crops made for other CSVs sharing this folder stay in the record.
    const earlier = (records.get(url)?.crops ?? []).filter((c) => !boxes.has(c.id));
    const crops = [...earlier, ...(await writeCrops(url, img, boxes))];
    await finish({
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
  };

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
        await processUrl(url);
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
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(concurrency, Math.max(1, urls.length)) }, worker),
  );
  await appender.close();
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  await compactDownloadManifest(manifestPath, records.values());
  report.durationMs = Date.now() - started;
  await writeFileAtomic(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
