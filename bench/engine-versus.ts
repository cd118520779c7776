/**
 * The engine against PyTorch, for `npm run bench -- engine`: the reference head's training
 * steps/s, forward embeddings/s at batch 96 and latency at batch 1, for exprsim on oneDNN (1 and
 * 2 threads), exprsim's old path (OpenBLAS, 1 thread) and PyTorch (bench/torch/reference-head.py,
 * 1 and 2 threads), each in its own process, in rounds: every round runs every configuration once,
 * in turn, so the machine's load falls on all of them alike. Ratios are taken within a round,
 * then their median over the rounds is reported (as the medians of the speeds).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { metricMedians, sameRoundRatios } from './stats.js';

export interface VersusConfig {
  name: string;
  kind: 'exprsim' | 'torch';
  threads: number;
  env?: Record<string, string>;
}

export const VERSUS_CONFIGS: VersusConfig[] = [
  {
    name: 'exprsim oneDNN, 1 thread',
    kind: 'exprsim',
    threads: 1,
    env: { EXPRSIM_NATIVE: 'dnnl' },
  },
  {
    name: 'exprsim oneDNN, 2 threads',
    kind: 'exprsim',
    threads: 2,
    env: { EXPRSIM_NATIVE: 'dnnl' },
  },
  {
    name: 'exprsim old path (OpenBLAS), 1 thread',
    kind: 'exprsim',
    threads: 1,
    env: { EXPRSIM_NATIVE: 'openblas' },
  },
  { name: 'PyTorch, 1 thread', kind: 'torch', threads: 1 },
  { name: 'PyTorch, 2 threads', kind: 'torch', threads: 2 },
];

/** Speeds of one configuration in one round (higher is better; latency as 1000 / ms). */
export interface Speeds {
  trainStepsPerSec?: number;
  embedPerSec?: number;
  batch1PerSec?: number;
}

export const METRICS = ['trainStepsPerSec', 'embedPerSec', 'batch1PerSec'] as const;

/** The first Python that imports torch: $EXPRSIM_PYTHON, python3, then Debian's /usr/bin/python3. */
export function pythonWithTorch(): string | undefined {
  const candidates = [process.env.EXPRSIM_PYTHON, 'python3', '/usr/bin/python3'].filter(
    (p): p is string => typeof p === 'string' && p !== '',
  );
  return candidates.find(
    (p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0,
  );
}

function lastJson(stdout: string): Record<string, unknown> | undefined {
  const line = stdout.trim().split('\n').pop();
  try {
    return line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const num = (r: Record<string, unknown>, a: string, b: string): number | undefined => {
  const v = (r[a] as Record<string, unknown> | undefined)?.[b];
  return typeof v === 'number' ? v : undefined;
};

export function speedsOf(r: Record<string, unknown>): Speeds {
  const ms = num(r, 'embedBatch1', 'latencyMs');
  return {
    trainStepsPerSec: num(r, 'trainStep', 'stepsPerSec'),
    embedPerSec: num(r, 'embedBatch96', 'embeddingsPerSec'),
    batch1PerSec: ms === undefined ? undefined : 1000 / ms,
  };
}

function runOne(
  c: VersusConfig,
  root: string,
  python: string | undefined,
  runs: number,
): Record<string, unknown> | undefined {
  const common = { cwd: root, encoding: 'utf8' as const, maxBuffer: 1 << 24 };
  if (c.kind === 'torch') {
    if (python === undefined) return undefined;
    const script = join(root, 'bench', 'torch', 'reference-head.py');
    const r = spawnSync(python, [script, '--threads', String(c.threads), '--runs', String(runs)], {
      ...common,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return r.status === 0 ? lastJson(r.stdout) : undefined;
  }
  const suite = join(root, 'bench', 'suites', 'engine.ts');
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      suite,
      '--backend',
      'wasm',
      '--suites',
      'train,embed',
      '--runs',
      String(runs),
    ],
    {
      ...common,
      env: { ...process.env, ...c.env, EXPRSIM_NATIVE_THREADS: String(c.threads) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return r.status === 0 ? lastJson(r.stdout) : undefined;
}

export interface VersusResult {
  rounds: number;
  runsPerRound: number;
  python?: string;
  configs: {
    name: string;
    kind: string;
    threads: number;
    /** Median over rounds of each speed. */
    median: Speeds;
    /** Per round, the process's own report (undefined: it failed). */
    raw: (Record<string, unknown> | undefined)[];
    /** What the process said it ran on (exprsim: the native library line). */
    detail?: string;
  }[];
  /** Per comparison and metric: the median over rounds of the same-round ratio a / b. */
  ratios: {
    a: string;
    b: string;
    metric: (typeof METRICS)[number];
    median: number;
    perRound: number[];
  }[];
}

/** Same-round ratios a / b per metric and their medians (bench/stats.ts's sameRoundRatios). */
export function versusRatios(
  perRound: Map<string, Speeds[]>,
  pairs: [string, string][],
): VersusResult['ratios'] {
  return sameRoundRatios(perRound, pairs, METRICS);
}

export const VERSUS_PAIRS: [string, string][] = [
  ['exprsim oneDNN, 1 thread', 'PyTorch, 1 thread'],
  ['exprsim oneDNN, 2 threads', 'PyTorch, 2 threads'],
  ['exprsim old path (OpenBLAS), 1 thread', 'PyTorch, 1 thread'],
  ['exprsim oneDNN, 1 thread', 'exprsim old path (OpenBLAS), 1 thread'],
  ['exprsim oneDNN, 2 threads', 'exprsim old path (OpenBLAS), 1 thread'],
];

/** Run `rounds` rounds of every configuration; progress on stderr. */
export function runEngineVersus(root: string, rounds: number, runs: number): VersusResult {
  const python = pythonWithTorch();
  if (python === undefined)
    process.stderr.write(
      'bench: no Python with torch (python3 -c "import torch" fails): PyTorch rows skipped\n',
    );
  const raw = new Map<string, (Record<string, unknown> | undefined)[]>(
    VERSUS_CONFIGS.map((c) => [c.name, []]),
  );
  for (let round = 0; round < rounds; round++) {
    for (const c of VERSUS_CONFIGS) {
      if (c.kind === 'torch' && python === undefined) continue;
      process.stderr.write(`bench: engine versus, round ${round + 1}/${rounds}: ${c.name}\n`);
      raw.get(c.name)?.push(runOne(c, root, python, runs));
    }
  }
  const perRound = new Map<string, Speeds[]>();
  for (const [name, rs] of raw)
    perRound.set(
      name,
      rs.map((r) => (r ? speedsOf(r) : {})),
    );
  const configs = VERSUS_CONFIGS.map((c) => {
    const med: Speeds = metricMedians(perRound.get(c.name) ?? [], METRICS);
    const first = (raw.get(c.name) ?? []).find((r) => r !== undefined);
    const native = first?.native as { detail?: string } | undefined;
    const detail =
      c.kind === 'torch' ? (first ? `torch ${String(first.torch)}` : undefined) : native?.detail;
    return {
      name: c.name,
      kind: c.kind,
      threads: c.threads,
      median: med,
      raw: raw.get(c.name) ?? [],
      detail,
    };
  });
  return {
    rounds,
    runsPerRound: runs,
    python,
    configs,
    ratios: versusRatios(perRound, VERSUS_PAIRS),
  };
}

const f = (x: number | undefined, d: number) => (x === undefined ? '–' : x.toFixed(d));

/** The Markdown rows of a VersusResult (a table of medians, then the ratios). */
export function renderVersusRows(r: VersusResult): string[] {
  const lines = [
    `Against PyTorch (bench/torch/reference-head.py, the same head, loss and optimiser), ${r.rounds} interleaved rounds of one process per configuration, ${r.runsPerRound} timed runs each; medians over rounds:`,
    '',
    '| configuration | ran on | train steps/s | embed/s (batch 96) | latency batch 1 (ms) |',
    '|---|---|--:|--:|--:|',
  ];
  for (const c of r.configs) {
    const ms = c.median.batch1PerSec === undefined ? undefined : 1000 / c.median.batch1PerSec;
    lines.push(
      `| ${c.name} | ${c.detail ?? 'not run'} | ${f(c.median.trainStepsPerSec, 2)} | ${f(c.median.embedPerSec, 0)} | ${f(ms, 1)} |`,
    );
  }
  lines.push(
    '',
    'Ratios (a / b, speeds: above 1 means a is faster; latency as its inverse), median of the same-round ratios [range]:',
    '',
    '| a | b | training | forward batch 96 | batch 1 |',
    '|---|---|--:|--:|--:|',
  );
  for (const [a, b] of VERSUS_PAIRS) {
    const cell = (m: (typeof METRICS)[number]) => {
      const x = r.ratios.find((q) => q.a === a && q.b === b && q.metric === m);
      return x === undefined
        ? '–'
        : `×${x.median.toFixed(2)} [${Math.min(...x.perRound).toFixed(2)}–${Math.max(...x.perRound).toFixed(2)}]`;
    };
    lines.push(
      `| ${a} | ${b} | ${cell('trainStepsPerSec')} | ${cell('embedPerSec')} | ${cell('batch1PerSec')} |`,
    );
  }
  return lines;
}
