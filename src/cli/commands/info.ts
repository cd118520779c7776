import type { Command } from 'commander';
import { startEngine, type GlobalOptions } from '../options.js';
import { printResult } from '../output.js';

export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('version, tensor backend and why, threads, SIMD, model directory')
    .action(async (_opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const engine = await startEngine(g);
      const { formatInstallInfo, installInfo } = await import('../../engine/index.js');
      const info = installInfo(engine);
      printResult(g, info, () => formatInstallInfo(info));
    });
}
