import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { ExprsimError } from '../core/errors.js';

/** A physical line of a text file and its 1-based number, as editors and `sed -n` count. */
export interface NumberedLine {
  line: number;
  text: string;
}

/**
 * Throws E_FILE_NOT_FOUND / E_IO unless `path` is a readable regular file. Checked up front
 * because a read stream only reports a missing file asynchronously, as an unhelpful ENOENT.
 */
export async function requireFile(path: string, what = 'file'): Promise<number> {
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) {
      throw new ExprsimError('E_IO', `is a directory, not a ${what}`, {
        input: path,
        fix: `pass the path of the ${what} itself`,
      });
    }
    size = st.size;
  } catch (e) {
    if (e instanceof ExprsimError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ExprsimError('E_FILE_NOT_FOUND', `no such ${what}`, {
        input: path,
        fix: 'check the path (relative paths are resolved from the current directory)',
        cause: e,
      });
    }
    throw new ExprsimError('E_IO', `cannot read the ${what}: ${(e as Error).message}`, {
      input: path,
      cause: e,
    });
  }
  return size;
}

/** Bytes looked at to tell text from binary: as `file` and git do, the start is enough. */
const SNIFF_BYTES = 64 * 1024;

/**
 * What the first bytes say a file is when it is not UTF-8 text: UTF-16/32 (by its byte-order
 * mark, or NULs at every other byte), gzip or zip, or binary (a NUL byte, which UTF-8 text
 * never holds); undefined for text.
 */
export function notTextReason(head: Uint8Array): string | undefined {
  const [a, b, c, d] = head;
  if (a === 0xff && b === 0xfe) return c === 0 && d === 0 ? 'UTF-32 text' : 'UTF-16 text';
  if (a === 0xfe && b === 0xff) return 'UTF-16 text';
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return 'UTF-32 text';
  if (a === 0x1f && b === 0x8b) return 'a gzip file';
  if (a === 0x50 && b === 0x4b && c === 0x03 && d === 0x04) return 'a zip file';
  const nul = head.indexOf(0);
  if (nul < 0) return undefined;
  // UTF-16 without a mark: ASCII text has a NUL in every other byte.
  let even = 0;
  let odd = 0;
  for (let i = 0; i < head.length; i++) {
    if (head[i] !== 0) continue;
    if (i % 2 === 0) even++;
    else odd++;
  }
  if (Math.max(even, odd) > head.length / 4 && Math.min(even, odd) === 0) return 'UTF-16 text';
  return `a binary file (a NUL byte at offset ${nul})`;
}

/**
 * Throws E_DATA_FORMAT when `path` is not UTF-8 text (see notTextReason): read as UTF-8 such a
 * file turns into rows of garbage that are each "bad", and the error would be lost in them.
 */
async function requireText(path: string, what: string): Promise<void> {
  let head: Uint8Array;
  try {
    const handle = await open(path, 'r');
    try {
      const buf = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await handle.read(buf, 0, SNIFF_BYTES, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw new ExprsimError('E_IO', `cannot read the ${what}: ${(e as Error).message}`, {
      input: path,
      cause: e,
    });
  }
  const reason = notTextReason(head);
  if (reason === undefined) return;
  const utf = reason.startsWith('UTF');
  throw new ExprsimError('E_DATA_FORMAT', `is ${reason}, not a UTF-8 ${what}`, {
    input: path,
    fix: utf
      ? `save it as UTF-8 (e.g. iconv -f ${reason.slice(0, 6)} -t UTF-8 FILE > FILE.utf8)`
      : `pass the ${what} itself, as UTF-8 text${reason.includes('zip') ? ' (unpack it first)' : ''}`,
  });
}

/**
 * Streams the lines of a UTF-8 text file without loading it whole (the FEC training CSV is
 * ~200 MB). Handles LF, CRLF and a leading byte-order mark; blank lines are yielded too (callers
 * skip and count them) so that line numbers always match the file. UTF-16, compressed and binary
 * files are E_DATA_FORMAT up front (requireText).
 */
export async function* readLines(path: string, what = 'file'): AsyncGenerator<NumberedLine> {
  await requireFile(path, what);
  await requireText(path, what);
  const input = createReadStream(path, { encoding: 'utf8' });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of rl) {
      line++;
      const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      yield { line, text };
    }
  } catch (e) {
    throw new ExprsimError('E_IO', `cannot read the ${what}: ${(e as Error).message}`, {
      input: path,
      cause: e,
    });
  } finally {
    rl.close();
    input.destroy();
  }
}

/** The error for a file with no data lines at all. */
export function emptyFileError(path: string, what: string, expected: string): ExprsimError {
  return new ExprsimError('E_DATA_EMPTY', `the ${what} is empty (no data lines)`, {
    input: path,
    fix: `expected ${expected}; an empty file is often a failed download or copy`,
  });
}

/** Shortens a field value for an error message. */
export function preview(value: string, max = 60): string {
  const s = value.length > max ? `${value.slice(0, max - 1)}…` : value;
  return JSON.stringify(s);
}
