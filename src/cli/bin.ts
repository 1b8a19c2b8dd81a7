#!/usr/bin/env node
// Entry point of the `cyclegan-engine` command (built by tsup into dist/cli.js).
import { main } from './main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`cyclegan-engine: error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
