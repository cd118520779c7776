// Commander options from a stage's option table (core's OptionSpec): the flags, help and
// defaults are written once, in the stage, and every command registers them the same way.
import { Option, type Command } from 'commander';
import type { OptionSpec } from '../../core/index.js';
import { keyedOption } from '../keyed-option.js';

/** Adds `specs` to `cmd` in their order (a `key` stores the value under that library key). */
export function addOptions(cmd: Command, specs: readonly OptionSpec[]): Command {
  for (const s of specs) {
    const o =
      s.key === undefined ? new Option(s.flags, s.help) : keyedOption(s.flags, s.help, s.key);
    if (s.default !== undefined) o.default(s.default);
    cmd.addOption(s.required === true ? o.makeOptionMandatory() : o);
  }
  return cmd;
}
