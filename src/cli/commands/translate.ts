// `cyclegan-engine translate`: runs a trained generator on one image or a folder of images, of
// any size (padded to the network's multiple and cropped back; in tiles when large), with a
// progress bar per image. A folder run reports each image that fails and goes on with the rest.
import { basename, extname, join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { BackendChoice } from '../../engine.js';
import { CliError } from '../errors.js';
import { refuseOutputOverInput } from '../files.js';
import {
  IMAGE_EXT,
  imageToChw,
  isDirectory,
  listImageFiles,
  makeEngine,
  parseBackend,
  pathExists,
  readImage,
  writeChwImage,
  type GlobalOptions,
} from '../common.js';
import { checkGeneratorFile, loadGenerator, type Direction, type LoadedGenerator } from '../weights.js';
import { createProgress, progressMode, type Progress } from '../progress.js';
import type { Engine } from '../../engine.js';
import { translateImage, type TranslateProgress } from '../../translate/translate.js';
import { WasmBackend } from '../../backends/wasm/backend.js';
import { prefetchAdapterProbe } from '../gpu_probe.js';

interface TranslateOptions {
  weights: string;
  input: string;
  output: string;
  direction?: Direction;
  size?: number;
  tileSize?: number;
  memoryBudget?: number;
  backend: BackendChoice;
}

function parseDirection(v: string): Direction {
  if (v !== 'AtoB' && v !== 'BtoA') throw new InvalidArgumentError('must be AtoB or BtoA');
  return v;
}

function parseSize(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 8) throw new InvalidArgumentError('must be an integer of at least 8');
  return n;
}

function parseTile(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 8) throw new InvalidArgumentError('must be an integer of at least 8 (pixels a side)');
  return n;
}

function parseMiB(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 16) throw new InvalidArgumentError('must be a whole number of MiB, at least 16');
  return n * 1024 * 1024;
}

export function translateCommand(globals: () => GlobalOptions): Command {
  return new Command('translate')
    .description('translate an image or a folder of images (PNG/JPEG) of any size with a generator\'s weights (safetensors, training checkpoint or PyTorch .pth)')
    .requiredOption('-w, --weights <file>', "generator weights (G_AB.safetensors, a .pth state_dict) or a training checkpoint")
    .requiredOption('-i, --input <path>', 'an image file or a folder of images')
    .requiredOption('-o, --output <path>', 'output image (.png, .jpg) for one input, or a folder for a folder')
    .option('-d, --direction <dir>', "AtoB or BtoA: which generator of a training checkpoint to use (default AtoB); a G_AB/G_BA file translates its own direction only", parseDirection)
    .option('-s, --size <n>', "resize (cover + centre crop) to N x N before translating (default: the image's own size)", parseSize)
    .option('--tile-size <n>', 'translate in tiles of N x N pixels (default: tiles only when the image would not fit the memory budget)', parseTile)
    .option('--memory-budget <MiB>', 'memory for one forward pass\'s activations before tiling (default: one pass when it needs up to 1024, else tiles sized to 384)', parseMiB)
    .option('--backend <name>', 'auto, webgpu or wasm', parseBackend, 'auto' as BackendChoice)
    .action(async (opts: TranslateOptions) => runTranslate(opts, globals()));
}

interface Job {
  from: string;
  to: string;
}

async function runTranslate(opts: TranslateOptions, g: GlobalOptions): Promise<void> {
  // What the engine will need starts now and runs while the weights and the image are read:
  // the WebGPU adapter probe ('auto', a child process) and the WASM module's compile.
  if (opts.backend === 'auto') prefetchAdapterProbe();
  if (opts.backend !== 'webgpu') WasmBackend.precompile(g.threads !== undefined ? { threads: g.threads } : {});
  const progress = createProgress(progressMode(!!g.quiet));
  const say = (line: string): void => {
    if (!g.quiet) progress.log(line);
  };
  const checked = await checkGeneratorFile(resolve(opts.weights), opts.direction);
  const label = checked.direction ?? "the file's direction";
  const input = resolve(opts.input);
  if (!(await pathExists(input))) throw new CliError(`input ${opts.input} does not exist`);
  const dirMode = await isDirectory(input);
  const jobs: Job[] = [];
  if (dirMode) {
    const files = await listImageFiles(input);
    const outDir = resolve(opts.output);
    if ((await pathExists(outDir)) && !(await isDirectory(outDir))) throw new CliError(`output ${opts.output} is a file; a folder input needs an output folder`);
    for (const f of files) jobs.push({ from: f, to: join(outDir, basename(f)) });
  } else {
    let to = resolve(opts.output);
    if (await isDirectory(to)) to = join(to, basename(input).replace(/\.[^.]*$/, '') + '.png');
    else if (!IMAGE_EXT.test(extname(to))) throw new CliError(`output ${opts.output}: unsupported image extension '${extname(to) || '(none)'}'; use .png, .jpg or .jpeg`);
    jobs.push({ from: input, to });
  }
  await refuseOutputOverInput(jobs);
  // A single image is decoded before the engine starts, so a bad input fails fast.
  const first = dirMode ? null : await readImage(jobs[0].from);
  const engine = await makeEngine(opts.backend, 0, g);
  const failures: string[] = [];
  try {
    const gen = await loadGenerator(engine, checked);
    for (const n of gen.notes) if (!g.quiet) process.stderr.write(`note: ${n}\n`);
    try {
      let total = 0;
      const t0 = performance.now();
      for (const job of jobs) {
        try {
          const img = first ?? (await readImage(job.from));
          const [w, h] = await translateOne(engine, gen, img, job, opts, progress, jobs.length > 1 ? `${total + failures.length + 1}/${jobs.length}` : '');
          total++;
          say(`${job.from} -> ${job.to} (${w}x${h}, ${label})`);
        } catch (e) {
          // One bad image must not cost the others: report it, go on, fail at the end.
          if (!dirMode) throw e;
          progress.stop();
          failures.push(`${job.from}: ${(e as Error).message}`);
          process.stderr.write(`error: ${job.from}: ${(e as Error).message}\n`);
        }
      }
      say(`translated ${total} image${total === 1 ? '' : 's'} on ${engine.backend} in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    } finally {
      gen.model.dispose();
    }
  } finally {
    progress.stop();
    engine.dispose();
  }
  if (failures.length) {
    throw new CliError(`${failures.length} of ${jobs.length} images failed:\n  ${failures.join('\n  ')}`);
  }
}

/** Translates one decoded image and writes it; returns [width, height] of the output. */
async function translateOne(
  engine: Engine,
  gen: LoadedGenerator,
  img: { data: Uint8Array; width: number; height: number },
  job: Job,
  opts: TranslateOptions,
  progress: Progress,
  counter: string,
): Promise<[number, number]> {
  const c = gen.channels;
  const h = opts.size ?? img.height;
  const w = opts.size ?? img.width;
  if (h < 8 || w < 8) throw new CliError(`${job.from} is ${img.width}x${img.height}, too small (at least 8x8)`);
  const chw = c === 3 ? imageToChw(img, h, w) : toGray(imageToChw(img, h, w), h, w);
  const x = engine.tensor(chw, [1, c, h, w]);
  let data: Float32Array;
  const started = performance.now();
  let barStarted = false;
  const onProgress = (p: TranslateProgress): void => {
    if (!barStarted) {
      progress.start(p.steps, `${counter ? `${counter} ` : ''}${basename(job.from)} ${w}x${h}`);
      barStarted = true;
    }
    const elapsed = (performance.now() - started) / 1000;
    progress.update(p.step, {
      losses: p.tiles > 1 ? `pass ${p.pass}/${p.passes} tile ${p.tile}/${p.tiles}` : 'untiled',
      etaSeconds: p.fraction > 0 ? (elapsed * (1 - p.fraction)) / p.fraction : NaN,
    });
  };
  try {
    const y = await translateImage(gen.model, x, { tileSize: opts.tileSize, memoryBudget: opts.memoryBudget, onProgress }, 'translate');
    try {
      data = await y.data();
    } finally {
      y.dispose();
    }
  } finally {
    x.dispose();
    if (barStarted) progress.stop();
  }
  await writeChwImage(job.to, data, data.length / (h * w), h, w);
  return [w, h];
}

function toGray(chw: Float32Array, h: number, w: number): Float32Array {
  const p = h * w;
  const out = new Float32Array(p);
  for (let i = 0; i < p; i++) out[i] = 0.299 * chw[i] + 0.587 * chw[p + i] + 0.114 * chw[2 * p + i];
  return out;
}
