/**
 * The default model's faces/s and `exprsim index` photos/s (bench/suites/pipeline.ts) for each
 * native-library configuration, for `npm run bench -- engine`: one process per configuration,
 * in rounds (every round runs each once, the order rotated round to round), so the shared
 * machine's load falls on all alike; ratios are taken within a round, then their median over
 * the rounds is reported.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { metricMedians, sameRoundRatios } from './stats.js';

export interface PipelineConfig {
  name: string;
  env: Record<string, string>;
}

export const PIPELINE_CONFIGS: PipelineConfig[] = [
  { name: 'oneDNN, 1 thread', env: { EXPRSIM_NATIVE: 'dnnl', EXPRSIM_NATIVE_THREADS: '1' } },
  { name: 'oneDNN, 2 threads', env: { EXPRSIM_NATIVE: 'dnnl', EXPRSIM_NATIVE_THREADS: '2' } },
  {
    name: 'old path (OpenBLAS), 1 thread',
    env: { EXPRSIM_NATIVE: 'openblas', EXPRSIM_NATIVE_THREADS: '1' },
  },
  { name: 'wasm alone', env: { EXPRSIM_NATIVE: '0' } },
];

export const PIPELINE_METRICS = ['facesPerSec', 'photosPerSec'] as const;
export type PipelineSpeeds = Partial<Record<(typeof PIPELINE_METRICS)[number], number>>;

export const PIPELINE_PAIRS: [string, string][] = [
  ['oneDNN, 1 thread', 'old path (OpenBLAS), 1 thread'],
  ['oneDNN, 2 threads', 'old path (OpenBLAS), 1 thread'],
  ['oneDNN, 2 threads', 'oneDNN, 1 thread'],
  ['old path (OpenBLAS), 1 thread', 'wasm alone'],
];

export interface PipelineResult {
  rounds: number;
  photos: number;
  runs: number;
  configs: {
    name: string;
    median: PipelineSpeeds;
    detail?: string;
    raw: (Record<string, unknown> | undefined)[];
  }[];
  ratios: { a: string; b: string; metric: string; median: number; perRound: number[] }[];
}

export function pipelineSpeeds(r: Record<string, unknown> | undefined): PipelineSpeeds {
  const get = (a: string, b: string) => {
    const v = (r?.[a] as Record<string, unknown> | undefined)?.[b];
    return typeof v === 'number' ? v : undefined;
  };
  const out: PipelineSpeeds = {};
  const faces = get('embed', 'facesPerSec');
  const photos = get('index', 'photosPerSec');
  if (faces !== undefined) out.facesPerSec = faces;
  if (photos !== undefined) out.photosPerSec = photos;
  return out;
}

/** Same-round ratios a / b per metric and their medians (bench/stats.ts's sameRoundRatios). */
export function pipelineRatios(
  perRound: Map<string, PipelineSpeeds[]>,
  pairs: [string, string][],
): PipelineResult['ratios'] {
  return sameRoundRatios(perRound, pairs, PIPELINE_METRICS);
}

/** Round r's order: the configurations rotated by r. */
export function rotated<T>(xs: readonly T[], r: number): T[] {
  const k = r % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

export function runEnginePipeline(
  root: string,
  rounds: number,
  photos: number,
  runs: number,
): PipelineResult {
  const raw = new Map<string, (Record<string, unknown> | undefined)[]>(
    PIPELINE_CONFIGS.map((c) => [c.name, []]),
  );
  for (let round = 0; round < rounds; round++) {
    for (const c of rotated(PIPELINE_CONFIGS, round)) {
      process.stderr.write(`bench: engine pipeline, round ${round + 1}/${rounds}: ${c.name}\n`);
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          join(root, 'bench', 'suites', 'pipeline.ts'),
          ...['--photos', String(photos), '--runs', String(runs)],
        ],
        {
          cwd: root,
          encoding: 'utf8',
          maxBuffer: 1 << 24,
          env: { ...process.env, ...c.env },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const line = r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined;
      raw.get(c.name)?.push(line ? (JSON.parse(line) as Record<string, unknown>) : undefined);
    }
  }
  const perRound = new Map<string, PipelineSpeeds[]>(
    [...raw].map(([name, rs]) => [name, rs.map(pipelineSpeeds)]),
  );
  const configs = PIPELINE_CONFIGS.map((c) => {
    const med: PipelineSpeeds = metricMedians(perRound.get(c.name) ?? [], PIPELINE_METRICS);
    const first = (raw.get(c.name) ?? []).find((r) => r !== undefined);
    const native = first?.native as { loaded?: boolean; detail?: string } | undefined;
    const detail = native?.loaded ? native.detail : native && 'wasm (tfjs-wasm, XNNPACK)';
    return { name: c.name, median: med, detail, raw: raw.get(c.name) ?? [] };
  });
  return {
    rounds,
    photos,
    runs,
    configs,
    ratios: pipelineRatios(perRound, PIPELINE_PAIRS),
  };
}

const f = (x: number | undefined, d: number) => (x === undefined ? '–' : x.toFixed(d));

export function renderPipelineRows(r: PipelineResult): string[] {
  const lines = [
    `The default model (exprsim-default) on 96 faces MTCNN found in the photos, prepared beforehand (faces/s, median of ${r.runs} runs), and \`exprsim index\` (indexFolder: MTCNN, alignment, the default model, SQLite; model and detector loads included) on a copy of the first ${r.photos} photos of ../shared/data/wider-val-subset (photos/s, once); ${r.rounds} interleaved rounds of one process per configuration, the order rotated; medians over rounds:`,
    '',
    '| configuration | ran on | default model faces/s | `exprsim index` photos/s |',
    '|---|---|--:|--:|',
  ];
  for (const c of r.configs) {
    lines.push(
      `| ${c.name} | ${c.detail ?? 'not run'} | ${f(c.median.facesPerSec, 1)} | ${f(c.median.photosPerSec, 2)} |`,
    );
  }
  lines.push(
    '',
    'Ratios a / b (above 1: a is faster), median of the same-round ratios [range]:',
    '',
    '| a | b | faces/s | photos/s |',
    '|---|---|--:|--:|',
  );
  for (const [a, b] of PIPELINE_PAIRS) {
    const cell = (m: string) => {
      const x = r.ratios.find((q) => q.a === a && q.b === b && q.metric === m);
      return x === undefined
        ? '–'
        : `×${x.median.toFixed(2)} [${Math.min(...x.perRound).toFixed(2)}–${Math.max(...x.perRound).toFixed(2)}]`;
    };
    lines.push(`| ${a} | ${b} | ${cell('facesPerSec')} | ${cell('photosPerSec')} |`);
  }
  return lines;
}
