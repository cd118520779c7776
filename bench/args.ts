// Command-line arguments of the benchmark suites: `--name value` pairs and the `--quick` flag.
import { parseBackendName, type BackendName } from '../src/engine/backend-names.js';

/** The value after `--name`, else `def`. */
export function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

/** `--quick`: fewer repetitions, a smoke run. */
export const quick = process.argv.includes('--quick');

/** `--backend` (default wasm), checked. */
export function backendArg(): BackendName {
  return parseBackendName(arg('backend', 'wasm'), '--backend');
}
