import { join } from 'node:path';
import type { Command } from 'commander';
import { PACKAGE_ROOT } from '../../core/index.js';
import { DEFAULT_DETECT_BENCH, parseDetectorName } from '../../detect/defaults.js';
import type { DetectBenchOptions } from '../../index.js';
import { keyedOption } from '../keyed-option.js';
import { numberOption, startEngine, type GlobalOptions } from '../options.js';
import { printResult, withProgressBar } from '../output.js';

const detectorList = (v: string) =>
  v.split(',').map((s) => parseDetectorName(s.trim(), 'detectors'));

/** Registers `exprsim detect-bench`: scores the detectors on the shared data folder. */
export function registerDetectBenchCommand(program: Command): void {
  const d = DEFAULT_DETECT_BENCH;
  program
    .command('detect-bench')
    .description('compare the detectors on FER2013, the WIDER subset and the shared photos')
    .addOption(keyedOption('--data <dir>', 'shared data folder', 'dataDir').default(d.dataDir))
    .option('--detectors <names>', 'comma-separated detectors', d.detectors.join(','))
    .addOption(
      numberOption('--fer-sample <n>', 'FER2013 PrivateTest crops to use', {
        min: 1,
        default: d.ferSample,
      }),
    )
    .addOption(
      numberOption(
        '--fer-padding <fraction>',
        'black border around each 48x48 crop, fraction of its side',
        { int: false, default: d.ferPadding },
      ),
    )
    .addOption(numberOption('--wider-limit <n>', 'WIDER photos to use (default all)', { min: 1 }))
    .action(async (o: DetectBenchOptions & { detectors: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const detectors = detectorList(o.detectors);
      await startEngine(g);
      const { formatDetectBench, runDetectBench } = await import('../../detect/index.js');
      const speedImage256 = join(PACKAGE_ROOT, 'test', 'fixtures', 'detect', 'astronaut-256.jpg');
      const r = await withProgressBar(g, (onProgress) =>
        runDetectBench({ ...o, detectors, speedImage256, onProgress }),
      );
      printResult(g, r, () => formatDetectBench(r));
    });
}
