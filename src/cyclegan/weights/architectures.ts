// The networks a weight file can rebuild, named by `kind`, with the options that construct
// them. safetensors files written here carry { kind, options } in `__metadata__`; other files
// have them inferred from their keys (keymap.ts).
import type { Engine } from '../../engine.js';
import { DEFAULT_NGF, GeneratorResNet } from '../generator.js';
import { DEFAULT_NDF, Discriminator } from '../discriminator.js';
import { ResnetGenerator, type ResnetGeneratorOptions } from '../resnet_generator.js';
import { NLayerDiscriminator, type NLayerDiscriminatorOptions } from '../nlayer_discriminator.js';
import type { Module } from '../../nn/module.js';
import { ArchitectureError } from '../../io/errors.js';

/** PyTorch-GAN's (the seed's) networks and the original CycleGAN's. */
export type ModelSpec =
  | { kind: 'GeneratorResNet'; options: { inputShape: [number, number, number]; nResidualBlocks: number; ngf?: number } }
  | { kind: 'Discriminator'; options: { inputShape: [number, number, number]; ndf?: number } }
  | { kind: 'ResnetGenerator'; options: ResnetGeneratorOptions }
  | { kind: 'NLayerDiscriminator'; options: NLayerDiscriminatorOptions };

export type ModelKind = ModelSpec['kind'];

export type CycleGANModel = GeneratorResNet | Discriminator | ResnetGenerator | NLayerDiscriminator;
/** @deprecated Renamed `CycleGANModel` (one spelling of CycleGAN in public names); goes in the next release. */
export type CycleGanModel = CycleGANModel;

export const MODEL_KINDS: readonly ModelKind[] = ['GeneratorResNet', 'Discriminator', 'ResnetGenerator', 'NLayerDiscriminator'];

export function buildModel(engine: Engine, spec: ModelSpec): CycleGANModel {
  switch (spec.kind) {
    case 'GeneratorResNet':
      return new GeneratorResNet(engine, spec.options.inputShape, spec.options.nResidualBlocks, spec.options.ngf);
    case 'Discriminator':
      return new Discriminator(engine, spec.options.inputShape, spec.options.ndf);
    case 'ResnetGenerator':
      return new ResnetGenerator(engine, spec.options);
    case 'NLayerDiscriminator':
      return new NLayerDiscriminator(engine, spec.options);
    default:
      throw new ArchitectureError(`unknown model kind ${JSON.stringify((spec as { kind: unknown }).kind)}; known: ${MODEL_KINDS.join(', ')}`);
  }
}

/** The spec that rebuilds `model`, or null for a module this library cannot name. */
export function specOf(model: Module): ModelSpec | null {
  if (model instanceof ResnetGenerator) return { kind: 'ResnetGenerator', options: { ...model.config } };
  if (model instanceof NLayerDiscriminator) return { kind: 'NLayerDiscriminator', options: { ...model.config } };
  // The width is written only when it is not the reference's 64, so the reference's files keep
  // their metadata, and files without it (all earlier ones) read as width 64.
  if (model instanceof GeneratorResNet) {
    const width = model.ngf !== DEFAULT_NGF ? { ngf: model.ngf } : {};
    return { kind: 'GeneratorResNet', options: { inputShape: [...model.inputShape], nResidualBlocks: model.nResidualBlocks, ...width } };
  }
  if (model instanceof Discriminator) {
    const width = model.ndf !== DEFAULT_NDF ? { ndf: model.ndf } : {};
    return { kind: 'Discriminator', options: { inputShape: [...model.inputShape], ...width } };
  }
  return null;
}

/** The constructor options each kind takes. */
const OPTION_NAMES: Readonly<Record<ModelKind, readonly string[]>> = {
  GeneratorResNet: ['inputShape', 'nResidualBlocks', 'ngf'],
  Discriminator: ['inputShape', 'ndf'],
  ResnetGenerator: ['inputNc', 'outputNc', 'ngf', 'nBlocks', 'useDropout'],
  NLayerDiscriminator: ['inputNc', 'ndf', 'nLayers'],
};

/** Reads { kind, options } from safetensors metadata; null when absent. */
export function specFromMetadata(metadata: Record<string, string>): ModelSpec | null {
  const kind = metadata.kind;
  if (kind === undefined) return null;
  if (!(MODEL_KINDS as readonly string[]).includes(kind)) {
    throw new ArchitectureError(`metadata names model kind ${JSON.stringify(kind)}; known: ${MODEL_KINDS.join(', ')}`, 'kind');
  }
  let options: unknown;
  try {
    options = JSON.parse(metadata.options ?? '{}');
  } catch {
    throw new ArchitectureError(`metadata 'options' is not JSON: ${JSON.stringify(metadata.options.slice(0, 80))}`, 'options');
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ArchitectureError("metadata 'options' must be a JSON object", 'options');
  }
  // Only the kind's own option names are copied (own properties, into an object without a
  // prototype), so a `__proto__` or `constructor` key in the file reaches nothing.
  const known = OPTION_NAMES[kind as ModelKind];
  const copied = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ArchitectureError(`metadata 'options' has unknown key ${JSON.stringify(key)} for ${kind} (known: ${known.join(', ')})`, 'options');
    }
    copied[key] = (options as Record<string, unknown>)[key];
  }
  return { kind, options: copied } as ModelSpec;
}

/** The metadata strings that make a file self-describing. */
export function specToMetadata(spec: ModelSpec): Record<string, string> {
  return { kind: spec.kind, options: JSON.stringify(spec.options) };
}
