// loadModel: a weight file -> the network it holds (architecture and block count from its
// metadata or keys), built, loaded and in eval mode. The file is read by the generic readers in
// src/io/; what belongs to the networks (which one, which keys, which shapes) is here.
import type { Engine } from '../../engine.js';
import { AttributeError } from '../../errors.js';
import { readWeights, type LoadedWeights } from '../../io/load.js';
import { withValuesToBeLoaded } from '../../nn/init.js';
import type { WeightSource } from '../../io/source.js';
import type { TensorMap } from '../../io/tensors.js';
import { buildModel, specFromMetadata, type CycleGANModel, type ModelSpec } from './architectures.js';
import { dropInstanceNormStats, inferSpec, selectPrefix, stripDataParallel } from './keymap.js';
import { checkShapesFit } from './expected_shapes.js';

export interface LoadModelOptions {
  /** Missing and unexpected keys are errors (default true); shape mismatches always are. */
  strict?: boolean;
  /** Use only keys under this prefix (e.g. 'G_AB.' or 'state_dict.'), with the prefix removed. */
  prefix?: string;
  /** Build this network instead of the one named by the metadata or inferred from the keys. */
  spec?: ModelSpec;
  /**
   * [height, width] recorded as the networks' inputShape when the file does not say (the seed's
   * models take it; it sizes Discriminator.outputShape only). Default [256, 256].
   */
  inputSize?: [number, number];
  /** Receives a line for each thing skipped or adjusted (ignored running stats, ...). */
  onNote?: (note: string) => void;
}

/**
 * Builds the network a weight file holds (architecture and block count from its metadata or
 * keys), loads the weights and returns it in eval mode.
 */
export async function loadModel(engine: Engine, source: WeightSource, options: LoadModelOptions = {}): Promise<CycleGANModel> {
  checkOptions(options);
  // The network is chosen and every tensor's shape checked against it from the shapes alone,
  // before the reader decodes (or inflates) any data and before the network is built.
  let chosen: ModelSpec | null = null;
  const weights = await readWeights(source, (shapes, metadata) => {
    chosen = chooseSpec(shapes, metadata, options);
  });
  return buildAndLoad(engine, weights, chosen!, options);
}

/**
 * loadModel for weights already read by loadWeights (the CLI reads a file once, checks that it
 * holds a generator, then builds from the same tensors): the same choice, checks and result.
 */
export function loadModelFromWeights(engine: Engine, weights: LoadedWeights, options: LoadModelOptions = {}): CycleGANModel {
  checkOptions(options);
  return buildAndLoad(engine, weights, chooseSpec(weights.tensors, weights.metadata, options), options);
}

function checkOptions(options: LoadModelOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new AttributeError('loadModel', 'options', 'an options object', String(options));
  }
}

/** The network the shapes (and metadata) name, with every shape checked against it. */
function chooseSpec(shapes: Record<string, { shape: number[] }>, metadata: Record<string, string>, options: LoadModelOptions): ModelSpec {
  const { strict = true, prefix, spec, inputSize } = options;
  let named = shapes;
  if (prefix !== undefined) named = selectPrefix(named, prefix);
  named = stripDataParallel(named, []);
  const chosen = spec ?? (prefix === undefined ? specFromMetadata(metadata) : null) ?? inferSpec(named, inputSize);
  let elements = 0;
  for (const k of Object.keys(named)) elements += named[k].shape.reduce((a, d) => a * d, 1);
  // A spec the caller passed is theirs to size; one the file claims is bounded by the file.
  checkShapesFit(chosen, named, { strict, maxParameters: spec ? Infinity : 2 * elements + (1 << 20) });
  return chosen;
}

function buildAndLoad(engine: Engine, weights: LoadedWeights, chosen: ModelSpec, options: LoadModelOptions): CycleGANModel {
  const { strict = true, prefix, onNote } = options;
  const notes = [...weights.notes];
  let tensors: TensorMap = weights.tensors;
  if (prefix !== undefined) tensors = selectPrefix(tensors, prefix);
  tensors = stripDataParallel(tensors, notes);
  // A strict load fails unless it overwrites every parameter, so their random initial values
  // are not drawn (their seeds are still taken); a lenient one keeps them for missing keys.
  const model = strict ? withValuesToBeLoaded(engine, () => buildModel(engine, chosen)) : buildModel(engine, chosen);
  try {
    const state = dropInstanceNormStats(model, tensors, notes);
    const { missingKeys, unexpectedKeys } = model.loadStateDict(state, { strict });
    if (missingKeys.length) notes.push(`missing keys left at their initial values: ${missingKeys.join(', ')}`);
    if (unexpectedKeys.length) notes.push(`unexpected keys ignored: ${unexpectedKeys.join(', ')}`);
  } catch (e) {
    model.dispose();
    throw e;
  }
  if (onNote) for (const n of notes) onNote(n);
  return model.eval();
}
