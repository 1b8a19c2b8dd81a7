// Loading generator weights for the CLI: a safetensors file written by this library (a
// generator's weights or a training checkpoint, whose G_AB./G_BA. prefixes pick the direction)
// or a PyTorch .pth state_dict. Anything that is not a generator is refused with one line.
import { CHECKPOINT_FORMAT } from '../cyclegan/checkpoint.js';
import { GeneratorResNet } from '../cyclegan/generator.js';
import { ResnetGenerator } from '../cyclegan/resnet_generator.js';
import type { Engine } from '../engine.js';
import { loadModel, loadWeights, type LoadedWeights } from '../io/load.js';
import { specFromMetadata } from '../io/architectures.js';
import { inferSpec, selectPrefix, stripDataParallel } from '../io/keymap.js';
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
}

/**
 * Reads a weight file and checks, before any engine exists, that it holds a generator:
 * a missing file, a non-weight file or another network fails here with one line.
 */
export async function checkGeneratorFile(path: string, direction: Direction): Promise<CheckedWeights> {
  const { bytes, weights } = await readWeightsFile(path);
  const prefix = isCheckpoint(weights) ? (direction === 'AtoB' ? 'G_AB.' : 'G_BA.') : undefined;
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
  return { path, bytes, weights, prefix };
}

export async function loadGenerator(engine: Engine, checked: CheckedWeights): Promise<LoadedGenerator> {
  const { path, bytes, weights, prefix } = checked;
  const notes: string[] = [];
  let model;
  try {
    model = await loadModel(engine, bytes, { prefix, onNote: (n) => notes.push(n) });
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
