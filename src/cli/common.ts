// Helpers shared by the subcommands: engine creation from --backend, option parsing, image
// files in and out (PNG/JPEG), network weights as safetensors bytes, loss bookkeeping.
import { createQuietAutoEngine } from './gpu_probe.js';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import jpeg from 'jpeg-js';
import { createEngine, type Engine } from '../engine.js';
import type { BackendChoice } from '../engine.js';
import { decodeImage, encodePng } from '../data/codec.js';
import { chwToRgba } from '../data/convert.js';
import { transformImage } from '../data/transforms.js';
import { saveWeightsAsync } from '../cyclegan/weights/save.js';
import type { Module } from '../nn/module.js';
import type { StepLosses } from '../cyclegan/trainer.js';
import type { LossSeries } from './loss_chart.js';
import { CliError } from './errors.js';
import { readFileOrFail, writeFileAtomic } from './files.js';
import { engineBanner } from './runtime.js';

export interface GlobalOptions {
  verbose?: boolean;
  quiet?: boolean;
  /** --threads: threads of the WASM kernels (default: every core, see src/backends/wasm/threads.ts) */
  threads?: number;
}

export const BACKENDS = ['auto', 'webgpu', 'wasm'] as const;

export function parseBackend(v: string): BackendChoice {
  if (!(BACKENDS as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${BACKENDS.join(', ')}`);
  return v as BackendChoice;
}

export function parseIntOpt(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `must be an integer >= ${min}` : `must be an integer in [${min}, ${max}]`);
    }
    return n;
  };
}

export function parseFloatOpt(min = -Infinity) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min) throw new InvalidArgumentError(`must be a number${min > -Infinity ? ` >= ${min}` : ''}`);
    return n;
  };
}

/** `--threads <n>`, added once to every command that starts an engine (src/cli/main.ts). */
export function threadsOption(): Option {
  return new Option('--threads <n>', 'threads of the WebAssembly kernels (default: every core of this machine)').argParser(parseIntOpt(1, 64));
}

/**
 * The command's engine: --threads when given (else every core), the relaxed-SIMD build where it
 * runs (src/cli/runtime.ts). 'auto' keeps Dawn's native stderr warnings for --verbose
 * (src/cli/gpu_probe.ts). Unless --quiet, prints its first line: version, build and threads.
 */
export async function makeEngine(backend: BackendChoice, seed = 0, g: GlobalOptions = {}): Promise<Engine> {
  const wasm = g.threads !== undefined ? { wasm: { threads: g.threads } } : {};
  const engine =
    backend === 'auto'
      ? await createQuietAutoEngine(seed, process.argv.includes('--verbose') || process.argv.includes('-v'), wasm)
      : await createEngine({ backend, seed, ...wasm });
  if (!g.quiet) process.stdout.write(`${engineBanner(engine)}\n`);
  return engine;
}

/** A network's state_dict as safetensors bytes, with its { kind, options } metadata; any backend. */
export async function moduleSafetensors(module: Module, extra: Record<string, string> = {}): Promise<Uint8Array> {
  return saveWeightsAsync(module, { metadata: extra });
}

export const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** Reads and decodes one image file (PNG or JPEG, told by its bytes). */
export async function readImage(path: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const bytes = await readFileOrFail(path, 'image');
  return decodeImage(bytes, { name: path });
}

/** An image as a model input of h x w (resize to cover + centre crop when the size differs). */
export function imageToChw(img: { data: Uint8Array; width: number; height: number }, h: number, w: number): Float32Array {
  return transformImage({ data: img.data, width: img.width, height: img.height, channels: 4 }, { imgHeight: h, imgWidth: w, channels: 3, kind: 'eval' });
}

/** Encodes RGBA pixels as PNG or JPEG, chosen by the file name's extension. */
export async function encodeImageFor(path: string, rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Promise<Uint8Array> {
  const ext = extname(path).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') {
    const buf = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
    const out = jpeg.encode({ data: buf, width, height }, 92);
    return new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
  }
  if (ext === '.png') return encodePng(rgba, width, height);
  throw new CliError(`output ${path}: unsupported image extension '${ext || '(none)'}'; use .png, .jpg or .jpeg`);
}

/** Writes a CHW image in [-1, 1] as PNG/JPEG, atomically. */
export async function writeChwImage(path: string, chw: Float32Array, c: number, h: number, w: number): Promise<void> {
  const rgba = chwToRgba(chw, c, h, w);
  await writeFileAtomic(path, await encodeImageFor(path, rgba, w, h));
}

/** Image files directly in a folder, sorted; a clear error when there are none. */
export async function listImageFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => IMAGE_EXT.test(n)).sort();
  if (names.length === 0) throw new CliError(`folder ${dir} contains no .png, .jpg or .jpeg files`);
  return names.map((n) => join(dir, n));
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Per-step losses, kept for the chart and the CSV. */
export class LossRecorder {
  readonly lossD: number[] = [];
  readonly lossG: number[] = [];
  readonly lossGAN: number[] = [];
  readonly lossCycle: number[] = [];
  readonly lossIdentity: number[] = [];

  push(l: StepLosses): void {
    this.lossD.push(l.lossD);
    this.lossG.push(l.lossG);
    this.lossGAN.push(l.lossGAN);
    this.lossCycle.push(l.lossCycle);
    this.lossIdentity.push(l.lossIdentity);
  }

  get length(): number {
    return this.lossD.length;
  }

  series(): LossSeries[] {
    return [
      { name: 'loss D', values: this.lossD },
      { name: 'loss G', values: this.lossG },
      { name: 'loss GAN', values: this.lossGAN },
      { name: 'loss cycle', values: this.lossCycle },
      { name: 'loss identity', values: this.lossIdentity },
    ];
  }
}

export function formatLosses(l: StepLosses): string {
  return `D ${l.lossD.toFixed(3)} G ${l.lossG.toFixed(3)} (adv ${l.lossGAN.toFixed(3)} cyc ${l.lossCycle.toFixed(3)} id ${l.lossIdentity.toFixed(3)})`;
}

export function pad(n: number, width = 6): string {
  return String(n).padStart(width, '0');
}
