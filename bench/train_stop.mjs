// How long `cyclegan-engine train` takes to stop after Ctrl-C (GitHub issue #14: within 2 s,
// with a checkpoint of the last completed step), at the reference's size by default.
//
//   node bench/train_stop.mjs [--size 256] [--blocks 9] [--runs 3] [--threads N] [--json] [--out FILE.json]
//
// Each run starts `dist/cli.js train` on a folder of random photos, waits for the first step to
// end ("first step took"), lets the second step run for a drawn 20-80% of the first step's time
// (so the signal lands inside a generator pass, the longest phase), sends SIGINT, and records
// when checkpoint.safetensors appears (it is renamed into place only once flushed) and when the
// process exits. --json ends the output with the results as one JSON line (bench/run.mjs reads
// it). Build first (`npm run build`).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const argv = process.argv.slice(2);
const opt = (f, d) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : d);
const size = Number(opt('--size', 256));
const blocks = Number(opt('--blocks', 9));
const runs = Number(opt('--runs', 3));
const threads = opt('--threads', null);
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);

/** A deterministic generator of photo bytes (no Math.random: runs are repeatable). */
function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24;
}

function makeDataset(dir, n) {
  const next = lcg(7);
  for (const d of ['trainA', 'trainB']) {
    mkdirSync(join(dir, d), { recursive: true });
    for (let i = 0; i < n; i++) {
      const png = new PNG({ width: size, height: size });
      for (let k = 0; k < png.data.length; k++) png.data[k] = k % 4 === 3 ? 255 : next();
      writeFileSync(join(dir, d, `${i}.png`), PNG.sync.write(png));
    }
  }
}

function once(tmp, run) {
  const out = join(tmp, `out${run}`);
  const checkpoint = join(out, 'checkpoint.safetensors');
  const args = [cli, 'train', '--data', join(tmp, 'data'), '--out', out, '--img-height', String(size), '--img-width', String(size)];
  args.push('--n-residual-blocks', String(blocks), '--sample-interval', '1000', '--backend', 'wasm');
  if (threads) args.push('--threads', threads);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalAt = null;
    let checkpointAt = null;
    let poll = null;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /first step took (\d+\.\d+) s/.exec(stdout);
      if (m && signalAt === null) {
        signalAt = -1;
        const delay = (0.2 + 0.6 * ((run * 0.37) % 1)) * Number(m[1]) * 1000;
        setTimeout(() => {
          signalAt = performance.now();
          child.kill('SIGINT');
          poll = setInterval(() => {
            if (checkpointAt === null && existsSync(checkpoint)) checkpointAt = performance.now();
          }, 10);
        }, delay);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const exitAt = performance.now();
      clearInterval(poll);
      if (checkpointAt === null && existsSync(checkpoint)) checkpointAt = exitAt;
      if (signalAt === null || signalAt < 0) return reject(new Error(`train ended (exit ${code}) before the signal:\n${stdout}\n${stderr}`));
      const firstStep = Number(/first step took (\d+\.\d+) s/.exec(stdout)[1]);
      resolve({
        run,
        exitCode: code,
        firstStepSeconds: firstStep,
        checkpointSeconds: checkpointAt === null ? null : (checkpointAt - signalAt) / 1000,
        exitSeconds: (exitAt - signalAt) / 1000,
      });
    });
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'cyclegan-train-stop-'));
const results = [];
try {
  makeDataset(join(tmp, 'data'), 4);
  for (let run = 0; run < runs; run++) {
    const r = await once(tmp, run);
    results.push(r);
    console.log(`${size}x${size}, ${blocks} blocks: exit ${r.exitCode}; checkpoint ${r.checkpointSeconds?.toFixed(2)} s and exit ${r.exitSeconds.toFixed(2)} s after SIGINT (first step ${r.firstStepSeconds.toFixed(1)} s)`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const summary = { size, blocks, threads, results };
if (argv.includes('--json')) console.log(JSON.stringify(summary));
const out = opt('--out', null);
if (out) {
  writeFileSync(out, JSON.stringify(summary, null, 1) + '\n');
  console.log(`wrote ${out}`);
}
