import type { Command } from 'commander';
import { DEFAULT_REPORT, DEFAULT_TSNE } from '../../report/defaults.js';
import { parseNumber, startEngine, type GlobalOptions } from '../options.js';
import { printResult } from '../output.js';

interface ReportOpts {
  out: string;
  title?: string;
  smoothing?: string;
  costs: boolean;
  maps: boolean;
  perplexity?: string;
}

/** Registers `exprsim report RUNS... --out DIR`. */
export function registerReportCommands(program: Command): void {
  program
    .command('report')
    .description(
      'compare training runs: a table (Markdown, HTML) and SVG/PNG charts of curves and test accuracy',
    )
    .argument('<runs...>', 'run folders written by `exprsim train` / `exprsim experiment`')
    .requiredOption('--out <dir>', 'output folder (report.md, report.html, *.svg, *.png)')
    .option('--title <text>', 'report title')
    .option(
      '--smoothing <steps>',
      `moving average of the training-loss curves (default ${DEFAULT_REPORT.smoothing})`,
    )
    .option('--no-costs', 'skip counting parameters and FLOPs')
    .option('--no-maps', "skip the t-SNE maps of the runs' test embeddings")
    .option('--perplexity <n>', `t-SNE perplexity of the maps (default ${DEFAULT_TSNE.perplexity})`)
    .action(async (runs: string[], o: ReportOpts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const smoothing = parseNumber('--smoothing', o.smoothing, { min: 1 });
      const perplexity = parseNumber('--perplexity', o.perplexity, { int: false, min: 1 });
      // Counting parameters builds each head; the cpu backend is enough and starts fastest.
      if (o.costs) await startEngine({ ...g, backend: g.backend ?? 'cpu' });
      const { writeReport } = await import('../../report/index.js');
      const maps = o.maps && { perplexity };
      const r = await writeReport(runs, o.out, { title: o.title, smoothing, costs: o.costs, maps });
      const files = r.files;
      printResult(g, { runs: r.runs.map((x) => x.name), files }, () => [
        `report: ${r.runs.length} runs → ${files.length} files`,
        ...files,
      ]);
    });
}
