import { printable } from '../core/printable.js';
import type { DetectBenchResult } from './bench.js';
import type { DetectFilesResult } from './detect-files.js';

// The detect stage's results as text for a terminal (`exprsim detect`, `exprsim detect-bench`)
// and as the JSON `exprsim detect --json` prints. Pure: no I/O. The Markdown tables of the
// benchmark documents are bench/detect-report.ts's.

/** `detectFiles`'s result without the count of skipped files (each skipped one has its error). */
export function detectFilesJson(r: DetectFilesResult) {
  return { detector: r.detector, config: r.config, images: r.images };
}

/** Each image's face count and boxes with scores, then how many files were skipped. */
export function formatDetectFiles(r: DetectFilesResult): string[] {
  const lines: string[] = [];
  for (const { file, faces } of r.images) {
    if (faces === undefined) continue;
    lines.push(`${printable(file)}: ${faces.length} face${faces.length === 1 ? '' : 's'}`);
    for (const { box: b, score } of faces)
      lines.push(`  x ${b.x} y ${b.y} w ${b.width} h ${b.height} score ${score}`);
  }
  if (r.failed > 0) lines.push(`${r.failed} of ${r.images.length} images skipped (see above)`);
  return lines;
}

const pct = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? '-' : `${(100 * v).toFixed(1)}%`;
const ms = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? '-' : `${v.toFixed(0)} ms`;

/** The benchmark's scores per detector and set, and its speed. */
export function formatDetectBench(r: DetectBenchResult): string[] {
  const o = r.options;
  const lines = [
    `${r.date}: FER2013 ${o.ferSample} crops (+${o.ferPadding * 100}% border), WIDER ${o.widerLimit} photos, shared photos; IoU 0.5`,
  ];
  for (const d of r.results) {
    lines.push(`${d.detector}:`);
    const { fer2013: f, wider: w, photos: p } = d;
    if (f)
      lines.push(
        `  fer2013  found ${pct(f.detectionRate)}, recall ${pct(f.recall)}, precision ${pct(f.precision)}, median ${ms(f.medianMs)}`,
      );
    if (w)
      lines.push(
        `  wider    recall ${pct(w.recall)}, precision ${pct(w.precision)}, ${(w.falsePositivesPerImage ?? NaN).toFixed(2)} false pos./image, median ${ms(w.medianMs)}`,
        `           recall by face height: ${(w.recallBySize ?? []).map((b) => `${b.range} ${pct(b.recall)} (${b.faces})`).join(', ')}`,
      );
    if (p)
      lines.push(
        `  photos   recall ${pct(p.recall)} (capped at the counted faces), median ${ms(p.medianMs)}: ${p.perImage.map((x) => `${x.file} ${x.found}/${x.counted}`).join(', ')}`,
      );
    lines.push(
      `  speed    ${ms(d.speed.medianMs1920)} per 1920-px photo, ${ms(d.speed.medianMs256)} per 256-px image`,
    );
  }
  return lines;
}
