// The state_dict a network of a given spec holds (key -> shape), computed without building it,
// and the check that a file's tensors fit it. loadModel runs the check on the shapes a reader
// reports before any tensor data is decoded, so a file whose metadata or keys lie about the
// network (a 187-byte file claiming a thousand residual blocks, a 1.2 MB file with ngf 2048)
// is a StateDictError or ArchitectureError naming the key and shapes, never an allocation. The layouts mirror the
// constructors in src/cyclegan/ (test/security/lying_metadata.test.ts compares them with built
// networks, so the two cannot drift apart).
import { checkBool, checkInt, checkOptions } from '../../nn/args.js';
import { checkInputShape } from '../shape.js';
import { DEFAULT_NGF } from '../generator.js';
import { DEFAULT_NDF } from '../discriminator.js';
import type { ModelSpec } from './architectures.js';
import { StateDictError } from '../../errors.js';
import { ArchitectureError } from '../../io/errors.js';

type Expected = [key: string, shape: number[]];

function* conv(prefix: string, outC: number, inC: number, k: number): Generator<Expected> {
  yield [`${prefix}.weight`, [outC, inC, k, k]];
  yield [`${prefix}.bias`, [outC]];
}

/** The (key, shape) pairs of the spec's state_dict, in the constructor's order. */
export function* expectedTensors(spec: ModelSpec): Generator<Expected> {
  switch (spec.kind) {
    case 'GeneratorResNet': {
      const where = 'GeneratorResNet';
      const o = checkOptions(where, spec.options);
      const [c] = checkInputShape(where, o.inputShape, 4);
      const n = checkInt(where, 'nResidualBlocks', o.nResidualBlocks, 0);
      const f = checkInt(where, 'ngf', o.ngf ?? DEFAULT_NGF, 1);
      // pad, conv 7x7, norm, relu; two (conv 3x3 stride 2, norm, relu); blocks at 10...;
      // two (upsample, conv 3x3, norm, relu); pad, conv 7x7, tanh.
      yield* conv('model.1', f, c, 7);
      yield* conv('model.4', 2 * f, f, 3);
      yield* conv('model.7', 4 * f, 2 * f, 3);
      for (let i = 0; i < n; i++) {
        yield* conv(`model.${10 + i}.block.1`, 4 * f, 4 * f, 3);
        yield* conv(`model.${10 + i}.block.5`, 4 * f, 4 * f, 3);
      }
      yield* conv(`model.${11 + n}`, 2 * f, 4 * f, 3);
      yield* conv(`model.${15 + n}`, f, 2 * f, 3);
      yield* conv(`model.${19 + n}`, c, f, 7);
      return;
    }
    case 'Discriminator': {
      const o = checkOptions('Discriminator', spec.options);
      const [c] = checkInputShape('Discriminator', o.inputShape, 16);
      const f = checkInt('Discriminator', 'ndf', o.ndf ?? DEFAULT_NDF, 1);
      yield* conv('model.0', f, c, 4);
      yield* conv('model.2', 2 * f, f, 4);
      yield* conv('model.5', 4 * f, 2 * f, 4);
      yield* conv('model.8', 8 * f, 4 * f, 4);
      yield* conv('model.12', 1, 8 * f, 4);
      return;
    }
    case 'ResnetGenerator': {
      const where = 'ResnetGenerator';
      const o = checkOptions(where, spec.options);
      const inputNc = checkInt(where, 'inputNc', o.inputNc, 1);
      const outputNc = checkInt(where, 'outputNc', o.outputNc, 1);
      const ngf = checkInt(where, 'ngf', o.ngf ?? 64, 1);
      const n = checkInt(where, 'nBlocks', o.nBlocks ?? 9, 0);
      const dropout = checkBool(where, 'useDropout', o.useDropout ?? false);
      yield* conv('model.1', ngf, inputNc, 7);
      yield* conv('model.4', ngf * 2, ngf, 3);
      yield* conv('model.7', ngf * 4, ngf * 2, 3);
      for (let i = 0; i < n; i++) {
        yield* conv(`model.${10 + i}.conv_block.1`, ngf * 4, ngf * 4, 3);
        yield* conv(`model.${10 + i}.conv_block.${dropout ? 6 : 5}`, ngf * 4, ngf * 4, 3);
      }
      // ConvTranspose2d weights are [in, out, k, k].
      yield [`model.${10 + n}.weight`, [ngf * 4, ngf * 2, 3, 3]];
      yield [`model.${10 + n}.bias`, [ngf * 2]];
      yield [`model.${13 + n}.weight`, [ngf * 2, ngf, 3, 3]];
      yield [`model.${13 + n}.bias`, [ngf]];
      yield* conv(`model.${17 + n}`, outputNc, ngf, 7);
      return;
    }
    case 'NLayerDiscriminator': {
      const where = 'NLayerDiscriminator';
      const o = checkOptions(where, spec.options);
      const inputNc = checkInt(where, 'inputNc', o.inputNc, 1);
      const ndf = checkInt(where, 'ndf', o.ndf ?? 64, 1);
      const nLayers = checkInt(where, 'nLayers', o.nLayers ?? 3, 1);
      yield* conv('model.0', ndf, inputNc, 4);
      let mult = 1;
      let at = 2;
      for (let l = 1; l <= nLayers; l++) {
        const prev = mult;
        mult = Math.min(2 ** l, 8);
        yield* conv(`model.${at}`, ndf * mult, ndf * prev, 4);
        at += 3;
      }
      yield* conv(`model.${at}`, 1, ndf * mult, 4);
      return;
    }
    default:
      throw new ArchitectureError(`unknown model kind ${JSON.stringify((spec as { kind: unknown }).kind)}`);
  }
}

export interface FitOptions {
  /** Every expected key must be present (loadModel's strict). Shapes must always match. */
  strict: boolean;
  /**
   * Most parameters the network may have: with missing keys allowed, the file no longer bounds
   * the network's size, so a spec the file only claims may not exceed this.
   */
  maxParameters: number;
}

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;
const describe = (spec: ModelSpec): string => {
  const o = JSON.stringify(spec.options) ?? String(spec.options);
  return `${spec.kind} ${o.length > 160 ? `${o.slice(0, 160)}...` : o}`;
};

/**
 * Throws a StateDictError (the one loadStateDict would throw, with the same fields) naming
 * every key whose tensor is missing (when strict) or of another shape than the spec's network
 * holds. The walk stops as soon as the network would exceed maxParameters (then missing keys
 * are errors even when not strict, or an ArchitectureError says so when none is missing), so
 * a spec claiming a huge network costs no more than that bound.
 */
export function checkShapesFit(spec: ModelSpec, shapes: Record<string, { shape: readonly number[] }>, options: FitOptions): void {
  let params = 0;
  const missing: string[] = [];
  const missingShown: string[] = [];
  const mismatched: string[] = [];
  const problems: string[] = [];
  let tooBig = '';
  for (const [key, shape] of expectedTensors(spec)) {
    const got = Object.hasOwn(shapes, key) ? shapes[key].shape : undefined;
    if (got === undefined) {
      missing.push(key);
      if (missingShown.length < 20) missingShown.push(`${key} ${fmt(shape)}`);
    } else if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      mismatched.push(key);
      if (problems.length < 20) problems.push(`${key}: expected shape ${fmt(shape)}, got ${fmt(got)}`);
    }
    params += shape.reduce((a, d) => a * d, 1);
    if (params > options.maxParameters) {
      tooBig = `the network would hold more than ${options.maxParameters} parameters (at '${key}' ${fmt(shape)}), far more than the file's tensors: its metadata or keys do not describe it`;
      break;
    }
  }
  const more = (shown: string[], all: string[]): string => (all.length > shown.length ? `, and ${all.length - shown.length} more` : '');
  if (mismatched.length || ((options.strict || tooBig) && missing.length)) {
    const parts: string[] = [];
    if (mismatched.length) parts.push(`size mismatch for ${problems.join('; ')}${more(problems, mismatched)}`);
    if (missing.length) parts.push(`missing keys: ${missingShown.join(', ')}${more(missingShown, missing)}`);
    if (tooBig) parts.push(tooBig);
    throw new StateDictError(`${describe(spec)}, checked before building it: ${parts.join('. ')}`, missing, [], mismatched);
  }
  if (tooBig) throw new ArchitectureError(`${describe(spec)}: ${tooBig}`);
}
