// What `embedImages` did, for people (a few lines) and for scripts (a JSON object).
import type { EmbedImagesResult } from './embed-images.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The run as JSON: the files written, counts, and the images without a face or unreadable. */
export function embedSummaryJson(r: EmbedImagesResult) {
  return {
    out: r.written,
    files: r.files.length,
    faces: r.faces.length,
    detector: r.detector,
    noFace: r.noFace,
    failed: r.failed,
  };
}

/** The run in a line, then the first ten images without a face and the first ten unreadable. */
export function formatEmbedSummary(r: EmbedImagesResult): string[] {
  const how = r.detector !== null ? ` (detector ${r.detector})` : ' (whole images as faces)';
  const lines = [
    `embed: ${plural(r.faces.length, 'face')} from ${plural(r.files.length, 'file')}${how} → ${r.written.join(', ')}`,
  ];
  if (r.noFace.length > 0) {
    lines.push(`no face found in ${r.noFace.length}:`);
    for (const f of r.noFace.slice(0, 10)) lines.push(`  ${f}`);
  }
  if (r.failed.length > 0) {
    lines.push(`skipped ${r.failed.length} unreadable:`);
    for (const f of r.failed.slice(0, 10)) lines.push(`  ${f.reason}`);
  }
  return lines;
}
