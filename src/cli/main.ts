// The `cyclegan-engine` command: a commander program with one subcommand per job.
import { Command, CommanderError } from 'commander';
import { threadsOption, type GlobalOptions } from './common.js';
import { cliVersion, enableRelaxedSimd } from './runtime.js';
import { CliError, USAGE_EXIT, reportError } from './errors.js';
import { demoCommand } from './commands/demo.js';
import { translateCommand } from './commands/translate.js';
import { infoCommand } from './commands/info.js';
import { convertCommand } from './commands/convert.js';
import { trainCommand } from './commands/train.js';
import { benchCommand } from './commands/bench.js';

// The commands that start an engine, and so take --threads.
const ENGINE_COMMANDS = new Set(['demo', 'train', 'translate', 'convert', 'bench']);

function oneLine(str: string): string {
  return `${str.split('\n')[0].replace(/^error: /, 'cyclegan-engine: error: ')} (see --help)\n`;
}

export function buildProgram(): Command {
  const program = new Command('cyclegan-engine');
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  program
    .description('Train and run CycleGAN image-to-image translation (WebAssembly SIMD or WebGPU)')
    .version(cliVersion())
    .option('-v, --verbose', 'print stack traces of errors')
    .option('-q, --quiet', 'no progress bar or messages (errors still go to stderr)')
    .enablePositionalOptions(false)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(oneLine(str)) });
  for (const cmd of [demoCommand(globals), trainCommand(globals), translateCommand(globals), convertCommand(globals), infoCommand(globals), benchCommand(globals)]) {
    // Global flags are accepted after the subcommand too (`demo --quiet`).
    cmd.option('-v, --verbose', 'print stack traces of errors').option('-q, --quiet', 'no progress bar or messages');
    if (ENGINE_COMMANDS.has(cmd.name())) cmd.addOption(threadsOption());
    cmd.hook('preAction', (_this, action) => {
      const o = action.opts<GlobalOptions>();
      if (o.verbose) program.setOptionValue('verbose', true);
      if (o.quiet) program.setOptionValue('quiet', true);
      if (o.threads !== undefined) program.setOptionValue('threads', o.threads);
    });
    cmd.exitOverride();
    cmd.configureOutput({ outputError: (str, write) => write(oneLine(str)) });
    program.addCommand(cmd);
  }
  return program;
}

/** Runs the CLI on `argv` (process.argv layout); resolves to the exit code. */
export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  // Before any module compiles: the relaxed-SIMD build wherever the runtime can run it.
  await enableRelaxedSimd();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed by commander.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return 0;
      if (e.code === 'commander.executeSubCommandAsync') return 1;
      return e.exitCode === 0 ? 0 : USAGE_EXIT;
    }
    return reportError(e, verbose);
  }
}

export { CliError };
