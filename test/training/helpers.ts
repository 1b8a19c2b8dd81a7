// Shared pieces of the training tests: the PyTorch oracle (test/training/torch_cyclegan.py run
// by Debian's /usr/bin/python3), an in-test dataset of two synthetic domains, and metrics.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '../../src/io/safetensors.js';
import type { Rng } from '../../src/random/rng.js';
import type { ImagePair, UnpairedDataset as TrainingDataset } from '../../src/data/dataset.js';

/** Debian's python with python3-torch; TORCH_PYTHON overrides it (e.g. to check the skip path). */
export const PYTHON = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
export const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'torch_cyclegan.py');

export interface TorchProbe {
  ok: boolean;
  reason: string;
  /** CI=true: a missing torch fails the PyTorch tests instead of skipping them. */
  required: boolean;
}

export function probeTorch(): TorchProbe {
  const required = process.env.CI === 'true';
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return { ok: true, reason: `torch ${r.stdout.trim()}`, required };
  const why = r.error ? r.error.message : ((r.stderr || '').trim().split('\n').pop() ?? 'unknown');
  return { ok: false, reason: `${PYTHON} cannot import torch (${why}); apt-get install python3-torch`, required };
}

export interface TorchRun {
  dir: string;
  read(name: string): Record<string, { data: Float32Array; shape: number[] }>;
  json<T>(name: string): T;
  cleanup(): void;
}

/** Runs `torch_cyclegan.py CMD config.json DIR` in a fresh temporary directory. */
export function runTorch(cmd: 'train' | 'sensitivity' | 'lambda_lr', config: unknown): TorchRun {
  const dir = mkdtempSync(join(tmpdir(), 'cyclegan-train-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  execFileSync(PYTHON, [SCRIPT, cmd, join(dir, 'config.json'), dir], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  return {
    dir,
    read: (name) => readSafetensors(new Uint8Array(readFileSync(join(dir, name)))).tensors,
    json: (name) => JSON.parse(readFileSync(join(dir, name), 'utf8')),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Keys under `prefix`, with the prefix removed. */
export function withPrefix<T>(map: Record<string, T>, prefix: string): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(map)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
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

/**
 * A dataset that hands out fixed samples in the order they are asked for, whatever the index:
 * fit() then consumes exactly the batches the PyTorch script consumed.
 */
export class ScriptedDataset implements TrainingDataset {
  private next = 0;
  constructor(
    private readonly samples: ImagePair[],
    readonly length: number,
    readonly channels: number,
    readonly height: number,
    readonly width: number,
  ) {}
  get(): ImagePair {
    const s = this.samples[this.next++];
    if (!s) throw new Error('ScriptedDataset: out of samples');
    return s;
  }
}

/**
 * Two synthetic domains that a CycleGAN can map into each other: A is a smooth horizontal
 * colour gradient with a bright disc, B the same scene transposed with channels permuted.
 * Each sample has its own disc position and hue, drawn from `rng`; B is unaligned (drawn
 * independently), as in the reference's ImageDataset(unaligned=True).
 */
export class TwoDomains implements TrainingDataset {
  readonly channels = 3;
  constructor(
    readonly length: number,
    readonly height: number,
    readonly width: number,
  ) {}
  get(index: number, rng: Rng): ImagePair {
    return { A: this.scene(index, 'A'), B: this.scene(rng.nextInt(this.length), 'B') };
  }
  private scene(i: number, domain: 'A' | 'B'): Float32Array {
    const { height: h, width: w } = this;
    const out = new Float32Array(3 * h * w);
    // Deterministic per-sample parameters.
    const cx = ((i * 37) % 23) / 23;
    const cy = ((i * 53) % 19) / 19;
    const hue = ((i * 29) % 17) / 17;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const u = x / (w - 1);
        const v = y / (h - 1);
        const [s, t] = domain === 'A' ? [u, v] : [v, u];
        const disc = (s - (0.2 + 0.6 * cx)) ** 2 + (t - (0.2 + 0.6 * cy)) ** 2 < 0.04 ? 1 : 0;
        const rgb = [s, 0.5 + 0.5 * Math.sin(6.28 * (hue + t)), 1 - s];
        for (let c = 0; c < 3; c++) {
          const ch = domain === 'A' ? c : (c + 1) % 3;
          out[(ch * h + y) * w + x] = Math.max(-1, Math.min(1, 2 * (0.7 * rgb[c] + 0.3 * disc) - 1));
        }
      }
    }
    return out;
  }
}
