import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../src/core/fs.js';

/** The markers around a generated section: `<!-- bench:NAME:start -->` … `<!-- bench:NAME:end -->`. */
function sectionMarkers(name: string): { start: string; end: string } {
  return { start: `<!-- bench:${name}:start -->`, end: `<!-- bench:${name}:end -->` };
}

/**
 * `text` with the section `name` replaced by `body` (trimmed) between its markers; when the
 * markers are absent (or out of order) the section is appended after a blank line. Text outside
 * the markers is kept as it is.
 */
export function replaceMarkedSection(text: string, name: string, body: string): string {
  const { start, end } = sectionMarkers(name);
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  return i >= 0 && j > i
    ? text.slice(0, i) + block + text.slice(j + end.length)
    : `${text.trimEnd()}\n\n${block}\n`;
}

/**
 * Rewrites the section `name` of the Markdown file at `path` (see replaceMarkedSection),
 * atomically; a missing file starts as `initial`.
 */
export async function updateMarkedSection(
  path: string,
  name: string,
  body: string,
  initial = '# Benchmarks\n',
): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    text = initial;
  }
  await writeFileAtomic(path, replaceMarkedSection(text, name, body));
}
