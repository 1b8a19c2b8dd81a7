// The built-in dataset: two unpaired procedural domains (see builtin_draw.ts) that need no
// files or network, deterministic per seed and rendered lazily on first use. It is the default
// data of the main training job: small enough to train at 64x64 on the WASM backend, with a
// mapping (flat <-> striped, light <-> dark) that is plain to see when it has been learnt.
import { AttributeError } from '../errors.js';
import { BUILTIN_STYLE, drawBuiltinImage } from './builtin_draw.js';
import type { BuiltinDomain, BuiltinStyle } from './builtin_draw.js';
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
  /** The domains' look (default BUILTIN_STYLE, src/data/builtin_draw.ts); any field may be given alone. */
  style?: Partial<BuiltinStyle>;
}

export class BuiltinDataset extends SourceDataset {
  readonly seed: number;
  readonly mode: 'train' | 'test';
  readonly style: Readonly<BuiltinStyle>;

  constructor(options: BuiltinDatasetOptions = {}) {
    const seed = options.seed ?? 0;
    const mode = options.mode ?? 'train';
    const size = options.size ?? 200;
    const h = options.imgHeight ?? 64;
    const w = options.imgWidth ?? h;
    if (!Number.isInteger(seed)) throw new AttributeError('builtinDataset', 'seed', 'an integer', String(seed));
    if (!Number.isInteger(size) || size <= 0) throw new AttributeError('builtinDataset', 'size', 'a positive integer', String(size));
    if (mode !== 'train' && mode !== 'test') throw new AttributeError('builtinDataset', 'mode', "'train' or 'test'", String(mode));
    const style = Object.freeze({ ...BUILTIN_STYLE, ...checkStyle(options.style ?? {}) });
    const source = (domain: BuiltinDomain): ImageSource => ({
      count: size,
      name: (i) => `builtin ${mode} ${domain}[${i}]`,
      load: (i) => drawBuiltinImage(seed, mode, domain, i, w, h, style),
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
    this.style = style;
  }

  /** The raw RGB image `index` of a domain, for previews. */
  image(domain: BuiltinDomain, index: number): RgbImage {
    return drawBuiltinImage(this.seed, this.mode, domain, index % this.length, this.width, this.height, this.style);
  }
}

/** The given style fields, each checked (an AttributeError names the first bad one). */
function checkStyle(style: Partial<BuiltinStyle>): Partial<BuiltinStyle> {
  const where = 'builtinDataset style';
  if (style === null || typeof style !== 'object') throw new AttributeError(where, 'style', 'an object', String(style));
  for (const key of Object.keys(style)) {
    if (!Object.hasOwn(BUILTIN_STYLE, key)) throw new AttributeError(where, key, `one of ${Object.keys(BUILTIN_STYLE).join(', ')}`, 'an unknown field');
  }
  const { stripePeriod: p, randomPhase, maxShapes: m, radius: r, stripeLightness: l, stripesOn } = style;
  if (stripesOn !== undefined && stripesOn !== 'shapes' && stripesOn !== 'background') {
    throw new AttributeError(where, 'stripesOn', "'shapes' or 'background'", String(stripesOn));
  }
  if (p !== undefined && !(Number.isInteger(p) && p >= 2 && p % 2 === 0)) throw new AttributeError(where, 'stripePeriod', 'an even integer >= 2 (pixels)', String(p));
  if (randomPhase !== undefined && typeof randomPhase !== 'boolean') throw new AttributeError(where, 'randomPhase', 'a boolean', String(randomPhase));
  if (m !== undefined && !(Number.isInteger(m) && m >= 1)) throw new AttributeError(where, 'maxShapes', 'an integer >= 1', String(m));
  if (r !== undefined && !(Array.isArray(r) && r.length === 2 && r[0] > 0 && r[0] <= r[1] && r[1] <= 0.5)) {
    throw new AttributeError(where, 'radius', '[min, max] fractions of the smaller side with 0 < min <= max <= 0.5', JSON.stringify(r));
  }
  if (l !== undefined && !(typeof l === 'number' && l >= 0 && l <= 1)) throw new AttributeError(where, 'stripeLightness', 'a number in [0, 1]', String(l));
  const share = style.backgroundStripeShare;
  if (share !== undefined && !(typeof share === 'number' && share > 0 && share < 1)) {
    throw new AttributeError(where, 'backgroundStripeShare', 'a number in (0, 1)', String(share));
  }
  return style;
}

/** Two procedural, unpaired domains: A flat shapes on light, B striped shapes on dark. */
export function builtinDataset(options: BuiltinDatasetOptions = {}): BuiltinDataset {
  return new BuiltinDataset(options);
}
