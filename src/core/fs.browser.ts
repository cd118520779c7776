/** fs.ts for the browser build: a page has no files to write; saving says so. */
import { ExprsimError } from './errors.js';

export interface WriteAtomicOptions {
  mkdirs?: boolean;
}

function noFiles(path: string): ExprsimError {
  return new ExprsimError('E_IO', 'the browser build cannot write files', {
    input: path,
    fix: 'save models and results with exprsim in Node',
  });
}

export async function writeFileAtomic(
  path: string,
  _data: string | Uint8Array,
  _options: WriteAtomicOptions = {},
): Promise<void> {
  throw noFiles(path);
}

export async function sha256File(path: string): Promise<string> {
  throw noFiles(path);
}
