import type { BaselineFailure } from './baselines.js';
import type { ModelEvaluation } from './evaluate-model.js';
import type { EvalResult } from './evaluate.js';
import type { BaselineMargin } from './versus.js';
import type { EvalCommandResult, SuiteEvaluation } from './evaluate-suite.js';

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');
const ci = (c: [number, number]) =>
  Number.isFinite(c[0]) ? `${(100 * c[0]).toFixed(1)}–${(100 * c[1]).toFixed(1)}` : '-';

/** A readable table of evaluation results: one row per embedder (and per triplet type). */
export function formatEvalTable(results: readonly EvalResult[]): string {
  if (results.length === 0) return '(no results)';
  const types = [...new Set(results.flatMap((r) => Object.keys(r.tripletAccuracy.byType)))].sort();
  const showTypes = types.length > 1;
  const ks = [...new Set(results.flatMap((r) => Object.keys(r.retrieval?.precisionAt ?? {})))];
  const anyRetrieval = results.some((r) => r.retrieval !== undefined);
  const header = ['embedder', 'dim', 'triplets', 'accuracy', '95% CI'];
  if (showTypes) header.push(...types.map((t) => t.replace('_TRIPLET', '').toLowerCase()));
  if (anyRetrieval) header.push(...ks.map((k) => `P@${k}`), 'mAP', 'kNN');
  const rows = results.map((r) => {
    const a = r.tripletAccuracy;
    const row = [r.embedder, String(r.dim), String(r.triplets), pct(a.accuracy), ci(a.ci)];
    if (showTypes) row.push(...types.map((t) => (a.byType[t] ? pct(a.byType[t].accuracy) : '-')));
    if (anyRetrieval) {
      const m = r.retrieval;
      row.push(
        ...ks.map((k) => (m ? pct(m.precisionAt[k]) : '-')),
        m ? pct(m.map) : '-',
        m ? pct(m.knn.accuracy) : '-',
      );
    }
    return row;
  });
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const lines = table.map((r) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '),
  );
  const r0 = results[0];
  lines.push(
    '',
    `${r0.dataset} (${r0.split}); chance 33.3%; intervals: ${r0.tripletAccuracy.bootstrap.resamples} bootstrap resamples, seed ${r0.tripletAccuracy.bootstrap.seed}` +
      (anyRetrieval
        ? `; retrieval over ${results.find((r) => r.retrieval)?.retrieval?.images} labelled images, kNN k=${results.find((r) => r.retrieval)?.retrieval?.knn.k}`
        : ''),
  );
  return lines.join('\n');
}

const points = (x: number) =>
  Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}` : '-';

/** The model's margin over each baseline (scoreMarginsOverBaselines), a line each. */
export function formatMargins(
  model: string,
  r: { margins: readonly BaselineMargin[]; failed: readonly { baseline: string; error: string }[] },
): string[] {
  const w = Math.max(8, ...r.margins.map((m) => m.baseline.length));
  const lines = [
    `${model} versus baselines on the same triplets (margin in points, paired 95% bootstrap interval):`,
    ...r.margins.map(
      (m) =>
        `  ${m.baseline.padEnd(w)}  ${pct(m.accuracy).padStart(6)}  margin ${points(m.margin.difference)} (${points(m.margin.ci[0])} to ${points(m.margin.ci[1])})`,
    ),
  ];
  for (const f of r.failed) lines.push(`  ${f.baseline.padEnd(w)}  not run (${f.error})`);
  return lines;
}

/** evaluateModel's result as text: its table and, with `versus`, its margins. */
export function formatModelEvaluation(r: ModelEvaluation): string[] {
  const lines = [formatEvalTable([r])];
  if (r.versus !== undefined) lines.push('', ...formatMargins(r.embedder, r.versus));
  return lines;
}

/** evaluateBaselines' result as text: the table, and a line per baseline that did not run. */
export function formatBaselineResults(r: {
  results: readonly EvalResult[];
  failed: readonly BaselineFailure[];
}): string[] {
  return [
    formatEvalTable(r.results),
    ...r.failed.map((f) => `${f.baseline}: not run (${f.error})`),
  ];
}

/** A table's rows as padded text: the first column left-aligned, the others right. */
function alignRows(table: readonly string[][]): string[] {
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  return table.map((r) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

/** evaluateSuite's result: a row per set with its interval and margins, then the mean. */
export function formatSuiteEvaluation(r: SuiteEvaluation): string[] {
  const baselines = (r.meanVersus ?? []).map((m) => m.baseline);
  const header = ['set', 'triplets', 'accuracy', '95% CI'];
  for (const b of baselines) header.push(b, 'margin (95% CI)');
  const rows = r.sets.map((s) => {
    const a = s.tripletAccuracy;
    const row = [s.name, String(s.scored), pct(a.accuracy), ci(a.ci)];
    for (const b of baselines) {
      const m = s.versus?.margins.find((x) => x.baseline === b);
      row.push(
        m === undefined
          ? '-'
          : pct(m.accuracy) + (m.boxMargin === undefined ? '' : ` @${m.boxMargin}`),
        m === undefined
          ? '-'
          : `${points(m.margin.difference)} (${points(m.margin.ci[0])} to ${points(m.margin.ci[1])})`,
      );
    }
    return row;
  });
  const mean = ['mean over sets', '', pct(r.meanAccuracy), ''];
  for (const m of r.meanVersus ?? []) mean.push(pct(m.accuracy), points(m.margin));
  const lines = [
    `${r.model} on suite ${r.suite} (${r.file})`,
    '',
    ...alignRows([header, ...rows, mean]),
  ];
  const notes: string[] = [];
  for (const s of r.sets) {
    if (s.detect !== undefined) {
      notes.push(
        `${s.name}: photos through ${s.detect} with the model's framing; ${s.noFaceImages ?? 0} images without a face left out ${s.noFaceTriplets ?? 0} triplets`,
      );
    }
    for (const f of s.versus?.failed ?? [])
      notes.push(`${s.name}: ${f.baseline} not run (${f.error})`);
  }
  if (baselines.length > 0) {
    notes.push(
      "margins: model − baseline in points on the same triplets, paired 95% bootstrap interval; on photo sets each baseline's best box margin (@m) is shown",
    );
  }
  return [...lines, '', ...notes, 'chance 33.3%; the mean weighs every set the same'];
}

/** `exprsim eval`'s result (evaluateCommand) as text. */
export function formatEvalCommand(r: EvalCommandResult): string[] {
  return r.kind === 'suite' ? formatSuiteEvaluation(r) : formatModelEvaluation(r);
}
