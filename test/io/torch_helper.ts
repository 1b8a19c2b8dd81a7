// Runs test/io/torch_weights.py (Debian's /usr/bin/python3 with torch) into a temp dir.
// Without torch the PyTorch-backed tests skip with the reason, except under CI=true, where a
// missing torch fails them: CI must prove interchange with PyTorch, not skip it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's python with python3-torch; TORCH_PYTHON overrides it (e.g. to check the skip path). */
export const PYTHON = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
export const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'torch_weights.py');

export interface TorchProbe {
  ok: boolean;
  reason: string;
  /** CI=true: a missing torch is a failure, not a skip. */
  required: boolean;
}

export function probeTorch(): TorchProbe {
  const required = process.env.CI === 'true';
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status === 0) return { ok: true, reason: `torch ${r.stdout.trim()}`, required };
  const why = r.error ? r.error.message : (r.stderr || '').trim().split('\n').pop() ?? 'unknown';
  return { ok: false, reason: `${PYTHON} cannot import torch (${why}); apt-get install python3-torch`, required };
}

export interface Fixtures<M> {
  dir: string;
  manifest: M;
  path(name: string): string;
  cleanup(): void;
}

/** Runs `torch_weights.py make DIR parts...` and reads its manifest. */
export function makeFixtures<M>(parts: string[]): Fixtures<M> {
  const dir = mkdtempSync(join(tmpdir(), 'cyclegan-io-'));
  execFileSync(PYTHON, [SCRIPT, 'make', dir, ...parts], { stdio: ['ignore', 'ignore', 'inherit'] });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as M;
  return { dir, manifest, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `torch_weights.py check DIR` and parses its JSON result. */
export function runCheck<R>(dir: string): R {
  const out = execFileSync(PYTHON, [SCRIPT, 'check', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  return JSON.parse(out) as R;
}

export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  const out = new Float32Array(b.length / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** max|a - b| / (max|b| + 1e-6): the metric of docs/design.md. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / (den + 1e-6);
}
