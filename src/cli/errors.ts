// Error reporting for the CLI: every failure becomes one line on stderr and a non-zero exit
// code; the stack trace only with --verbose.
import { CycleGANError } from '../errors.js';

/** A user-facing failure with a message that needs no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit code for usage errors (unknown flags, bad values), as commander uses. */
export const USAGE_EXIT = 2;

/** One line describing `e`, for stderr. */
export function describeError(e: unknown): string {
  if (e instanceof CliError) return e.message;
  if (e instanceof CycleGANError) return `${e.name}: ${e.message}`;
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    const path = (e as NodeJS.ErrnoException).path;
    if (code === 'ENOENT' && path) return `${path} does not exist`;
    if (code === 'EACCES' && path) return `${path}: permission denied`;
    return e.message || e.name;
  }
  return String(e);
}

/** Prints the error (one line; stack with verbose) and returns the exit code to use. */
export function reportError(e: unknown, verbose: boolean): number {
  const line = describeError(e).replace(/\s*\n\s*/g, ' ');
  process.stderr.write(`cyclegan-engine: error: ${line}\n`);
  if (verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return e instanceof CliError ? e.exitCode : 1;
}
