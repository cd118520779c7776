/**
 * Markdown of a detector comparison (`runDetectBench`, run by bench/suites/detect-compare.ts):
 * the full page docs/detect-bench.md and the `detect` section of BENCHMARKS.md.
 */
import type { DetectBenchResult } from '../src/index.js';

const COMMAND = '`npm run bench -- detect` (the scores of `exprsim detect-bench`)';

const pct = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? '—' : `${(100 * v).toFixed(1)}%`;
const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(0));

function ferTable(r: DetectBenchResult): string[] {
  const lines = [
    `## FER2013 PrivateTest (${r.options.ferSample} crops, 48x48 + ${r.options.ferPadding * 100}% black border)`,
    '',
    'Every crop holds one tight face; "found" = at least one detection, "recall" = a detection with',
    'IoU >= 0.5 against the crop itself.',
    '',
    '| detector | found | recall | precision | median ms |',
    '|---|---|---|---|---|',
  ];
  for (const d of r.results) {
    const f = d.fer2013;
    if (f)
      lines.push(
        `| ${d.detector} | ${pct(f.detectionRate)} | ${pct(f.recall)} | ${pct(f.precision)} | ${ms(f.medianMs)} |`,
      );
  }
  return lines;
}

function widerTable(r: DetectBenchResult): string[] {
  const bins = r.results[0]?.wider?.recallBySize ?? [];
  const lines = [
    `## WIDER FACE validation subset (${r.options.widerLimit} photos: Parade, Interview, Couple)`,
    '',
    'Recall on `ok` faces (>= 20 px); tiny/invalid boxes are ignore regions. Detectors set for small',
    'faces here: mtcnn minFaceRatio 0 (min 20 px), viola-jones minSize 20, blazeface tiles.',
    '',
    '| detector | recall | precision | false pos./image | median ms | ' +
      bins.map((b) => `recall ${b.range} (n)`).join(' | ') +
      ' |',
    `|---|---|---|---|---|${bins.map(() => '---|').join('')}`,
  ];
  for (const d of r.results) {
    const w = d.wider;
    if (!w) continue;
    lines.push(
      `| ${d.detector} | ${pct(w.recall)} | ${pct(w.precision)} | ${(w.falsePositivesPerImage ?? NaN).toFixed(2)} | ${ms(w.medianMs)} | ` +
        (w.recallBySize ?? []).map((b) => `${pct(b.recall)} (${b.faces})`).join(' | ') +
        ' |',
    );
  }
  return lines;
}

function photosTable(r: DetectBenchResult): string[] {
  const files = r.results[0]?.photos?.perImage ?? [];
  const lines = [
    '## Shared photos (faces found / counted by a person)',
    '',
    `| detector | recall (capped at count) | ${files.map((p) => `${p.file.replace(/\.(jpg|png)$/, '')} (${p.counted})`).join(' | ')} | median ms |`,
    `|---|---|${files.map(() => '---|').join('')}---|`,
  ];
  for (const d of r.results) {
    const p = d.photos;
    if (!p) continue;
    lines.push(
      `| ${d.detector} | ${pct(p.recall)} | ${p.perImage.map((x) => String(x.found)).join(' | ')} | ${ms(p.medianMs)} |`,
    );
  }
  return lines;
}

function speedTable(r: DetectBenchResult): string {
  const rows = [
    '| detector | median ms per 1920-px photo | median ms per 256-px image |',
    '|---|---|---|',
  ];
  for (const d of r.results)
    rows.push(`| ${d.detector} | ${ms(d.speed.medianMs1920)} | ${ms(d.speed.medianMs256)} |`);
  return rows.join('\n');
}

/** docs/detect-bench.md: every table, then the raw result. `machine` is one line of text. */
export function renderDetectBench(r: DetectBenchResult, machine: string): string {
  return [
    '# Face detector comparison',
    '',
    `Command: ${COMMAND} · ${r.date} · ${machine}. Medians are wall-clock per image,`,
    'one process, detectors run one after another. IoU threshold 0.5 throughout.',
    '',
    ...ferTable(r),
    '',
    ...widerTable(r),
    '',
    ...photosTable(r),
    '',
    '## Speed',
    '',
    speedTable(r),
    '',
    '## Raw results',
    '',
    '```json',
    JSON.stringify(r, null, 2),
    '```',
    '',
  ].join('\n');
}

/** The `detect` section of BENCHMARKS.md: the speed table, pointing at the full page. */
export function renderDetectSection(r: DetectBenchResult, machine: string): string {
  return [
    '## Face detection',
    '',
    `Command: ${COMMAND} · ${r.date} · ${machine}. Full tables: [docs/detect-bench.md](docs/detect-bench.md).`,
    '',
    speedTable(r),
    '',
    'Reference on this machine (detection issue): opencv.js Haar ~37 ms per 256x256 image and 1–1.8 s per',
    '1920-px photo; BlazeFace ~45 ms per 256x256 image; an MTCNN prototype on tfjs-wasm 0.8–1.1 s per 1920-px photo.',
  ].join('\n');
}
