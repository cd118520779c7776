import { printable } from './printable.js';

/**
 * Typed errors thrown by the library. Only `cli/` and `serve/` catch them and turn them into
 * output; everything else throws. Each error has a stable `code` so callers can branch on it,
 * names the offending input where there is one, and says how to fix it.
 */
export type ErrorCode =
  | 'E_BACKEND_UNAVAILABLE'
  | 'E_BAD_OPTION'
  | 'E_IMAGE_DECODE'
  | 'E_IMAGE_TOO_LARGE'
  | 'E_NOT_AN_IMAGE'
  | 'E_FILE_NOT_FOUND'
  | 'E_MODEL_FORMAT'
  | 'E_UNKNOWN_NAME'
  | 'E_IO'
  | 'E_DATA_EMPTY'
  | 'E_DATA_FORMAT'
  | 'E_DATA_MISSING_FILES'
  | 'E_BACKBONE_MISMATCH'
  | 'E_CACHE_MISMATCH'
  | 'E_CACHE_INCOMPLETE'
  | 'E_WORKER'
  | 'E_CHECKPOINT'
  | 'E_NO_MODEL'
  | 'E_STORE'
  | 'E_STORE_LOCKED'
  | 'E_OUTSIDE_ROOT'
  | 'E_NO_FACE';

export interface ExprsimErrorOptions {
  /** The file, URL or option value the error is about. */
  input?: string;
  /** What the user can do about it, one sentence. */
  fix?: string;
  /**
   * The option key the error is about (a library options field, e.g. `tailLrScale`). Messages
   * and fixes name options by their keys in backticks; the CLI shows its flags in their place
   * (cli/error-line.ts), a server its own field names.
   */
  option?: string;
  cause?: unknown;
}

export class ExprsimError extends Error {
  readonly code: ErrorCode;
  readonly input?: string;
  readonly fix?: string;
  readonly option?: string;

  constructor(code: ErrorCode, message: string, options: ExprsimErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ExprsimError';
    this.code = code;
    this.input = options.input;
    this.fix = options.fix;
    this.option = options.option;
  }

  /**
   * One line for a terminal: "<input>: <message> (<fix>)", control characters escaped (a file
   * name with escape codes or a newline in it prints as `\x1b…`, `\n`: see core/printable.ts).
   */
  toLine(): string {
    const head = this.input === undefined ? this.message : `${this.input}: ${this.message}`;
    return printable(this.fix === undefined ? head : `${head} (${this.fix})`);
  }
}

export function isExprsimError(e: unknown): e is ExprsimError {
  return e instanceof ExprsimError;
}
