// `cyclegan-engine bench`: the benchmark suites (bench/run.mjs of a clone, as a child process:
// ceilings, every op and the end-to-end cases on WASM and WebGPU, the TF.js / ONNX Runtime /
// PyTorch peers, the results JSON and chart) and a training-step timing of CycleGAN on the
// chosen backend (works from the installed package).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { CycleGANTrainer } from '../../cyclegan/trainer.js';
import type { BackendChoice } from '../../engine.js';
import { CliError } from '../errors.js';
import { makeEngine, parseBackend, parseIntOpt, type GlobalOptions } from '../common.js';

interface BenchOptions {
  quick?: boolean;
  full?: boolean;
  peers: boolean;
  webgpu: boolean;
  suites: boolean;
  step: boolean;
  size: number;
  blocks: number;
  steps: number;
  backend: BackendChoice;
}

/**
 * The root of this package: the nearest folder above this module whose package.json is
 * cyclegan-engine's (dist/ when built, src/cli/commands/ when run from source).
 */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'cyclegan-engine') return dir;
      } catch {
        // not a readable manifest: keep looking above
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

/**
 * bench/run.mjs of this package's root ($CYCLEGAN_BENCH_SCRIPT overrides), or a CliError that
 * says where it looked: the suites ship with a clone of the repository, not the npm package.
 */
export function findBenchScript(root: string | null = packageRoot()): string {
  const env = process.env.CYCLEGAN_BENCH_SCRIPT;
  if (env) {
    if (existsSync(env)) return resolve(env);
    throw new CliError(`bench: CYCLEGAN_BENCH_SCRIPT names ${env}, which does not exist`);
  }
  const script = root ? join(root, 'bench', 'run.mjs') : null;
  if (script && existsSync(script)) return script;
  throw new CliError(
    `bench: ${script ?? 'bench/run.mjs'} not found: the benchmark suites ship with a clone of the repository, ` +
      'not with the npm package (run `npm run bench` in a clone); use --no-suites for the training-step timing alone',
  );
}

export function benchCommand(globals: () => GlobalOptions): Command {
  return new Command('bench')
    .description('run the benchmark suites (bench/run.mjs, from a clone) and time CycleGAN training steps on the chosen backend')
    .argument('[filter]', 'only suites cases whose name contains this')
    .option('--quick', 'the quick preset (the default; about 12 minutes on 2 cores)')
    .option('--full', 'the full preset: more samples, no SwiftShader shortcuts (long)')
    .option('--no-peers', 'skip the TF.js, ONNX Runtime and PyTorch peers')
    .option('--no-webgpu', 'skip WebGPU (and its ceiling)')
    .option('--no-suites', 'skip the kernel suites')
    .option('--no-step', 'skip the training-step timing')
    .option('--size <n>', 'image size of the training-step timing', parseIntOpt(32), 64)
    .option('--blocks <n>', 'residual blocks of the training-step timing', parseIntOpt(0, 64), 3)
    .option('--steps <n>', 'timed training steps (after one warm-up step)', parseIntOpt(1), 3)
    .option('--backend <name>', 'auto, webgpu or wasm: the training-step timing (the suites run both backends)', parseBackend, 'auto' as BackendChoice)
    .action(async (filter: string | undefined, opts: BenchOptions) => {
      const g = globals();
      if (opts.suites) {
        const script = findBenchScript();
        const args = [
          script,
          ...(opts.full ? ['--full'] : []),
          ...(opts.peers ? [] : ['--no-peers']),
          ...(opts.webgpu ? [] : ['--no-webgpu']),
          ...(filter ? ['--filter', filter] : []),
        ];
        const code = await new Promise<number>((res, rej) => {
          const child = spawn(process.execPath, args, { stdio: 'inherit', cwd: dirname(dirname(script)) });
          child.on('error', rej);
          child.on('exit', (c, sig) => res(c ?? (sig ? 1 : 0)));
        });
        if (code !== 0) throw new CliError(`bench: ${script} exited with code ${code}`);
      }
      if (opts.step) {
        const engine = await makeEngine(opts.backend, 0, g);
        try {
          const trainer = new CycleGANTrainer(engine, { imgHeight: opts.size, imgWidth: opts.size, nResidualBlocks: opts.blocks, nEpochs: 1, decayEpoch: 0 });
          try {
            const n = 3 * opts.size * opts.size;
            const a = engine.rand([1, 3, opts.size, opts.size]);
            const b = engine.rand([1, 3, opts.size, opts.size]);
            void n;
            await trainer.step(a, b); // warm-up
            const times: number[] = [];
            for (let i = 0; i < opts.steps; i++) {
              const t0 = performance.now();
              await trainer.step(a, b);
              times.push((performance.now() - t0) / 1000);
            }
            a.dispose();
            b.dispose();
            times.sort((x, y) => x - y);
            const median = times[Math.floor(times.length / 2)];
            const rows = [{ case: `CycleGAN training step ${opts.size}x${opts.size}, ${opts.blocks} blocks, batch 1`, backend: engine.backend, 'median s': median.toFixed(3), 'min s': times[0].toFixed(3), steps: times.length }];
            if (!g.quiet) console.table(rows);
          } finally {
            trainer.dispose();
          }
        } finally {
          engine.dispose();
        }
      }
    });
}
