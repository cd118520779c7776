import { ExprsimError } from '../core/errors.js';

// The backend names without TensorFlow.js, for the CLI's option parsing and help (which must not
// pay for loading tfjs); backend.ts re-exports them.

/** Our names for tfjs backends. `node` is tfjs-node's native libtensorflow ("tensorflow" in tfjs). */
export type BackendName = 'node' | 'wasm' | 'cpu';

export const BACKEND_NAMES: readonly BackendName[] = ['node', 'wasm', 'cpu'];

export function parseBackendName(value: string, source: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new ExprsimError('E_BAD_OPTION', `unknown backend "${value}"`, {
    input: source,
    fix: `use one of ${BACKEND_NAMES.join(', ')}`,
  });
}

/** What a run's kernels are, for summaries and benchmarks: "wasm", "wasm + native BLAS", "node". */
export function kernelsLabel(engine: {
  backend: BackendName;
  native?: { loaded?: boolean };
}): string {
  return engine.native?.loaded === true ? `${engine.backend} + native BLAS` : engine.backend;
}
