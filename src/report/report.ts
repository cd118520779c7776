import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { countFlops, countParams } from '../models/flops.js';
import { createHead } from '../models/heads/registry.js';
import type { HeadName } from '../models/heads/registry.js';
import { writeFileAtomic } from '../core/fs.js';
import { barChart, escapeXml, lineChart, scatterChart } from './charts.js';
import { embeddingMapChart, type EmbeddingMapOptions } from './embedding-map.js';
import { readEmbeddingsFile } from '../experiment/embeddings-file.js';
import { DEFAULT_REPORT } from './defaults.js';
import { writeChart } from './png.js';
import { loadRun, movingAverage, type RunInfo } from '../experiment/runs.js';
import { htmlTable, markdownTable, tableRows, type RunCost, type TableRow } from './table.js';

export interface ReportOptions {
  /** Report title; default 'exprsim comparison'. */
  title?: string;
  /** Steps in the moving average of the training-loss curves; default 50. */
  smoothing?: number;
  /** Count parameters and FLOPs by building each head (needs tfjs); default true. */
  costs?: boolean;
  /**
   * 2-D maps (t-SNE) of the runs' test embeddings (`embeddings-test.json`, written by
   * `exprsim experiment`), one per run that has them; options of the layout, or false for none.
   */
  maps?: EmbeddingMapOptions | false;
}

export interface ReportResult {
  runs: RunInfo[];
  files: string[];
}

/** Groups of runs for the curve plots: 'all', then each group named in the runs' run.json. */
export function runGroups(runs: readonly RunInfo[]): Map<string, RunInfo[]> {
  const groups = new Map<string, RunInfo[]>([['all', [...runs]]]);
  for (const r of runs) {
    for (const g of r.groups) {
      if (g === 'all') continue;
      const list = groups.get(g) ?? [];
      list.push(r);
      groups.set(g, list);
    }
  }
  return groups;
}

function costOf(run: RunInfo): RunCost {
  try {
    const model = createHead(run.head as HeadName, run.headConfig);
    try {
      return { params: countParams(model).total, flops: countFlops(model).flops };
    } finally {
      model.dispose();
    }
  } catch {
    return {}; // a head this exprsim cannot build (e.g. a newer option): leave the cells empty
  }
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

type Chart = { file: string; caption: string };
/** Writes one chart (SVG + PNG) as `name` and records it for the report pages. */
type ChartWriter = (svg: string, name: string, caption: string) => Promise<void>;

/** Validation accuracy and smoothed training loss, one chart of each per group of runs. */
async function writeCurveCharts(
  runs: readonly RunInfo[],
  smoothing: number,
  chart: ChartWriter,
): Promise<void> {
  for (const [group, members] of runGroups(runs)) {
    const withVal = members.filter((r) => r.curves.valAccuracy.length > 0);
    if (withVal.length > 0) {
      // Runs validated on a suite are plotted by the suite's mean, what picked their checkpoint.
      const measures = new Set(withVal.map((r) => r.valMeasure));
      const yLabel =
        measures.size === 1 && measures.has('suite mean')
          ? 'validation: mean over the suite’s sets'
          : measures.has('suite mean')
            ? 'validation accuracy (suite mean where validated on a suite)'
            : 'validation triplet accuracy';
      await chart(
        lineChart(
          {
            title: `Validation triplet accuracy — ${group}`,
            xLabel: 'training step',
            yLabel,
          },
          withVal.map((r) => ({ name: r.name, points: r.curves.valAccuracy })),
        ),
        `val-accuracy-${slug(group)}`,
        `Validation triplet accuracy, ${group} runs`,
      );
    }
    const withLoss = members.filter((r) => r.curves.loss.length > 0);
    if (withLoss.length > 0) {
      await chart(
        lineChart(
          {
            title: `Training loss (moving average of ${smoothing} steps) — ${group}`,
            xLabel: 'training step',
            yLabel: 'triplet loss',
          },
          withLoss.map((r) => ({ name: r.name, points: movingAverage(r.curves.loss, smoothing) })),
        ),
        `loss-${slug(group)}`,
        `Training loss, ${group} runs`,
      );
    }
  }
}

/** Test accuracy with its bootstrap interval, one bar per tested run. */
async function writeTestAccuracyChart(
  tested: readonly RunInfo[],
  chart: ChartWriter,
): Promise<void> {
  if (tested.length === 0) return;
  await chart(
    barChart(
      {
        title: 'Test triplet accuracy (95% bootstrap interval)',
        xLabel: '',
        yLabel: 'accuracy %',
      },
      tested.map((r) => ({
        name: r.name,
        value: 100 * (r.test?.accuracy ?? 0),
        low: 100 * (r.test?.low ?? 0),
        high: 100 * (r.test?.high ?? 0),
      })),
    ),
    'test-accuracy',
    'Test triplet accuracy with 95% bootstrap intervals',
  );
}

/** Detection rate against test accuracy, one series per detector, for runs that record both. */
async function writeDetectionChart(tested: readonly RunInfo[], chart: ChartWriter): Promise<void> {
  const byDetector = tested.filter(
    (r) => r.detector !== undefined && r.detectionRate !== undefined,
  );
  if (byDetector.length === 0) return;
  const detectors = [...new Set(byDetector.map((r) => r.detector as string))];
  await chart(
    scatterChart(
      {
        title: 'Detection rate against test accuracy',
        xLabel: 'detection rate % (faces found)',
        yLabel: 'test triplet accuracy %',
      },
      detectors.map((d) => ({
        name: d,
        points: byDetector
          .filter((r) => r.detector === d)
          .map((r) => ({
            x: 100 * (r.detectionRate ?? 0),
            y: 100 * (r.test?.accuracy ?? 0),
            label: [r.head, r.preset].filter(Boolean).join(' '),
          })),
      })),
      5,
    ),
    'detection-vs-accuracy',
    'Detection rate of the preprocessing detector against test accuracy',
  );
}

/** A t-SNE map of each run's test embeddings, for runs whose folder has embeddings-test.json. */
async function writeEmbeddingMaps(
  runs: readonly RunInfo[],
  maps: EmbeddingMapOptions,
  chart: ChartWriter,
): Promise<void> {
  for (const r of runs) {
    const file = join(r.dir, 'embeddings-test.json');
    if (!existsSync(file)) continue;
    const emb = await readEmbeddingsFile(file);
    if (emb.vectors.length < 2) continue;
    await chart(
      embeddingMapChart(emb, r.name, maps),
      `map-${slug(r.name)}`,
      `Test embeddings of ${r.name} laid out by t-SNE, coloured by label`,
    );
  }
}

function markdownReport(
  title: string,
  runCount: number,
  rows: readonly TableRow[],
  charts: readonly Chart[],
): string {
  return [
    `# ${title}`,
    '',
    `Generated by \`exprsim report\` from ${runCount} run folder(s); every number is copied from the runs' metrics.jsonl and eval-test.json.`,
    '',
    markdownTable(rows),
    ...charts.flatMap((c) => [`![${c.caption}](${c.file})`, '']),
  ].join('\n');
}

function htmlReport(title: string, rows: readonly TableRow[], charts: readonly Chart[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:nth-child(-n+4),th{text-align:left}img{max-width:100%;display:block;margin:1rem 0}</style>
</head><body>
<h1>${escapeXml(title)}</h1>
${htmlTable(rows)}
${charts.map((c) => `<figure><img src="${c.file.replace(/\.png$/, '.svg')}" alt="${escapeXml(c.caption)}"><figcaption>${escapeXml(c.caption)}</figcaption></figure>`).join('\n')}
</body></html>
`;
}

/**
 * Writes a comparison report of training runs into `outDir`: report.md and report.html (the
 * table: parameters, FLOPs, throughput, best validation accuracy, test accuracy with its
 * interval and per triplet type, detector), and charts as SVG + PNG — validation accuracy and
 * training loss per group, test accuracy with intervals, detection rate against accuracy when
 * runs record a detector's detection rate, and a t-SNE map of each run's test embeddings
 * coloured by label when the run folder has `embeddings-test.json`.
 */
export async function writeReport(
  runDirs: readonly string[],
  outDir: string,
  options: ReportOptions = {},
): Promise<ReportResult> {
  if (runDirs.length === 0) {
    throw new ExprsimError('E_DATA_EMPTY', 'no runs to report', {
      fix: 'pass run folders written by `exprsim train` or `exprsim experiment`',
    });
  }
  const runs = await Promise.all(runDirs.map((d) => loadRun(d)));
  const out = resolve(outDir);
  await mkdir(out, { recursive: true });
  const files: string[] = [];
  const smoothing = options.smoothing ?? DEFAULT_REPORT.smoothing;
  const title = options.title ?? DEFAULT_REPORT.title;
  const costs = options.costs === false ? [] : runs.map(costOf);
  const rows = tableRows(runs, costs);

  const charts: Chart[] = [];
  const chart: ChartWriter = async (svg, name, caption) => {
    const paths = await writeChart(svg, join(out, name));
    files.push(paths.svg, paths.png);
    charts.push({ file: `${name}.png`, caption });
  };

  await writeCurveCharts(runs, smoothing, chart);
  const tested = runs.filter((r) => r.test !== undefined);
  await writeTestAccuracyChart(tested, chart);
  await writeDetectionChart(tested, chart);
  if (options.maps !== false) await writeEmbeddingMaps(runs, options.maps ?? {}, chart);

  await writeFileAtomic(join(out, 'report.md'), markdownReport(title, runs.length, rows, charts));
  files.push(join(out, 'report.md'));
  await writeFileAtomic(join(out, 'report.html'), htmlReport(title, rows, charts));
  files.push(join(out, 'report.html'));
  return { runs, files };
}
