// How a stage describes the options it offers on the command line, once: the flag, its help and
// its default sit in the stage's tfjs-free defaults module beside the `DEFAULT_*` values the help
// quotes, and the CLI registers its commander options from that table.

/** One command-line option of a library function. */
export interface OptionSpec {
  /** The flag as commander takes it, with its value: `--batch-size <n>`, `-k, --k <n>`, `--mirror`. */
  readonly flags: string;
  readonly help: string;
  /** The library option key when the long flag does not spell it (`--out` for `outDir`). */
  readonly key?: string;
  /** A default filled in before the command runs (commander's help shows it). */
  readonly default?: string;
  /** The option must be given. */
  readonly required?: boolean;
}

/** An option key's long flag: batchSize → --batch-size. */
export const longFlag = (key: string): string =>
  `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
