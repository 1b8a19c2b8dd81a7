// Loading generator weights for the CLI: a safetensors file written by this library (a
// generator's weights or a training checkpoint, whose G_AB./G_BA. prefixes pick the direction)
// or a PyTorch .pth state_dict. Anything that is not a generator is refused with one line.
import { CHECKPOINT_FORMAT } from '../cyclegan/checkpoint.js';
import { GeneratorResNet } from '../cyclegan/generator.js';
import { ResnetGenerator } from '../cyclegan/resnet_generator.js';
import type { Engine } from '../engine.js';
import { loadWeights, type LoadedWeights } from '../io/load.js';
import { loadModelFromWeights } from '../cyclegan/weights/load_model.js';
import { specFromMetadata } from '../cyclegan/weights/architectures.js';
import { inferSpec, selectPrefix, stripDataParallel } from '../cyclegan/weights/keymap.js';
import { CliError } from './errors.js';
import { readFileOrFail } from './files.js';

export type Direction = 'AtoB' | 'BtoA';

export interface LoadedGenerator {
  model: GeneratorResNet | ResnetGenerator;
  channels: number;
  /** The [height, width] the weights were trained at, when the file says. */
  trainedSize: [number, number] | null;
  notes: string[];
  source: string;
}

export async function readWeightsFile(path: string): Promise<{ bytes: Uint8Array; weights: LoadedWeights }> {
  const bytes = await readFileOrFail(path, 'weights file');
  let weights: LoadedWeights;
  try {
    weights = await loadWeights(bytes);
  } catch (e) {
    throw new CliError(`${path} is not a readable weight file: ${(e as Error).message}`);
  }
  return { bytes, weights };
}

export function isCheckpoint(w: LoadedWeights): boolean {
  return w.metadata.format === CHECKPOINT_FORMAT || Object.keys(w.tensors).some((k) => k.startsWith('G_AB.'));
}

export interface CheckedWeights {
  path: string;
  bytes: Uint8Array;
  weights: LoadedWeights;
  prefix: string | undefined;
  /** The direction translated: asked for, or the one a generator file is labelled with; null when a file does not say. */
  direction: Direction | null;
}

/**
 * Reads a weight file and checks, before any engine exists, that it holds a generator:
 * a missing file, a non-weight file or another network fails here with one line. A checkpoint
 * translates either direction (default AtoB); a file of one generator labelled with its
 * direction (the G_AB/G_BA files `train` and `demo` write) translates that one only.
 */
export async function checkGeneratorFile(path: string, asked: Direction | undefined): Promise<CheckedWeights> {
  const { bytes, weights } = await readWeightsFile(path);
  const checkpoint = isCheckpoint(weights);
  let direction: Direction | null;
  if (checkpoint) direction = asked ?? 'AtoB';
  else {
    const label = weights.metadata.direction;
    const labelled = label === 'AtoB' || label === 'BtoA' ? label : null;
    if (asked && labelled && asked !== labelled) {
      const file = asked === 'AtoB' ? 'G_AB' : 'G_BA';
      throw new CliError(`${path} holds the ${labelled} generator only (its metadata says so): it cannot translate ${asked}; pass the ${asked} generator (${file}.safetensors) or a training checkpoint`);
    }
    direction = asked ?? labelled;
  }
  const prefix = checkpoint ? (direction === 'AtoB' ? 'G_AB.' : 'G_BA.') : undefined;
  let kind: string;
  try {
    const tensors = stripDataParallel(prefix ? selectPrefix(weights.tensors, prefix) : weights.tensors, []);
    kind = ((prefix ? null : specFromMetadata(weights.metadata)) ?? inferSpec(tensors)).kind;
  } catch (e) {
    throw new CliError(`${path}: these weights do not fit a CycleGAN generator: ${(e as Error).message}`);
  }
  if (kind !== 'GeneratorResNet' && kind !== 'ResnetGenerator') {
    throw new CliError(`${path} holds a ${kind}, not a generator; pass a generator's weights (e.g. G_AB.safetensors) or a training checkpoint`);
  }
  return { path, bytes, weights, prefix, direction };
}

export async function loadGenerator(engine: Engine, checked: CheckedWeights): Promise<LoadedGenerator> {
  const { path, weights, prefix } = checked;
  const notes: string[] = [];
  let model;
  try {
    // The tensors checkGeneratorFile read: the file is parsed once.
    model = loadModelFromWeights(engine, weights, { prefix, onNote: (n) => notes.push(n) });
  } catch (e) {
    throw new CliError(`${path}: these weights do not fit a CycleGAN generator: ${(e as Error).message}`);
  }
  if (!(model instanceof GeneratorResNet) && !(model instanceof ResnetGenerator)) {
    const kind = model.constructor.name;
    model.dispose();
    throw new CliError(`${path} holds a ${kind}, not a generator; pass a generator's weights (e.g. G_AB.safetensors) or a training checkpoint`);
  }
  const channels = model instanceof GeneratorResNet ? model.inputShape[0] : model.config.inputNc;
  let trainedSize: [number, number] | null = null;
  if (model instanceof GeneratorResNet && weights.format === 'safetensors' && (weights.metadata.kind || prefix)) {
    trainedSize = [model.inputShape[1], model.inputShape[2]];
  }
  return { model, channels, trainedSize, notes, source: path };
}
