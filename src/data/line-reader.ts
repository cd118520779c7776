import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
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

/**
 * Streams the lines of a UTF-8 text file without loading it whole (the FEC training CSV is
 * ~200 MB). Handles LF, CRLF and a leading byte-order mark; blank lines are yielded too (callers
 * skip and count them) so that line numbers always match the file.
 */
export async function* readLines(path: string, what = 'file'): AsyncGenerator<NumberedLine> {
  await requireFile(path, what);
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
