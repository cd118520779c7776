import { escapeXml } from './charts.js';
import type { RunInfo } from '../experiment/runs.js';

/** Model size and cost of a run's head, computed by the caller (src/models/flops.ts). */
export interface RunCost {
  params?: number;
  flops?: number;
}

export interface TableRow {
  run: string;
  head: string;
  input: string;
  detector: string;
  params: string;
  flops: string;
  tripletsPerSec: string;
  steps: string;
  bestVal: string;
  test: string;
  interval: string;
  byType: string;
}

const pct = (v: number | undefined) => (v === undefined ? '–' : (100 * v).toFixed(1));
const si = (v: number | undefined) =>
  v === undefined
    ? '–'
    : v >= 1e9
      ? `${(v / 1e9).toFixed(2)} G`
      : v >= 1e6
        ? `${(v / 1e6).toFixed(2)} M`
        : v >= 1e3
          ? `${(v / 1e3).toFixed(1)} k`
          : String(v);

/** One table row per run, numbers formatted as they appear in the report. */
export function tableRows(runs: readonly RunInfo[], costs: readonly RunCost[] = []): TableRow[] {
  return runs.map((r, i) => ({
    run: r.name,
    head: [r.head, r.preset, r.tail ? `+ ${r.tail}` : undefined].filter(Boolean).join(' '),
    input: r.input,
    detector: r.detector ?? '–',
    params: si(costs[i]?.params),
    flops: si(costs[i]?.flops),
    tripletsPerSec: r.tripletsPerSec === undefined ? '–' : r.tripletsPerSec.toFixed(1),
    steps: String(r.steps),
    bestVal:
      r.bestVal === undefined
        ? '–'
        : `${pct(r.bestVal.accuracy)} (step ${r.bestVal.step}${r.valMeasure === 'suite mean' ? ', suite mean' : ''})`,
    test: pct(r.test?.accuracy),
    interval: r.test === undefined ? '–' : `${pct(r.test.low)}–${pct(r.test.high)}`,
    byType:
      r.test === undefined
        ? '–'
        : Object.entries(r.test.byType)
            .map(([t, a]) => `${t.replace(/_TRIPLET$/, '').toLowerCase()} ${pct(a)}`)
            .join(', '),
  }));
}

const HEADERS: [keyof TableRow, string][] = [
  ['run', 'run'],
  ['head', 'head'],
  ['input', 'input'],
  ['detector', 'detector'],
  ['params', 'params'],
  ['flops', 'FLOPs'],
  ['tripletsPerSec', 'triplets/s'],
  ['steps', 'steps'],
  ['bestVal', 'best val acc %'],
  ['test', 'test acc %'],
  ['interval', '95% CI'],
  ['byType', 'test acc by type %'],
];

export function markdownTable(rows: readonly TableRow[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    `| ${HEADERS.map(([, h]) => h).join(' | ')} |`,
    `|${HEADERS.map(([k]) => (['run', 'head', 'input', 'detector', 'byType'].includes(k) ? '---' : '--:')).join('|')}|`,
    ...rows.map((r) => `| ${HEADERS.map(([k]) => cell(r[k])).join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}

export function htmlTable(rows: readonly TableRow[]): string {
  const head = HEADERS.map(([, h]) => `<th>${escapeXml(h)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${HEADERS.map(([k]) => `<td>${escapeXml(r[k])}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>\n`;
}
