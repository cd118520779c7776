import type * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../../core/errors.js';
import { checkConfig } from './options.js';
import { buildFecNet, FECNET_KEYS, FECNET_PRESET_NAMES, resolveFecNetConfig } from './fecnet.js';
import type { FecNetConfig, ResolvedFecNetConfig } from './fecnet.js';
import {
  buildDenseNet,
  DENSENET_BASE_KEYS,
  DENSENET_PRESET_NAMES,
  resolveDenseNetConfig,
} from './densenet.js';
import type { DenseNetConfig, ResolvedDenseNetConfig } from './densenet.js';
import { buildAttentionDenseNet, resolveAttentionDenseNetConfig } from './attention-densenet.js';
import type {
  AttentionDenseNetConfig,
  ResolvedAttentionDenseNetConfig,
} from './attention-densenet.js';
import { buildLessDenseNet, resolveLessDenseNetConfig } from './less-densenet.js';
import type { LessDenseNetConfig, ResolvedLessDenseNetConfig } from './less-densenet.js';
import { buildSeDenseNet, resolveSeDenseNetConfig } from './se-densenet.js';
import type { ResolvedSeDenseNetConfig, SeDenseNetConfig } from './se-densenet.js';
import { buildSkipDenseNet, resolveSkipDenseNetConfig } from './skip-densenet.js';
import type { ResolvedSkipDenseNetConfig, SkipDenseNetConfig } from './skip-densenet.js';

/** Each head's config, by name. */
export interface HeadConfigs {
  fecnet: FecNetConfig;
  densenet: DenseNetConfig;
  'attention-densenet': AttentionDenseNetConfig;
  'less-densenet': LessDenseNetConfig;
  'se-densenet': SeDenseNetConfig;
  'skip-densenet': SkipDenseNetConfig;
}

/** Each head's resolved config (every option set), by name. */
export interface ResolvedHeadConfigs {
  fecnet: ResolvedFecNetConfig;
  densenet: ResolvedDenseNetConfig;
  'attention-densenet': ResolvedAttentionDenseNetConfig;
  'less-densenet': ResolvedLessDenseNetConfig;
  'se-densenet': ResolvedSeDenseNetConfig;
  'skip-densenet': ResolvedSkipDenseNetConfig;
}

export type HeadName = keyof HeadConfigs;
export type HeadConfig = HeadConfigs[HeadName];
export type ResolvedHeadConfig = ResolvedHeadConfigs[HeadName];

/** A head: how to resolve its config and build its model. */
export interface HeadDefinition<N extends HeadName = HeadName> {
  readonly name: N;
  /** One line for tables and help. */
  readonly description: string;
  /** Preset names; the first is the default. */
  readonly presets: readonly string[];
  /** The option keys the head accepts. */
  readonly options: readonly string[];
  /** Validate and fill in defaults; throws E_BAD_OPTION. */
  resolve(config?: HeadConfigs[N]): ResolvedHeadConfigs[N];
  build(config: ResolvedHeadConfigs[N]): tf.LayersModel;
}

function define<N extends HeadName>(
  name: N,
  description: string,
  presets: readonly string[],
  options: readonly string[],
  resolve: (head: string, raw: Record<string, unknown>) => ResolvedHeadConfigs[N],
  build: (config: ResolvedHeadConfigs[N]) => tf.LayersModel,
): HeadDefinition<N> {
  return {
    name,
    description,
    presets,
    options,
    resolve: (config) => resolve(name, checkConfig(name, config, options)),
    build,
  };
}

const DENSE_KEYS = [...DENSENET_BASE_KEYS, 'bottleneck'] as const;

const DEFINITIONS: { [N in HeadName]: HeadDefinition<N> } = {
  fecnet: define(
    'fecnet',
    "FECNet's head: 1x1 conv 512, dense block 5 x growth 64, pool, FC 512, FC 16",
    FECNET_PRESET_NAMES,
    FECNET_KEYS,
    resolveFecNetConfig,
    buildFecNet,
  ),
  densenet: define(
    'densenet',
    'DenseNet-BC: 3 dense blocks of bottleneck layers, 2 transitions',
    DENSENET_PRESET_NAMES,
    DENSE_KEYS,
    resolveDenseNetConfig,
    buildDenseNet,
  ),
  'attention-densenet': define(
    'attention-densenet',
    'DenseNet with an attention gate (global-context gating) after each transition',
    DENSENET_PRESET_NAMES,
    [...DENSE_KEYS, 'attentionReduction'],
    resolveAttentionDenseNetConfig,
    buildAttentionDenseNet,
  ),
  'less-densenet': define(
    'less-densenet',
    'DenseNet alternating bottleneck and basic layers, extra dropout on the basic ones',
    DENSENET_PRESET_NAMES,
    [...DENSENET_BASE_KEYS, 'extraDropout'],
    resolveLessDenseNetConfig,
    buildLessDenseNet,
  ),
  'se-densenet': define(
    'se-densenet',
    'DenseNet with squeeze-and-excitation in every dense layer',
    DENSENET_PRESET_NAMES,
    [...DENSE_KEYS, 'seReduction'],
    resolveSeDenseNetConfig,
    buildSeDenseNet,
  ),
  'skip-densenet': define(
    'skip-densenet',
    'DenseNet with the first transition projected, pooled and concatenated before block 3',
    DENSENET_PRESET_NAMES,
    [...DENSE_KEYS, 'skipChannels', 'skipDropout'],
    resolveSkipDenseNetConfig,
    buildSkipDenseNet,
  ),
};

/** The registered heads, in table order. */
export const HEAD_NAMES = Object.keys(DEFINITIONS) as readonly HeadName[];

export function isHeadName(name: string): name is HeadName {
  return Object.prototype.hasOwnProperty.call(DEFINITIONS, name);
}

/** A head's definition; throws E_UNKNOWN_NAME listing the registered heads. */
export function getHeadDefinition<N extends HeadName>(name: N): HeadDefinition<N>;
export function getHeadDefinition(name: string): HeadDefinition;
export function getHeadDefinition(name: string): HeadDefinition {
  if (!isHeadName(name)) {
    throw new ExprsimError('E_UNKNOWN_NAME', `unknown head "${name}"`, {
      input: name,
      fix: `use one of ${HEAD_NAMES.join(', ')}`,
    });
  }
  return DEFINITIONS[name] as unknown as HeadDefinition;
}

export function listHeads(): HeadDefinition[] {
  return HEAD_NAMES.map((n) => getHeadDefinition(n));
}

/**
 * Validate a head config and fill in its documented defaults (a preset's, then the head's).
 * Idempotent: resolving a resolved config gives it back. Throws E_UNKNOWN_NAME for an unknown
 * head and E_BAD_OPTION for an unknown key or a bad value.
 */
export function resolveHeadConfig<N extends HeadName>(
  name: N,
  config?: HeadConfigs[N],
): ResolvedHeadConfigs[N];
export function resolveHeadConfig(name: string, config?: object): ResolvedHeadConfig;
export function resolveHeadConfig(name: string, config?: object): ResolvedHeadConfig {
  return getHeadDefinition(name).resolve(config as HeadConfig);
}

/** Which head (and resolved config) built a model; set by createHead and loadModel. */
export interface HeadInfo<N extends HeadName = HeadName> {
  name: N;
  config: ResolvedHeadConfigs[N];
}

const built = new WeakMap<tf.LayersModel, HeadInfo>();

export function getHeadInfo(model: tf.LayersModel): HeadInfo | undefined {
  return built.get(model);
}

/** @internal Remember which head a model is (loadModel uses it). */
export function setHeadInfo(model: tf.LayersModel, info: HeadInfo): void {
  built.set(model, info);
}

/**
 * Build a head as a tf.layers functional model: input [B, h, w, c] (feature map or pixels),
 * output [B, embeddingSize] unit vectors. Fresh, seeded Kaiming-normal weights.
 *
 *   const model = createHead('se-densenet', { preset: 'shallow', inputShape: [12, 12, 512] });
 */
export function createHead<N extends HeadName>(name: N, config?: HeadConfigs[N]): tf.LayersModel;
export function createHead(name: string, config?: object): tf.LayersModel;
export function createHead(name: string, config?: object): tf.LayersModel {
  const def = getHeadDefinition(name);
  const resolved = def.resolve(config as HeadConfig);
  const model = def.build(resolved as never);
  built.set(model, { name: def.name, config: resolved });
  return model;
}
