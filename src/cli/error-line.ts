import type { Command } from 'commander';
import type { ExprsimError } from '../index.js';

/** Adds `cmd`'s own options to `flags`: key → long flag, and `key: false` → a `--no-…` flag. */
function addFlags(flags: Map<string, string>, cmd: Command): void {
  for (const o of cmd.options) {
    if (o.long === undefined) continue;
    const key = o.attributeName();
    if (o.negate) {
      if (!flags.has(`${key}: false`)) flags.set(`${key}: false`, o.long);
    } else if (!flags.has(key)) flags.set(key, o.long);
  }
}

/**
 * Library errors name options by their keys in backticks (`tailLrScale`), which a library or
 * HTTP caller can use; a terminal user needs the flag. This maps every key that a registered
 * command takes as an option (commander's attribute name) to its long flag, and rewrites the
 * backticked keys of an error's line. Keys the CLI has no flag for are left as they are.
 */
export function optionFlags(program: Command): Map<string, string> {
  const flags = new Map<string, string>();
  const visit = (cmd: Command) => {
    addFlags(flags, cmd);
    cmd.commands.forEach(visit);
  };
  visit(program);
  return flags;
}

/**
 * The keys `cmd` itself takes (its options and those of the commands it is under, the global
 * ones included), for the errors of a run of `cmd`: a key only another command has a flag for
 * is not shown as that flag, which this command would refuse.
 */
export function commandFlags(cmd: Command): Map<string, string> {
  const flags = new Map<string, string>();
  for (let c: Command | null = cmd; c !== null; c = c.parent) addFlags(flags, c);
  return flags;
}

/**
 * `e.toLine()` with backticked option keys replaced by their flags (`detect: false` by
 * `--no-detect` where the command has that flag).
 */
export function cliErrorLine(e: ExprsimError, flags: ReadonlyMap<string, string>): string {
  return e.toLine().replace(/`([a-z][A-Za-z0-9]*(?:: false)?)`/g, (m, key: string) => {
    const flag = flags.get(key);
    return flag === undefined ? m : `\`${flag}\``;
  });
}
