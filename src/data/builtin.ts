// The built-in dataset: two unpaired procedural domains (see builtin_draw.ts) that need no
// files or network, deterministic per seed and rendered lazily on first use. It is the default
// data of the main training job: small enough to train at 64x64 on the WASM backend, with a
// mapping (flat <-> striped, light <-> dark) that is plain to see when it has been learnt.
import { AttributeError } from '../errors.js';
import { drawBuiltinImage } from './builtin_draw.js';
import type { BuiltinDomain } from './builtin_draw.js';
import type { RgbImage } from './image.js';
import type { ImageSource } from './source_dataset.js';
import { SourceDataset } from './source_dataset.js';

export interface BuiltinDatasetOptions {
  /** Images are a pure function of the seed (default 0). */
  seed?: number;
  /** Default 64. */
  imgHeight?: number;
  /** Default imgHeight. */
  imgWidth?: number;
  /** Images per domain (default 200). */
  size?: number;
  /** 'train' and 'test' draw disjoint image streams from the same seed (default 'train'). */
  mode?: 'train' | 'test';
  /** Random B per sample (default true), as for every dataset. */
  unaligned?: boolean;
  /** 3 (default) or 1. */
  channels?: 1 | 3;
}

export class BuiltinDataset extends SourceDataset {
  readonly seed: number;
  readonly mode: 'train' | 'test';

  constructor(options: BuiltinDatasetOptions = {}) {
    const seed = options.seed ?? 0;
    const mode = options.mode ?? 'train';
    const size = options.size ?? 200;
    const h = options.imgHeight ?? 64;
    const w = options.imgWidth ?? h;
    if (!Number.isInteger(seed)) throw new AttributeError('builtinDataset', 'seed', 'an integer', String(seed));
    if (!Number.isInteger(size) || size <= 0) throw new AttributeError('builtinDataset', 'size', 'a positive integer', String(size));
    if (mode !== 'train' && mode !== 'test') throw new AttributeError('builtinDataset', 'mode', "'train' or 'test'", String(mode));
    const source = (domain: BuiltinDomain): ImageSource => ({
      count: size,
      name: (i) => `builtin ${mode} ${domain}[${i}]`,
      load: (i) => drawBuiltinImage(seed, mode, domain, i, w, h),
    });
    // Drawn at the sample size, so the 'eval' transform is an exact pass-through: no resize
    // (it would blur the stripes) and no flip (it would mirror the stripes' direction, giving
    // domain B two textures to learn instead of one).
    super(
      'builtinDataset',
      { A: source('A'), B: source('B') },
      { imgHeight: h, imgWidth: w, channels: options.channels, unaligned: options.unaligned, transform: 'eval', cacheMB: 64 },
    );
    this.seed = seed;
    this.mode = mode;
  }

  /** The raw RGB image `index` of a domain, for previews. */
  image(domain: BuiltinDomain, index: number): RgbImage {
    return drawBuiltinImage(this.seed, this.mode, domain, index % this.length, this.width, this.height);
  }
}

/** Two procedural, unpaired domains: A flat shapes on light, B striped shapes on dark. */
export function builtinDataset(options: BuiltinDatasetOptions = {}): BuiltinDataset {
  return new BuiltinDataset(options);
}
