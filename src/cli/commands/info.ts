import type { Command } from 'commander';
import {
  initEngine,
  modelDir,
  packageVersion,
  parseBackendName,
  type BackendName,
} from '../../index.js';
import type { GlobalOptions } from '../main.js';

export function resolveBackend(opts: GlobalOptions): BackendName | undefined {
  return opts.backend === undefined ? undefined : parseBackendName(opts.backend, '--backend');
}

export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('version, tensor backend and why, threads, SIMD, model directory')
    .action(async (_opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const engine = await initEngine({ backend: resolveBackend(g) });
      const info = {
        version: packageVersion(),
        node: process.version,
        tfjs: engine.tfjsVersion,
        backend: engine.backend,
        reason: engine.reason,
        attempts: engine.attempts,
        simd: engine.simd,
        threads: engine.threads,
        trainingKernels: engine.trainingKernels,
        modelDir: modelDir(),
      };
      if (g.json) {
        process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        return;
      }
      const lines = [
        `exprsim ${info.version} (node ${info.node}, tfjs ${info.tfjs})`,
        `backend:   ${info.backend} (${info.reason})`,
        ...info.attempts
          .filter((a) => !a.ok)
          .map((a) => `  ${a.backend}: unavailable: ${a.detail}`),
      ];
      if (info.backend === 'wasm') {
        lines.push(`threads:   ${info.threads}`, `SIMD:      ${info.simd ? 'yes' : 'no'}`);
        lines.push(`training kernels: ${info.trainingKernels.join(', ') || 'none'}`);
      }
      lines.push(`models:    ${info.modelDir}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
