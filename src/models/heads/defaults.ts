import type { Shape3 } from '../../core/types.js';

// Input modes and default input shapes, without TensorFlow.js (the CLI's help shows them);
// common.ts re-exports them.

/**
 * What a head reads: `features`, a cached feature map [h, w, c] from a frozen backbone (e.g.
 * [7, 7, 1024] for FECNet's Inception-4e cut, [12, 12, 512]); or `pixels`, raw face crops
 * [h, w, 1 | 3] (the study's replica mode, e.g. [100, 100, 1]) already scaled by preprocessing.
 */
export type InputMode = 'features' | 'pixels';
export const INPUT_MODES: readonly InputMode[] = Object.freeze(['features', 'pixels']);

/** Default feature-map input: FECNet's backbone cut (Inception-4e at 224x224 input). */
export const DEFAULT_FEATURE_SHAPE: Readonly<Shape3> = Object.freeze([7, 7, 1024] as Shape3);
/** Default pixel input: the study's 100x100 grayscale faces. */
export const DEFAULT_PIXEL_SHAPE: Readonly<Shape3> = Object.freeze([100, 100, 1] as Shape3);
