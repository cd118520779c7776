#!/usr/bin/env node
import { cliErrorLine, commandFlags, optionFlags } from './error-line.js';
import { Command, CommanderError, Help, Option } from 'commander';
// Only light modules here and in the command registrations: every start (even --help) pays
// for what they import. Each command loads the library (TensorFlow.js and all) when it runs.
import { BACKEND_NAMES } from '../engine/defaults.js';
import {
  ExprsimError,
  isExprsimError,
  packageVersion,
  printable,
  setLogLevel,
} from '../core/index.js';
import { registerInfoCommand } from './commands/info.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDataCommands } from './commands/data.js';
import { registerDetectCommand } from './commands/detect.js';
import { registerDetectBenchCommand } from './commands/detect-bench.js';
import { registerModelsCommand } from './commands/models.js';
import { registerFeatureCommands } from './commands/features.js';
import { registerTrainCommands } from './commands/train.js';
import { registerSearchCommands } from './commands/search.js';
import { registerServeCommand } from './commands/serve.js';
import { registerReportCommands } from './commands/report.js';
import { registerExperimentCommands } from './commands/experiment.js';
import { registerFrameCommand } from './commands/frame.js';
import { registerBuildWebCommand } from './commands/build-web.js';
import type { GlobalOptions } from './options.js';

export type { GlobalOptions };

/** The command being run (set before its action starts), for the flags its errors name. */
let running: Command | undefined;

function buildProgram(): Command {
  const program = new Command();
  program
    .name('exprsim')
    .description(
      'Facial expression similarity: detect faces, embed expressions, train, compare, search.',
    )
    .version(packageVersion(), '-V, --version')
    .addOption(
      new Option(
        '--backend <name>',
        'tensor backend (default: node, then wasm, then cpu; or EXPRSIM_BACKEND)',
      ).choices(BACKEND_NAMES as string[]),
    )
    .option('--verbose', 'debug logging and stack traces on errors')
    .option('--json', 'machine-readable output on stdout; no progress bars')
    // Every command's help marks the options it cannot run without (inherited by the commands
    // registered below).
    .configureHelp({
      optionDescription: (option) => {
        const text = Help.prototype.optionDescription.call(new Help(), option);
        return option.mandatory ? `${text} (required)` : text;
      },
    })
    .exitOverride();
  program.hook('preAction', (cmd, action) => {
    running = action;
    const opts = cmd.optsWithGlobals<GlobalOptions>();
    setLogLevel(opts.verbose ? 'debug' : opts.json ? 'error' : 'warn');
  });
  registerInfoCommand(program);
  registerDemoCommand(program);
  registerDataCommands(program);
  registerDetectCommand(program);
  registerDetectBenchCommand(program);
  registerModelsCommand(program);
  registerFeatureCommands(program);
  registerTrainCommands(program);
  registerSearchCommands(program);
  registerServeCommand(program);
  registerReportCommands(program);
  registerExperimentCommands(program);
  registerFrameCommand(program);
  registerBuildWebCommand(program);
  oneLineUsageErrors(program);
  return program;
}

/**
 * Commander's usage errors (unknown option, missing argument, bad choice) as one line like the
 * library's: `exprsim: error: … (run exprsim <command> --help for usage)`, the user's text in it
 * with control characters escaped.
 */
function oneLineUsageErrors(cmd: Command, path = 'exprsim'): void {
  cmd.configureOutput({
    outputError: (text, write) =>
      write(
        `exprsim: ${printable(text.trim().replace(/\s*\n\s*/g, ' '))} (run ${path} --help for usage)\n`,
      ),
  });
  for (const sub of cmd.commands) oneLineUsageErrors(sub, `${path} ${sub.name()}`);
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // A command may set its own exit code (e.g. train: 130 when interrupted).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      return e.exitCode;
    }
    const verbose = argv.includes('--verbose');
    if (isExprsimError(e)) {
      const flags = running === undefined ? optionFlags(program) : commandFlags(running);
      process.stderr.write(`exprsim: ${cliErrorLine(e, flags)}\n`);
    } else {
      const message = e instanceof Error ? e.message : String(e);
      process.stderr.write(
        `exprsim: unexpected error: ${message.split('\n')[0]} (rerun with --verbose for details)\n`,
      );
    }
    if (verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

export { ExprsimError };

// Run when executed directly (bin/exprsim.js imports this module).
process.exitCode = await main(process.argv);
