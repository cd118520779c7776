import type { Command } from 'commander';
import { modelDir, packageVersion } from '../../core/index.js';
import { startEngine, type GlobalOptions } from '../options.js';
import { printJson, printLines } from '../output.js';

export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('version, tensor backend and why, threads, SIMD, model directory')
    .action(async (_opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const engine = await startEngine(g);
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
        native: engine.native,
        modelDir: modelDir(),
      };
      if (g.json) {
        printJson(info);
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
        const n = info.native;
        if (n !== undefined) {
          lines.push(
            n.loaded
              ? `native BLAS: ${n.detail}: ${n.kernels.join(', ')}`
              : `native BLAS: not used: ${n.detail}`,
          );
        }
      }
      lines.push(`models:    ${info.modelDir}`);
      printLines(lines);
    });
}
