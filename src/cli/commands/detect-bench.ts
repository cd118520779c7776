import { join } from 'node:path';
import type { Command } from 'commander';
import { PACKAGE_ROOT } from '../../core/index.js';
import { DEFAULT_DETECT_BENCH, parseDetectorName } from '../../detect/defaults.js';
import type { DetectBenchResult } from '../../index.js';
import { parseNumber, startEngine, type GlobalOptions, type OptionValue } from '../options.js';
import { printJson, printLines, progressBar } from '../output.js';

const pct = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? '-' : `${(100 * v).toFixed(1)}%`;
const ms = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? '-' : `${v.toFixed(0)} ms`;

/** The scores as lines for a terminal; the Markdown tables are bench/detect-report.ts's. */
export function detectBenchLines(r: DetectBenchResult): string[] {
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

/** Registers `exprsim detect-bench`: scores the detectors on the shared data folder. */
export function registerDetectBenchCommand(program: Command): void {
  const d = DEFAULT_DETECT_BENCH;
  program
    .command('detect-bench')
    .description('compare the detectors on FER2013, the WIDER subset and the shared photos')
    .option('--data <dir>', 'shared data folder', d.dataDir)
    .option('--detectors <names>', 'comma-separated detectors', d.detectors.join(','))
    .option('--fer-sample <n>', 'FER2013 PrivateTest crops to use', String(d.ferSample))
    .option(
      '--fer-padding <fraction>',
      'black border around each 48x48 crop, fraction of its side',
      String(d.ferPadding),
    )
    .option('--wider-limit <n>', 'WIDER photos to use (default all)')
    .action(async (o: Record<string, OptionValue>, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const detectors = String(o.detectors)
        .split(',')
        .map((s) => parseDetectorName(s.trim(), 'detectors'));
      await startEngine(g);
      const { runDetectBench } = await import('../../detect/index.js');
      const bar = progressBar(g);
      const result = await runDetectBench({
        dataDir: String(o.data),
        detectors,
        ferSample: parseNumber('--fer-sample', o.ferSample, { min: 1 }),
        ferPadding: parseNumber('--fer-padding', o.ferPadding, { int: false }),
        widerLimit: parseNumber('--wider-limit', o.widerLimit, { min: 1 }),
        speedImage256: join(PACKAGE_ROOT, 'test', 'fixtures', 'detect', 'astronaut-256.jpg'),
        onProgress: bar.update,
      }).finally(() => bar.done());
      if (g.json) printJson(result);
      else printLines(detectBenchLines(result));
    });
}
