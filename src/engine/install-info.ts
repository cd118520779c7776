import { modelDir, packageVersion } from '../core/index.js';
import type { EngineInfo } from './backend.js';

/** What `exprsim info` reports: versions, the backend and why, its threads and kernels, models. */
export interface InstallInfo {
  version: string;
  node: string;
  tfjs: string;
  backend: EngineInfo['backend'];
  reason: string;
  attempts: EngineInfo['attempts'];
  simd: EngineInfo['simd'];
  threads: EngineInfo['threads'];
  trainingKernels: string[];
  native: EngineInfo['native'];
  modelDir: string;
}

/** The install as `exprsim info` reports it, for the engine `initEngine` started. */
export function installInfo(engine: EngineInfo): InstallInfo {
  return {
    version: packageVersion(),
    node: process.version,
    tfjs: engine.tfjsVersion,
    backend: engine.backend,
    reason: engine.reason,
    attempts: engine.attempts,
    simd: engine.simd,
    threads: engine.threads,
    trainingKernels: engine.trainingKernels,
    native: engine.native,
    modelDir: modelDir(),
  };
}

/** The install as text: versions, the backend (and the ones that failed), wasm details, models. */
export function formatInstallInfo(info: InstallInfo): string[] {
  const lines = [
    `exprsim ${info.version} (node ${info.node}, tfjs ${info.tfjs})`,
    `backend:   ${info.backend} (${info.reason})`,
    ...info.attempts.filter((a) => !a.ok).map((a) => `  ${a.backend}: unavailable: ${a.detail}`),
  ];
  if (info.backend === 'wasm') {
    lines.push(
      `threads:   ${info.threads}`,
      `SIMD:      ${info.simd ? 'yes' : 'no'}`,
      `training kernels: ${info.trainingKernels.join(', ') || 'none'}`,
    );
    const n = info.native;
    if (n !== undefined) {
      lines.push(
        n.loaded
          ? `native:    ${n.detail}: ${n.kernels.join(', ')}`
          : `native:    not used: ${n.detail}`,
      );
      const notes = [
        n.threadsWhy && `threads: ${n.threadsWhy}`,
        n.openmp,
        n.declinedTo && `declined cases: ${n.declinedTo === 'openblas' ? 'OpenBLAS' : 'wasm'}`,
      ].filter((x): x is string => typeof x === 'string' && x !== '');
      if (n.loaded && notes.length > 0) lines.push(`  ${notes.join('; ')}`);
    }
  }
  lines.push(`models:    ${info.modelDir}`);
  return lines;
}
