import { readFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { resolveAugment } from '../train/augment.js';
import { ExprsimError, isExprsimError } from '../core/errors.js';
import { SPLITS, type SplitName } from '../data/labelled.js';
import { getHeadDefinition, type HeadName } from '../models/heads/registry.js';
import { parseShape3 } from '../models/heads/options.js';
import { type Shape3 } from '../core/types.js';
import { headTailOf } from '../models/heads/common.js';
import {
  checkInputOptions,
  resolveTrainConfig,
  tailLrScaleOption,
  trainOptionProblem,
  type TrainOptions,
} from '../train/config.js';
import { TRAIN_OPTION_RULES, type TrainOptionKey } from '../train/defaults.js';
import { DEFAULT_EVAL_OPTIONS } from '../eval/defaults.js';
import type { InputSpec } from '../embed/input-source.js';
import { DEFAULT_MAP_IMAGES } from './embeddings-file.js';

/**
 * Experiment plans (`exprsim experiment PLAN`): a grid of training runs (heads × presets ×
 * inputs × seeds × head-config variants) and/or an explicit list of runs, the training options
 * they share, and named groups of runs for the report's curve plots. A plan is JSON or YAML,
 * validated once by {@link parsePlan}: unknown keys are rejected with the valid ones listed, every
 * value is checked (train options by the trainer's own rules, head names and head options by the
 * head registry), and the runs are expanded with stable names `<head>-<preset>-<input>-s<seed>`
 * (`<head>-<preset>-<variant>-<input>-s<seed>` with variants). Relative paths are relative to
 * the working directory, like every other exprsim path.
 *
 * ```json
 * {
 *   "name": "fer-study",
 *   "triplets": "data/fer",
 *   "defaults": { "steps": 300, "batchSize": 32, "schedule": "cosine", "valEvery": 100 },
 *   "inputs": { "expr": { "features": "cache/fer-expr", "detector": "none" } },
 *   "grid": { "heads": ["densenet", "se-densenet"], "presets": ["deep", "shallow"],
 *             "inputs": ["expr"], "seeds": [1] },
 *   "groups": { "deep": { "preset": "deep" }, "focused": { "head": ["se-densenet"] } }
 * }
 * ```
 */

/** One input of the plan: a feature cache or face pixels, with its preprocessing label. */
export interface PlanInput {
  name: string;
  spec: InputSpec;
  /** Detector / preprocessing label for the report (e.g. "mtcnn", "viola-jones"). */
  detector?: string;
  /** Share of images whose face that detector found, 0..1 (detection rate against accuracy). */
  detectionRate?: number;
}

/** Which runs a group holds: every run whose fields match all the given lists. */
export interface GroupFilter {
  head?: string[];
  preset?: string[];
  input?: string[];
  variant?: string[];
  detector?: string[];
  seed?: number[];
}

/** Train options a plan may set (everything but what the grid decides). */
export type PlanTrainOptions = Omit<
  TrainOptions,
  'head' | 'headConfig' | 'input' | 'triplets' | 'init'
>;

/** One expanded run. */
export interface PlanRun {
  name: string;
  /** The run folder: `<out>/<name>`. */
  dir: string;
  head: HeadName;
  /** The head's preset (its default when the plan names none that it has). */
  preset: string;
  variant?: string;
  input: PlanInput;
  seed: number;
  /** Head options (with the preset), as train() takes them. */
  headConfig: Record<string, unknown>;
  /** Everything train() needs for a new run. */
  options: TrainOptions;
  /** The plan's groups this run belongs to, in plan order. */
  groups: string[];
}

export interface ExperimentPlan {
  name: string;
  description?: string;
  /** The plan file, when read from one. */
  source?: string;
  /** Folder of the run folders, absolute; default `runs`. */
  out: string;
  /** Triplet dataset folder, absolute. */
  triplets: string;
  /** Split the finished runs are evaluated on; default test. */
  evalSplit: SplitName;
  /** Evaluate on the first N triplets only; 0 = all. */
  evalLimit: number;
  /** Labelled images of the eval split whose embeddings are kept for the 2-D map; 0 = none. */
  mapImages: number;
  /** Report folder written after the runs (absolute), when the plan asks for one. */
  report?: string;
  defaults: PlanTrainOptions;
  inputs: PlanInput[];
  groups: Record<string, GroupFilter>;
  runs: PlanRun[];
}

export interface ParsePlanOptions {
  /** Shown in errors and recorded as `source`; e.g. the plan file's path. */
  source?: string;
  /** Relative paths are resolved against it; default the working directory. */
  cwd?: string;
}

const TOP_KEYS = [
  'name',
  'description',
  'out',
  'triplets',
  'evalSplit',
  'evalLimit',
  'mapImages',
  'report',
  'defaults',
  'inputs',
  'grid',
  'runs',
  'groups',
];
const INPUT_KEYS = ['name', 'features', 'pixels', 'mirror', 'detector', 'detectionRate'];
const GRID_KEYS = ['heads', 'presets', 'inputs', 'seeds', 'variants'];
const VARIANT_KEYS = ['name', 'headConfig'];
const RUN_KEYS = ['name', 'head', 'preset', 'variant', 'headConfig', 'input', 'seed', 'options'];
const GROUP_KEYS = ['head', 'preset', 'input', 'variant', 'detector', 'seed'] as const;
/** Head options the grid decides, not a variant. */
const RESERVED_HEAD_KEYS = ['preset', 'inputMode', 'inputShape'];

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Validation context: where the plan came from, for error messages. */
class Ctx {
  constructor(
    readonly source: string,
    readonly cwd: string,
  ) {}

  error(where: string, message: string, fix?: string): ExprsimError {
    return new ExprsimError('E_BAD_OPTION', message, { input: `${this.source}: ${where}`, fix });
  }

  /**
   * A library error (head registry, train config) moved to `where` in the plan, to throw. Its
   * backticked option keys are the plan's keys too, so they are quoted as plan keys are (the
   * CLI would show a flag in place of a backticked key).
   */
  at(where: string, e: unknown): unknown {
    if (isExprsimError(e)) {
      return new ExprsimError(e.code, planQuotes(e.message), {
        input: `${this.source}: ${where}`,
        fix: e.fix === undefined ? undefined : planQuotes(e.fix),
        cause: e,
      });
    }
    return e;
  }

  object(v: unknown, where: string, allowed: readonly string[]): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw this.error(where, `${where} must be an object, got ${show(v)}`);
    }
    const o = v as Record<string, unknown>;
    const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) {
      throw this.error(
        `${where}.${unknown[0]}`,
        `unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} in ${where}`,
        `valid keys: ${allowed.join(', ')}`,
      );
    }
    return o;
  }

  string(v: unknown, where: string): string {
    if (typeof v !== 'string' || v.trim() === '') {
      throw this.error(where, `${where} must be a non-empty string, got ${show(v)}`);
    }
    return v;
  }

  name(v: unknown, where: string): string {
    const s = this.string(v, where);
    if (!NAME.test(s)) {
      throw this.error(
        where,
        `${where} ${JSON.stringify(s)} is not a usable name`,
        'use letters, digits, ".", "_" and "-", starting with a letter or digit (it names folders and files)',
      );
    }
    return s;
  }

  int(v: unknown, where: string, min = 0): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw this.error(where, `${where} must be a whole number >= ${min}, got ${show(v)}`);
    }
    return v;
  }

  list(v: unknown, where: string): unknown[] {
    if (!Array.isArray(v) || v.length === 0) {
      throw this.error(where, `${where} must be a non-empty list, got ${show(v)}`);
    }
    return v;
  }

  path(v: unknown, where: string): string {
    return resolve(this.cwd, this.string(v, where));
  }
}

const planQuotes = (text: string) => text.replace(/`([^`]+)`/g, '"$1"');

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function trainOptions(ctx: Ctx, v: unknown, where: string): PlanTrainOptions {
  const o = ctx.object(v ?? {}, where, Object.keys(TRAIN_OPTION_RULES));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o)) {
    if (value === undefined || value === null) continue;
    const at = `${where}.${key}`;
    const kind = TRAIN_OPTION_RULES[key as TrainOptionKey].kind;
    if (kind === 'augment') {
      const a = ctx.object(value, at, ['flip', 'shift', 'scale']);
      try {
        out[key] = resolveAugment(a);
      } catch (e) {
        throw ctx.error(
          at,
          `${at}: ${planQuotes((e as Error).message)}`,
          'e.g. { "flip": true, "shift": 0.1 }',
        );
      }
      continue;
    }
    // Each value by the trainer's own rule (defaults.ts), named by its place in the plan.
    const what = trainOptionProblem(key as TrainOptionKey, value);
    if (what !== undefined) {
      throw ctx.error(
        at,
        `${at} must be ${what}, got ${show(value)}`,
        kind === 'choice' ? `use ${what}` : undefined,
      );
    }
    out[key] = value;
  }
  // Ranges and combinations by the trainer's own rules (head and input are placeholders here;
  // tailLrScale depends on the head's tail, so each run checks it, see runBase).
  const { tailLrScale: _scale, ...rest } = out;
  try {
    resolveTrainConfig(
      { ...rest, head: 'densenet', input: { kind: 'pixels', shape: [8, 8, 1] }, triplets: '.' },
      [8, 8, 1],
    );
  } catch (e) {
    throw ctx.at(where, e);
  }
  return out as PlanTrainOptions;
}

function parseInput(ctx: Ctx, v: unknown, where: string, name?: string): PlanInput {
  const o = ctx.object(v, where, name === undefined ? INPUT_KEYS : INPUT_KEYS.slice(1));
  const inputName = name ?? ctx.name(o.name, `${where}.name`);
  const given = (['features', 'pixels'] as const).filter((k) => o[k] !== undefined);
  if (given.length !== 1) {
    throw ctx.error(
      where,
      `input ${inputName} needs exactly one of "features" (a feature cache folder) or "pixels" (a shape such as "48x48x1")`,
    );
  }
  let spec: InputSpec;
  if (o.features !== undefined) {
    spec = { kind: 'features', cache: ctx.path(o.features, `${where}.features`) };
    if (o.mirror !== undefined) spec.mirror = ctx.path(o.mirror, `${where}.mirror`);
  } else {
    const p = o.pixels;
    let shape: Shape3;
    if (typeof p === 'string') {
      try {
        shape = parseShape3(p, `${where}.pixels`);
      } catch (e) {
        throw ctx.at(`${where}.pixels`, e);
      }
    } else if (
      Array.isArray(p) &&
      p.length === 3 &&
      p.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1)
    ) {
      shape = [p[0], p[1], p[2]];
    } else {
      throw ctx.error(`${where}.pixels`, `${where}.pixels must be a shape such as "48x48x1"`);
    }
    if (shape[2] !== 1 && shape[2] !== 3) {
      throw ctx.error(`${where}.pixels`, `${where}.pixels needs 1 (grey) or 3 (RGB) channels`);
    }
    if (o.mirror !== undefined) {
      throw ctx.error(
        `${where}.mirror`,
        `${where}.mirror goes with "features" (pixel inputs mirror themselves)`,
      );
    }
    spec = { kind: 'pixels', shape };
  }
  const input: PlanInput = { name: inputName, spec };
  if (o.detector !== undefined) input.detector = ctx.string(o.detector, `${where}.detector`);
  if (o.detectionRate !== undefined) {
    const r = o.detectionRate;
    if (typeof r !== 'number' || !(r >= 0 && r <= 1)) {
      throw ctx.error(
        `${where}.detectionRate`,
        `${where}.detectionRate must be a share from 0 to 1, got ${show(r)}`,
      );
    }
    input.detectionRate = r;
  }
  return input;
}

function headOptions(
  ctx: Ctx,
  v: unknown,
  where: string,
  reservedOk: boolean,
): Record<string, unknown> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw ctx.error(where, `${where} must be an object of head options`);
  }
  const o = v as Record<string, unknown>;
  if (!reservedOk) {
    const reserved = Object.keys(o).filter((k) => RESERVED_HEAD_KEYS.includes(k));
    if (reserved.length > 0) {
      throw ctx.error(
        `${where}.${reserved[0]}`,
        `${where} may not set ${reserved.join(', ')}`,
        'presets come from grid.presets, the input shape from the input',
      );
    }
  }
  return { ...o };
}

/** Validates a head, preset and head options together (by the registry's rules). */
function checkHead(
  ctx: Ctx,
  where: string,
  head: string,
  preset: string | undefined,
  headConfig: Record<string, unknown>,
  input: PlanInput,
): { head: HeadName; preset: string; config: Record<string, unknown> } {
  let def;
  try {
    def = getHeadDefinition(head);
  } catch (e) {
    throw ctx.at(where, e);
  }
  const p = preset ?? def.presets[0];
  if (!def.presets.includes(p)) {
    throw ctx.error(
      where,
      `head ${def.name} has no preset "${p}"`,
      `use one of ${def.presets.join(', ')}`,
    );
  }
  const config = { ...headConfig, preset: p };
  try {
    def.resolve({
      ...config,
      inputMode: input.spec.kind === 'pixels' ? 'pixels' : 'features',
      ...(input.spec.kind === 'pixels' ? { inputShape: input.spec.shape } : {}),
    } as never);
  } catch (e) {
    throw ctx.at(where, e);
  }
  return { head: def.name, preset: p, config };
}

const strings = (ctx: Ctx, v: unknown, where: string): string[] =>
  (Array.isArray(v) ? v : [v]).map((x, i) =>
    ctx.string(x, Array.isArray(v) ? `${where}[${i}]` : where),
  );

/** A plan's own settings: everything but its inputs, runs and groups. */
type PlanSettings = Pick<
  ExperimentPlan,
  'name' | 'out' | 'triplets' | 'evalSplit' | 'evalLimit' | 'mapImages' | 'report' | 'defaults'
>;

function planSettings(ctx: Ctx, top: Record<string, unknown>): PlanSettings {
  const name = ctx.name(top.name, 'name');
  if (top.triplets === undefined) {
    throw ctx.error(
      'triplets',
      'a plan needs "triplets": the triplet dataset folder',
      'e.g. "triplets": "data/fer" (from `exprsim data triplets`)',
    );
  }
  const triplets = ctx.path(top.triplets, 'triplets');
  const out = top.out === undefined ? resolve(ctx.cwd, 'runs') : ctx.path(top.out, 'out');
  let evalSplit: SplitName = DEFAULT_EVAL_OPTIONS.split;
  if (top.evalSplit !== undefined) {
    if (!SPLITS.includes(top.evalSplit as SplitName)) {
      throw ctx.error('evalSplit', `evalSplit must be one of ${SPLITS.join(', ')}`);
    }
    evalSplit = top.evalSplit as SplitName;
  }
  const evalLimit = top.evalLimit === undefined ? 0 : ctx.int(top.evalLimit, 'evalLimit');
  const mapImages =
    top.mapImages === undefined ? DEFAULT_MAP_IMAGES : ctx.int(top.mapImages, 'mapImages');
  let report: string | undefined;
  if (top.report === true) report = defaultReportDir(out);
  else if (typeof top.report === 'string') report = ctx.path(top.report, 'report');
  else if (top.report !== undefined && top.report !== false) {
    throw ctx.error('report', 'report must be true, false or a folder');
  }
  const defaults = trainOptions(ctx, top.defaults, 'defaults');
  return { name, out, triplets, evalSplit, evalLimit, mapImages, report, defaults };
}

/** The plan's inputs: the `inputs` map, and inputs defined inline in the grid or the runs. */
class PlanInputs {
  readonly byName = new Map<string, PlanInput>();

  constructor(
    private readonly ctx: Ctx,
    map: unknown,
  ) {
    if (map === undefined) return;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) {
      throw ctx.error('inputs', 'inputs must be an object: input name → its definition');
    }
    for (const [k, v] of Object.entries(map)) {
      this.add(parseInput(ctx, v, `inputs.${ctx.name(k, `inputs.${k}`)}`, k), `inputs.${k}`);
    }
  }

  private add(input: PlanInput, where: string): void {
    if (this.byName.has(input.name)) {
      throw this.ctx.error(where, `input "${input.name}" is defined twice`);
    }
    this.byName.set(input.name, input);
  }

  /** An input a run names (from the map), or defines inline (added to it). */
  ref(v: unknown, where: string): PlanInput {
    if (typeof v === 'string') {
      const found = this.byName.get(v);
      if (found === undefined) {
        throw new ExprsimError('E_UNKNOWN_NAME', `unknown input "${v}"`, {
          input: `${this.ctx.source}: ${where}`,
          fix:
            this.byName.size > 0
              ? `use one of ${[...this.byName.keys()].join(', ')}, or define it under "inputs"`
              : 'define it under "inputs", e.g. {"expr": {"features": "cache/fer-expr"}}',
        });
      }
      return found;
    }
    const input = parseInput(this.ctx, v, where);
    this.add(input, where);
    return input;
  }
}

type RunDraft = Omit<PlanRun, 'groups'>;

/** One run of the plan, named, its options checked against its input and head. */
function planRun(
  ctx: Ctx,
  settings: PlanSettings,
  o: {
    name?: string;
    head: HeadName;
    preset: string;
    variant?: string;
    input: PlanInput;
    seed: number;
    config: Record<string, unknown>;
    train: PlanTrainOptions;
  },
): RunDraft {
  const runName =
    o.name ??
    [o.head, o.preset, o.variant, o.input.name, `s${o.seed}`]
      .filter((x) => x !== undefined)
      .join('-');
  try {
    checkInputOptions({ ...o.train, input: o.input.spec });
    tailLrScaleOption(o.train, headTailOf(o.config));
  } catch (e) {
    throw ctx.at(`run ${runName} (input ${o.input.name})`, e);
  }
  return {
    name: runName,
    dir: join(settings.out, runName),
    head: o.head,
    preset: o.preset,
    variant: o.variant,
    input: o.input,
    seed: o.seed,
    headConfig: o.config,
    options: {
      ...o.train,
      seed: o.seed,
      head: o.head,
      headConfig: o.config,
      input: o.input.spec,
      triplets: settings.triplets,
    },
  };
}

/** The grid's runs: seeds × inputs × heads × their presets × variants, in that nesting. */
function gridRuns(ctx: Ctx, grid: unknown, settings: PlanSettings, inputs: PlanInputs): RunDraft[] {
  const g = ctx.object(grid, 'grid', GRID_KEYS);
  if (g.heads === undefined) throw ctx.error('grid.heads', 'grid needs "heads"');
  if (g.inputs === undefined) throw ctx.error('grid.inputs', 'grid needs "inputs"');
  const heads = ctx.list(g.heads, 'grid.heads').map((h, i) => {
    const where = `grid.heads[${i}]`;
    try {
      return getHeadDefinition(ctx.string(h, where));
    } catch (e) {
      throw ctx.at(where, e);
    }
  });
  const presets =
    g.presets === undefined
      ? undefined
      : ctx.list(g.presets, 'grid.presets').map((p, i) => ctx.string(p, `grid.presets[${i}]`));
  for (const [i, p] of (presets ?? []).entries()) {
    if (!heads.some((h) => h.presets.includes(p))) {
      const valid = [...new Set(heads.flatMap((h) => h.presets))];
      throw ctx.error(
        `grid.presets[${i}]`,
        `no head of the grid has a preset "${p}"`,
        `use ${valid.join(', ')}`,
      );
    }
  }
  const gridInputs = ctx
    .list(g.inputs, 'grid.inputs')
    .map((v, i) => inputs.ref(v, `grid.inputs[${i}]`));
  const seeds =
    g.seeds === undefined
      ? [settings.defaults.seed ?? 1]
      : ctx.list(g.seeds, 'grid.seeds').map((s, i) => ctx.int(s, `grid.seeds[${i}]`));
  const variants: { name?: string; config: Record<string, unknown> }[] =
    g.variants === undefined
      ? [{ config: {} }]
      : ctx.list(g.variants, 'grid.variants').map((v, i) => {
          const o = ctx.object(v, `grid.variants[${i}]`, VARIANT_KEYS);
          return {
            name: ctx.name(o.name, `grid.variants[${i}].name`),
            config: headOptions(ctx, o.headConfig, `grid.variants[${i}].headConfig`, false),
          };
        });
  const runs: RunDraft[] = [];
  for (const seed of seeds) {
    for (const input of gridInputs) {
      for (const [hi, def] of heads.entries()) {
        // A head runs each listed preset it has; a head with none of them runs its default.
        const own = (presets ?? []).filter((p) => def.presets.includes(p));
        for (const preset of own.length > 0 ? own : [def.presets[0]]) {
          for (const [vi, variant] of variants.entries()) {
            const where =
              variant.name === undefined
                ? `grid.heads[${hi}] (${def.name} ${preset} on ${input.name})`
                : `grid.variants[${vi}].headConfig (${def.name} ${preset} on ${input.name})`;
            const h = checkHead(ctx, where, def.name, preset, variant.config, input);
            runs.push(
              planRun(ctx, settings, {
                head: h.head,
                preset: h.preset,
                variant: variant.name,
                input,
                seed,
                config: h.config,
                train: settings.defaults,
              }),
            );
          }
        }
      }
    }
  }
  return runs;
}

/** The `runs` list: each run with its own head, input and options over the plan's defaults. */
function listedRuns(
  ctx: Ctx,
  list: unknown,
  settings: PlanSettings,
  inputs: PlanInputs,
): RunDraft[] {
  return ctx.list(list, 'runs').map((v, i) => {
    const where = `runs[${i}]`;
    const o = ctx.object(v, where, RUN_KEYS);
    if (o.head === undefined) throw ctx.error(`${where}.head`, `${where} needs "head"`);
    if (o.input === undefined) throw ctx.error(`${where}.input`, `${where} needs "input"`);
    const input = inputs.ref(o.input, `${where}.input`);
    const headName = ctx.string(o.head, `${where}.head`);
    const preset = o.preset === undefined ? undefined : ctx.string(o.preset, `${where}.preset`);
    const h = checkHead(
      ctx,
      `${where}.head`,
      headName,
      preset,
      headOptions(ctx, o.headConfig, `${where}.headConfig`, false),
      input,
    );
    const overrides = trainOptions(ctx, o.options, `${where}.options`);
    const train = trainOptions(ctx, { ...settings.defaults, ...overrides }, `${where}.options`);
    return planRun(ctx, settings, {
      name: o.name === undefined ? undefined : ctx.name(o.name, `${where}.name`),
      head: h.head,
      preset: h.preset,
      variant: o.variant === undefined ? undefined : ctx.name(o.variant, `${where}.variant`),
      input,
      seed: o.seed === undefined ? (train.seed ?? 1) : ctx.int(o.seed, `${where}.seed`),
      config: h.config,
      train,
    });
  });
}

/** Some runs, and no two of the same name (their folders would collide). */
function checkRuns(ctx: Ctx, runs: readonly RunDraft[]): void {
  if (runs.length === 0) {
    throw ctx.error(
      'plan',
      'the plan has no runs',
      'add a "grid" (heads, presets, inputs, seeds) or a "runs" list',
    );
  }
  const seen = new Map<string, number>();
  runs.forEach((r, i) => {
    const before = seen.get(r.name);
    if (before !== undefined) {
      throw ctx.error(
        'runs',
        `two runs are named ${r.name} (runs ${before + 1} and ${i + 1} of the expanded plan)`,
        'give one a "name" or a "variant"',
      );
    }
    seen.set(r.name, i);
  });
}

/** Groups: name → filter; every value must match some run (typos fail here, not in the report). */
function parseGroups(
  ctx: Ctx,
  map: unknown,
  runs: readonly RunDraft[],
): Record<string, GroupFilter> {
  const groups: Record<string, GroupFilter> = {};
  if (map === undefined) return groups;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw ctx.error('groups', 'groups must be an object: group name → filter');
  }
  const valuesOf = (key: (typeof GROUP_KEYS)[number]) =>
    new Set(
      runs.map((r) =>
        key === 'input'
          ? r.input.name
          : key === 'detector'
            ? r.input.detector
            : key === 'seed'
              ? r.seed
              : r[key],
      ),
    );
  for (const [gName, v] of Object.entries(map)) {
    const where = `groups.${gName}`;
    ctx.name(gName, where);
    if (gName === 'all') {
      throw ctx.error(where, 'the group "all" is implicit (every run)', 'choose another name');
    }
    const o = ctx.object(v, where, GROUP_KEYS);
    const filter: GroupFilter = {};
    for (const key of GROUP_KEYS) {
      if (o[key] === undefined) continue;
      const valid = valuesOf(key);
      if (key === 'seed') {
        const list = (Array.isArray(o.seed) ? o.seed : [o.seed]).map((s, i) =>
          ctx.int(s, `${where}.seed[${i}]`),
        );
        for (const s of list) {
          if (!valid.has(s))
            throw ctx.error(
              `${where}.seed`,
              `no run has seed ${s}`,
              `use ${[...valid].join(', ')}`,
            );
        }
        filter.seed = list;
      } else {
        const list = strings(ctx, o[key], `${where}.${key}`);
        for (const s of list) {
          if (!valid.has(s)) {
            throw ctx.error(
              `${where}.${key}`,
              `no run has ${key} "${s}"`,
              `use ${[...valid].filter((x) => x !== undefined).join(', ') || `no ${key} (the plan sets none)`}`,
            );
          }
        }
        filter[key] = list;
      }
    }
    if (Object.keys(filter).length === 0) {
      throw ctx.error(where, `group ${gName} has no filter`, `filter by ${GROUP_KEYS.join(', ')}`);
    }
    groups[gName] = filter;
  }
  return groups;
}

/**
 * Validates a plan (already parsed from JSON or YAML) and expands its runs. Throws
 * E_BAD_OPTION (or the head registry's E_UNKNOWN_NAME) naming the plan and the key.
 */
export function parsePlan(raw: unknown, options: ParsePlanOptions = {}): ExperimentPlan {
  const ctx = new Ctx(options.source ?? 'plan', options.cwd ?? process.cwd());
  const top = ctx.object(raw, 'plan', TOP_KEYS);
  const settings = planSettings(ctx, top);
  const inputs = new PlanInputs(ctx, top.inputs);
  const runs = [
    ...(top.grid !== undefined ? gridRuns(ctx, top.grid, settings, inputs) : []),
    ...(top.runs !== undefined ? listedRuns(ctx, top.runs, settings, inputs) : []),
  ];
  checkRuns(ctx, runs);
  const groups = parseGroups(ctx, top.groups, runs);
  return {
    name: settings.name,
    description:
      top.description === undefined ? undefined : ctx.string(top.description, 'description'),
    source: options.source,
    out: settings.out,
    triplets: settings.triplets,
    evalSplit: settings.evalSplit,
    evalLimit: settings.evalLimit,
    mapImages: settings.mapImages,
    report: settings.report,
    defaults: settings.defaults,
    inputs: [...inputs.byName.values()],
    groups,
    runs: runs.map((r) => ({ ...r, groups: groupsOf(r, groups) })),
  };
}

/** The report folder of a plan that asks for one without naming it: `<out>/report`. */
export function defaultReportDir(out: string): string {
  return join(out, 'report');
}

/** Whether a run matches a group's filter. */
export function inGroup(run: Omit<PlanRun, 'groups'>, filter: GroupFilter): boolean {
  const has = <T>(list: T[] | undefined, v: T | undefined) =>
    list === undefined || (v !== undefined && list.includes(v));
  return (
    has(filter.head, run.head) &&
    has(filter.preset, run.preset) &&
    has(filter.input, run.input.name) &&
    has(filter.variant, run.variant) &&
    has(filter.detector, run.input.detector) &&
    has(filter.seed, run.seed)
  );
}

function groupsOf(run: Omit<PlanRun, 'groups'>, groups: Record<string, GroupFilter>): string[] {
  return Object.entries(groups)
    .filter(([, f]) => inGroup(run, f))
    .map(([g]) => g);
}

/** Parses plan text: YAML for .yaml/.yml files, else JSON. E_DATA_FORMAT with the parser's words. */
export async function parsePlanText(text: string, source: string): Promise<unknown> {
  const ext = extname(source).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') {
    const YAML = await import('yaml');
    try {
      return YAML.parse(text) as unknown;
    } catch (e) {
      throw new ExprsimError('E_DATA_FORMAT', `not valid YAML: ${(e as Error).message}`, {
        input: source,
      });
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ExprsimError('E_DATA_FORMAT', `not valid JSON: ${(e as Error).message}`, {
      input: source,
      fix: 'write the plan as JSON, or as YAML in a .yaml file',
    });
  }
}

/** Reads and validates a plan file (JSON, or YAML for .yaml/.yml). */
export async function loadPlan(
  path: string,
  options: Omit<ParsePlanOptions, 'source'> = {},
): Promise<ExperimentPlan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ExprsimError('E_FILE_NOT_FOUND', 'cannot read the plan', {
      input: path,
      fix: 'pass a plan file (JSON or YAML); see docs/plans/fer-study.json',
      cause: e,
    });
  }
  const raw = await parsePlanText(text, path);
  const plan = parsePlan(raw, { ...options, source: basename(path) });
  return { ...plan, source: resolve(path) };
}
