// `cyclegan-engine translate`: runs a trained generator on one image or a folder of images.
import { basename, extname, join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { BackendChoice } from '../../engine.js';
import { CliError } from '../errors.js';
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
import { checkGeneratorFile, loadGenerator, type Direction } from '../weights.js';

interface TranslateOptions {
  weights: string;
  input: string;
  output: string;
  direction: Direction;
  size?: number;
  backend: BackendChoice;
}

function parseDirection(v: string): Direction {
  if (v !== 'AtoB' && v !== 'BtoA') throw new InvalidArgumentError('must be AtoB or BtoA');
  return v;
}

function parseSize(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 4 || n % 4 !== 0) throw new InvalidArgumentError('must be a positive multiple of 4 (the generator halves the image twice)');
  return n;
}

export function translateCommand(globals: () => GlobalOptions): Command {
  return new Command('translate')
    .description('translate an image or a folder of images (PNG/JPEG) with a generator\'s weights (safetensors, training checkpoint or PyTorch .pth)')
    .requiredOption('-w, --weights <file>', "generator weights (G_AB.safetensors, a .pth state_dict) or a training checkpoint")
    .requiredOption('-i, --input <path>', 'an image file or a folder of images')
    .requiredOption('-o, --output <path>', 'output image (.png, .jpg) for one input, or a folder for a folder')
    .option('-d, --direction <dir>', 'AtoB or BtoA: which generator of a training checkpoint to use', parseDirection, 'AtoB' as Direction)
    .option('-s, --size <n>', 'resize (cover + centre crop) to N x N before translating (default: the image\'s own size, rounded down to a multiple of 4)', parseSize)
    .option('--backend <name>', 'auto, webgpu or wasm', parseBackend, 'auto' as BackendChoice)
    .action(async (opts: TranslateOptions) => runTranslate(opts, globals()));
}

async function runTranslate(opts: TranslateOptions, g: GlobalOptions): Promise<void> {
  const say = (line: string): void => {
    if (!g.quiet) process.stdout.write(`${line}\n`);
  };
  const checked = await checkGeneratorFile(resolve(opts.weights), opts.direction);
  const input = resolve(opts.input);
  if (!(await pathExists(input))) throw new CliError(`input ${opts.input} does not exist`);
  const dirMode = await isDirectory(input);
  const jobs: { from: string; to: string }[] = [];
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
  // The first image is decoded before the engine starts, so a bad input fails fast.
  const first = await readImage(jobs[0].from);
  const engine = await makeEngine(opts.backend, 0, g);
  try {
    const gen = await loadGenerator(engine, checked);
    for (const n of gen.notes) if (!g.quiet) process.stderr.write(`note: ${n}\n`);
    try {
      const c = gen.channels;
      let total = 0;
      const t0 = performance.now();
      for (const job of jobs) {
        const img = job === jobs[0] ? first : await readImage(job.from);
        const h = opts.size ?? Math.floor(img.height / 4) * 4;
        const w = opts.size ?? Math.floor(img.width / 4) * 4;
        if (h < 4 || w < 4) throw new CliError(`${job.from} is ${img.width}x${img.height}, too small (at least 4x4)`);
        const chw = c === 3 ? imageToChw(img, h, w) : toGray(imageToChw(img, h, w), h, w);
        const x = engine.tensor(chw, [1, c, h, w]);
        let data: Float32Array;
        try {
          const y = engine.noGrad(() => engine.tidy(() => gen.model.forward(x)));
          data = await y.data();
          y.dispose();
        } finally {
          x.dispose();
        }
        const outC = data.length / (h * w);
        await writeChwImage(job.to, data, outC, h, w);
        total++;
        say(`${job.from} -> ${job.to} (${w}x${h}, ${opts.direction})`);
      }
      say(`translated ${total} image${total === 1 ? '' : 's'} on ${engine.backend} in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    } finally {
      gen.model.dispose();
    }
  } finally {
    engine.dispose();
  }
}

function toGray(chw: Float32Array, h: number, w: number): Float32Array {
  const p = h * w;
  const out = new Float32Array(p);
  for (let i = 0; i < p; i++) out[i] = 0.299 * chw[i] + 0.587 * chw[p + i] + 0.114 * chw[2 * p + i];
  return out;
}
