import type { Command } from 'commander';
import type { ExprsimError } from '../index.js';

/**
 * Library errors name options by their keys in backticks (`tailLrScale`), which a library or
 * HTTP caller can use; a terminal user needs the flag. This maps every key that a registered
 * command takes as an option (commander's attribute name) to its long flag, and rewrites the
 * backticked keys of an error's line. Keys the CLI has no flag for are left as they are.
 */
export function optionFlags(program: Command): Map<string, string> {
  const flags = new Map<string, string>();
  const visit = (cmd: Command) => {
    for (const o of cmd.options) {
      if (o.long !== undefined && !o.negate) flags.set(o.attributeName(), o.long);
    }
    cmd.commands.forEach(visit);
  };
  visit(program);
  return flags;
}

/** `e.toLine()` with backticked option keys replaced by their flags. */
export function cliErrorLine(e: ExprsimError, flags: ReadonlyMap<string, string>): string {
  return e.toLine().replace(/`([a-z][A-Za-z0-9]*)`/g, (m, key: string) => {
    const flag = flags.get(key);
    return flag === undefined ? m : `\`${flag}\``;
  });
}
