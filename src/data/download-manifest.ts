import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { writeFileAtomic } from '../core/fs.js';
import type { FecBox } from './fec-row.js';

/**
 * The downloader's manifest, `manifest.jsonl` in the download folder: one JSON line appended per
 * URL when it is finished (after its files are in place), the last line for a URL wins. A rerun
 * reads it to know what is done. Appending a line per URL (rather than rewriting a JSON file)
 * makes progress durable immediately and costs nothing per URL; a kill can at worst leave a
 * partial last line, which the reader ignores. At the end of a run the file is compacted (one
 * line per URL, rewritten atomically).
 *
 * Statuses: ok (downloaded, decoded, crops written), dead (404/410/placeholder: gone for good),
 * bad (the body is not a decodable image: not an image, truncated, too large), error (timeouts,
 * network errors or 5xx after all retries, other 4xx). ok, dead and bad are final; error is
 * retried by the next run.
 */
export type DownloadStatus = 'ok' | 'dead' | 'bad' | 'error';

export interface CropRecord {
  id: string;
  box: FecBox;
  /** Relative to the download folder, e.g. crops/ab/ab12….jpg. */
  file: string;
  width: number;
  height: number;
}

export interface DownloadRecord {
  url: string;
  /** The URL's id (hash), also the full image's file name. */
  id: string;
  status: DownloadStatus;
  http?: number;
  reason?: string;
  attempts: number;
  bytes?: number;
  width?: number;
  height?: number;
  format?: string;
  crops?: CropRecord[];
  /** The full image's file, when kept. */
  full?: string;
  at: string;
}

export const DOWNLOAD_MANIFEST = 'manifest.jsonl';

/** Reads the manifest: the last record per URL, and how many lines could not be parsed. */
export async function readDownloadManifest(
  path: string,
): Promise<{ records: Map<string, DownloadRecord>; badLines: number }> {
  const records = new Map<string, DownloadRecord>();
  let badLines = 0;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records, badLines };
    throw e;
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as DownloadRecord;
      if (typeof r.url === 'string' && typeof r.status === 'string') records.set(r.url, r);
      else badLines++;
    } catch {
      badLines++;
    }
  }
  return { records, badLines };
}

/** Appends records one line at a time, in order, through one file handle. */
export class ManifestAppender {
  private queue: Promise<void> = Promise.resolve();

  private constructor(private readonly handle: FileHandle) {}

  /** Opens for appending; if a kill left a partial last line, ends it first so records never merge. */
  static async open(path: string): Promise<ManifestAppender> {
    let needsNewline = false;
    try {
      const st = await stat(path);
      if (st.size > 0) {
        const h = await open(path, 'r');
        try {
          const b = Buffer.alloc(1);
          await h.read(b, 0, 1, st.size - 1);
          needsNewline = b[0] !== 0x0a;
        } finally {
          await h.close();
        }
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const handle = await open(path, 'a');
    if (needsNewline) await handle.appendFile('\n');
    return new ManifestAppender(handle);
  }

  append(record: DownloadRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    this.queue = this.queue.then(() => this.handle.appendFile(line));
    return this.queue;
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.handle.close();
  }
}

/** Rewrites the manifest with one line per URL (atomically: a kill leaves the old one intact). */
export async function compactDownloadManifest(
  path: string,
  records: Iterable<DownloadRecord>,
): Promise<void> {
  const lines: string[] = [];
  for (const r of records) lines.push(JSON.stringify(r));
  await writeFileAtomic(path, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
}
