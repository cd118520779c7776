// What `embedImages` did, for people (a few lines) and for scripts (a JSON object).
import type { EmbedImagesResult } from './embed-images.js';
import type { FrameModelResult } from './frame-model.js';

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

const f3 = (v: number) => v.toFixed(3);

/** `frameModel`'s result: one line per detector (fit, spread, misses), and whether it was stored. */
export function formatFrameResult(r: FrameModelResult): string[] {
  return [
    `frame: ${r.images} crops pasted into canvases 3x their size, per detector:`,
    ...r.detectors.map(
      (d) =>
        `  ${d.detector}: scale ${f3(d.scale)}, dx ${f3(d.dx)}, dy ${f3(d.dy)} (IQR ${f3(d.spread.scale)}, ${f3(d.spread.dx)}, ${f3(d.spread.dy)}); median IoU ${f3(d.medianIoU)}; missed ${d.missed} of ${d.total}`,
    ),
    r.written ? `written to ${r.model}/model.json` : 'not written (pass --write to store it)',
  ];
}
