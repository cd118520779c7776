import { countFlops, countParams } from './flops.js';
import {
  createHead,
  getHeadDefinition,
  getHeadInfo,
  HEAD_NAMES,
  type HeadName,
  type ResolvedHeadConfig,
} from './heads/registry.js';
import type { InputMode } from './heads/common.js';
import type { Shape3 } from '../core/types.js';

export interface HeadSummaryOptions {
  /** Default 'features'. */
  inputMode?: InputMode;
  /** Default: the heads' default for the mode ([7, 7, 1024] features, [100, 100, 1] pixels). */
  inputShape?: Shape3;
  /** Default: all heads. */
  heads?: readonly HeadName[];
}

export interface HeadSummary {
  head: HeadName;
  preset: string;
  config: ResolvedHeadConfig;
  /** All weights, including batch-norm moving statistics. */
  params: number;
  trainableParams: number;
  /** FLOPs for one face (2 × multiply-adds of convs and dense layers). */
  flops: number;
}

/**
 * Parameters and FLOPs of every head at every preset for one input, as `exprsim models` shows
 * them. Builds each model (fresh weights, on the current tfjs backend) and disposes it.
 */
export function summariseHeads(options: HeadSummaryOptions = {}): HeadSummary[] {
  const rows: HeadSummary[] = [];
  for (const head of options.heads ?? HEAD_NAMES) {
    for (const preset of getHeadDefinition(head).presets) {
      const model = createHead(head, {
        preset,
        inputMode: options.inputMode,
        inputShape: options.inputShape,
      } as never);
      try {
        const params = countParams(model);
        rows.push({
          head,
          preset,
          config: getHeadInfo(model)!.config,
          params: params.total,
          trainableParams: params.trainable,
          flops: countFlops(model).flops,
        });
      } finally {
        model.dispose();
      }
    }
  }
  return rows;
}
