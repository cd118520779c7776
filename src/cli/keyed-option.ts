import { Option } from 'commander';

/**
 * An option whose flag does not spell its library option key (`--out` for `outDir`,
 * `--when-no-face` for `noFace`): commander stores the value under the key, so the action hands
 * it on as it is, and errors naming the key in backticks show this flag (./error-line.ts maps
 * attribute names to flags).
 */
class KeyedOption extends Option {
  readonly #key: string;

  constructor(flags: string, description: string, key: string) {
    super(flags, description);
    this.#key = key;
  }

  override attributeName(): string {
    return this.#key;
  }
}

/** `new Option(flags, description)` stored under `key`. */
export function keyedOption(flags: string, description: string, key: string): Option {
  return new KeyedOption(flags, description, key);
}
