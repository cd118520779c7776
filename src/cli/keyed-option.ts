import { Option } from 'commander';

/**
 * `new Option(flags, description)` stored under the library option key `key`, for a flag that
 * does not spell it (`--out` for `outDir`, `--when-no-face` for `noFace`): commander stores the
 * value under the key, so the action hands it on as it is, and errors naming the key in
 * backticks show this flag (./error-line.ts maps attribute names to flags).
 */
export function keyedOption(flags: string, description: string, key: string): Option {
  const option = new Option(flags, description);
  option.attributeName = () => key;
  return option;
}
