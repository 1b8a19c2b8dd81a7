// loadModel: a weight file -> the network it holds (architecture and block count from its
// metadata or keys), built, loaded and in eval mode. The file is read by the generic readers in
// src/io/; what belongs to the networks (which one, which keys, which shapes) is here.
import type { Engine } from '../../engine.js';
import { AttributeError } from '../../errors.js';
import { readWeights } from '../../io/load.js';
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
  if (options === null || typeof options !== 'object') {
    throw new AttributeError('loadModel', 'options', 'an options object', String(options));
  }
  const { strict = true, prefix, spec, inputSize, onNote } = options;
  // The network is chosen and every tensor's shape checked against it from the shapes alone,
  // before the reader decodes (or inflates) any data and before the network is built.
  let chosen: ModelSpec | null = null;
  const weights = await readWeights(source, (shapes, metadata) => {
    let named: Record<string, { shape: number[] }> = shapes;
    if (prefix !== undefined) named = selectPrefix(named, prefix);
    named = stripDataParallel(named, []);
    chosen = spec ?? (prefix === undefined ? specFromMetadata(metadata) : null) ?? inferSpec(named, inputSize);
    let elements = 0;
    for (const k of Object.keys(named)) elements += named[k].shape.reduce((a, d) => a * d, 1);
    // A spec the caller passed is theirs to size; one the file claims is bounded by the file.
    checkShapesFit(chosen, named, { strict, maxParameters: spec ? Infinity : 2 * elements + (1 << 20) });
  });
  const notes = [...weights.notes];
  let tensors: TensorMap = weights.tensors;
  if (prefix !== undefined) tensors = selectPrefix(tensors, prefix);
  tensors = stripDataParallel(tensors, notes);
  const model = buildModel(engine, chosen!);
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
