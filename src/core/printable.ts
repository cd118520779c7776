/**
 * Text from outside (file names, paths, messages that quote them) made safe to print on a
 * terminal: control characters (C0, DEL, C1), line and paragraph separators and bidirectional
 * overrides are shown escaped (`\x1b`, `\n`, `\u202e`), so a hostile file name cannot move the
 * cursor, recolour or retitle the terminal, split one line into two, or reorder what is shown.
 * Everything else, including non-ASCII letters, is left as it is.
 */

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

// C0 controls, DEL, C1 controls; U+2028/2029; the bidi embeddings, overrides and isolates.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with its unprintable characters escaped (see the module comment). */
export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}
