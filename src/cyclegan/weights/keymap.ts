// Key maps: which network a state_dict belongs to, read from its keys and shapes (so a user
// never says "9 blocks, ConvTranspose layout"), and the clean-ups the original CycleGAN
// applies before load_state_dict: DataParallel's `module.` prefix is dropped, and the
// InstanceNorm `running_mean` / `running_var` / `num_batches_tracked` that torch 0.4 wrote
// into 2018 checkpoints (InstanceNorm has no running stats here) are ignored with a note.
import { InstanceNorm2d } from '../../nn/norm.js';
import type { Module } from '../../nn/module.js';
import type { ModelSpec } from './architectures.js';
import { ArchitectureError } from '../../io/errors.js';

type Shapes = Record<string, { shape: readonly number[] }>;

/** Default image size for networks whose weights do not fix it (it only sizes outputShape). */
const DEFAULT_SIZE = 256;

const RUNNING_STAT = /^(.*)\.(running_mean|running_var|num_batches_tracked)$/;

/** Drops a `module.` prefix shared by every key (a model saved while wrapped in DataParallel). */
export function stripDataParallel<T>(tensors: Record<string, T>, notes: string[]): Record<string, T> {
  const keys = Object.keys(tensors);
  if (keys.length === 0 || !keys.every((k) => k.startsWith('module.'))) return tensors;
  notes.push("dropped the 'module.' prefix of a DataParallel checkpoint");
  const out = Object.create(null) as Record<string, T>;
  for (const k of keys) out[k.slice('module.'.length)] = tensors[k];
  return out;
}

/** Keys under `prefix` (e.g. 'G_AB.' in a file holding several networks), with the prefix removed. */
export function selectPrefix<T>(tensors: Record<string, T>, prefix: string): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const k of Object.keys(tensors)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = tensors[k];
  if (Object.keys(out).length === 0) {
    throw new ArchitectureError(`no key starts with prefix '${prefix}'; first keys: ${Object.keys(tensors).slice(0, 5).join(', ')}`);
  }
  return out;
}

/**
 * Removes running-stat keys of the model's InstanceNorm layers, as the original project's
 * `__patch_instance_norm_state_dict` does; any other key is left for loadStateDict to judge.
 */
export function dropInstanceNormStats<T>(model: Module, tensors: Record<string, T>, notes: string[]): Record<string, T> {
  const norms = new Set(model.namedModules().filter(([, m]) => m instanceof InstanceNorm2d).map(([name]) => name));
  const out = Object.create(null) as Record<string, T>;
  let dropped = 0;
  for (const k of Object.keys(tensors)) {
    const m = RUNNING_STAT.exec(k);
    if (m && norms.has(m[1])) dropped++;
    else out[k] = tensors[k];
  }
  if (dropped) notes.push(`ignored ${dropped} InstanceNorm running-stat keys (running_mean/running_var/num_batches_tracked)`);
  return out;
}

/** Infers the network and its options from state_dict keys and shapes. */
export function inferSpec(tensors: Shapes, inputSize: [number, number] = [DEFAULT_SIZE, DEFAULT_SIZE]): ModelSpec {
  const keys = Object.keys(tensors);
  const shape = (key: string): readonly number[] => {
    const t = tensors[key];
    if (!t) throw new ArchitectureError(`expected key '${key}' for the detected layout; it is missing`, key);
    return t.shape;
  };
  const conv = (key: string): readonly number[] => {
    const s = shape(key);
    if (s.length !== 4) throw new ArchitectureError(`'${key}' has shape [${s}], expected a 4-d conv weight`, key);
    return s;
  };
  const blocks = (name: string): number[] => {
    const re = new RegExp(`^model\\.(\\d+)\\.${name}\\.`);
    return [...new Set(keys.map((k) => re.exec(k)?.[1]).filter((x): x is string => x !== undefined).map(Number))].sort((a, b) => a - b);
  };
  const checkRun = (idx: number[], name: string): number => {
    idx.forEach((v, i) => {
      if (v !== 10 + i) throw new ArchitectureError(`residual blocks must be model.10, model.11, ...; found model.${v}.${name}`, `model.${v}`);
    });
    return idx.length;
  };
  const [h, w] = inputSize;

  if (keys.length === 0) throw new ArchitectureError('the file holds no tensors');
  const first = tensors['model.1.weight']?.shape;
  const isGenerator = first?.length === 4 && first[2] === 7 && first[3] === 7;
  if (isGenerator) {
    const original = blocks('conv_block');
    const seed = blocks('block');
    if (original.length && seed.length) throw new ArchitectureError('keys mix both generator layouts (block and conv_block)');
    // With zero blocks, the first upsampling layer tells the layouts apart.
    const isOriginal = original.length > 0 || (seed.length === 0 && 'model.10.weight' in tensors);
    if (isOriginal) {
      const nBlocks = checkRun(original, 'conv_block');
      const useDropout = nBlocks > 0 && 'model.10.conv_block.6.weight' in tensors;
      const [ngf, inputNc] = conv('model.1.weight');
      const [outputNc] = conv(`model.${17 + nBlocks}.weight`);
      return { kind: 'ResnetGenerator', options: { inputNc, outputNc, ngf, nBlocks, useDropout } };
    }
    const nResidualBlocks = checkRun(seed, 'block');
    // The first conv's filters are the width (ngf; 64 in the reference, written only otherwise).
    const [ngf, channels] = conv('model.1.weight');
    return { kind: 'GeneratorResNet', options: { inputShape: [channels, h, w], nResidualBlocks, ...(ngf !== 64 ? { ngf } : {}) } };
  }

  const d0 = tensors['model.0.weight']?.shape;
  if (d0?.length === 4 && d0[2] === 4 && d0[3] === 4) {
    const convIdx = keys
      .map((k) => /^model\.(\d+)\.weight$/.exec(k)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number);
    const last = convIdx.reduce((a, b) => Math.max(a, b), 0); // no spread: a hostile file may hold a million keys
    const [ndf, inputNc] = d0;
    // The seed's ends with ZeroPad2d at 11 and its conv at 12; the original's ends at 2 + 3 nLayers.
    if (last === 12 && !('model.11.weight' in tensors)) {
      return { kind: 'Discriminator', options: { inputShape: [inputNc, h, w], ...(ndf !== 64 ? { ndf } : {}) } };
    }
    if (last >= 5 && (last - 2) % 3 === 0) {
      return { kind: 'NLayerDiscriminator', options: { inputNc, ndf, nLayers: (last - 2) / 3 } };
    }
    throw new ArchitectureError(`a discriminator-like file whose last conv is model.${last}: not a known layout`, `model.${last}.weight`);
  }

  const roots = [...new Set(keys.map((k) => k.split('.')[0]))];
  const hint =
    roots.length > 0 && !roots.includes('model')
      ? `; the keys start with ${roots.slice(0, 6).map((r) => `'${r}.'`).join(', ')}: pass { prefix } to pick one network`
      : '';
  throw new ArchitectureError(
    `cannot tell the network from the keys (expected model.1.weight [64, c, 7, 7] of a generator or model.0.weight [f, c, 4, 4] of a discriminator)${hint}`,
  );
}
