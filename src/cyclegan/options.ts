// The trainer's options: PyTorch-GAN's cyclegan.py command-line options under camelCase names,
// with its defaults, validated with errors that name the option and what it must be.
import { AttributeError } from '../errors.js';
import { describeValue } from '../ops/option_checks.js';
import { RECOMPUTE_MODES, type RecomputeMode } from './residual_block.js';

export interface CycleGANOptions {
  /** Epoch to start training from (the reference's --epoch; also LambdaLR's offset). Default 0. */
  epoch?: number;
  /** Number of epochs of training (--n_epochs). Default 200. */
  nEpochs?: number;
  /** Size of the batches (--batch_size). Default 1. */
  batchSize?: number;
  /** Adam learning rate (--lr). Default 0.0002. */
  lr?: number;
  /** Adam's first-moment decay (--b1). Default 0.5. */
  b1?: number;
  /** Adam's second-moment decay (--b2). Default 0.999. */
  b2?: number;
  /** Epoch from which the learning rate starts to decay linearly to 0 (--decay_epoch). Default 100. */
  decayEpoch?: number;
  /** Image height (--img_height). Default 256. A multiple of 16 (the PatchGAN discriminator). */
  imgHeight?: number;
  /** Image width (--img_width). Default 256. A multiple of 16. */
  imgWidth?: number;
  /** Number of image channels (--channels). Default 3. */
  channels?: number;
  /** Batches between sample grids in fit() (--sample_interval). Default 100. */
  sampleInterval?: number;
  /** Epochs between checkpoints in fit(), -1 for none (--checkpoint_interval). Default -1. */
  checkpointInterval?: number;
  /** Residual blocks in the generators (--n_residual_blocks). Default 9. */
  nResidualBlocks?: number;
  /**
   * Filters of the generators' first conv (the original CycleGAN's --ngf; PyTorch-GAN fixes it
   * at 64). Default 64. The deeper layers have 2x and 4x as many; 32 costs about a quarter of
   * the multiply-adds, and is plenty for small, simple data (the demo's built-in dataset).
   */
  ngf?: number;
  /** Filters of the discriminators' first conv (the original's --ndf; 2x, 4x, 8x deeper). Default 64. */
  ndf?: number;
  /** Cycle loss weight (--lambda_cyc). Default 10.0. */
  lambdaCyc?: number;
  /** Identity loss weight (--lambda_id). Default 5.0. */
  lambdaId?: number;
  // ---- not command-line options of the reference
  /** Images each replay buffer holds (utils.ReplayBuffer's max_size). Default 50. */
  bufferSize?: number;
  /** Seed of the weight initialization, data shuffling and replay decisions. Default 0. */
  seed?: number;
  /**
   * Memory of the training step: 'residual' recomputes the generators' residual blocks in
   * backward instead of keeping their activations (same results, about a fifth more time);
   * 'none' keeps them; 'auto' (default) recomputes when kept they would pass 512 MiB
   * (e.g. 256x256 with 9 blocks, which then fits a 2.5 GiB WebAssembly memory).
   */
  recompute?: RecomputeMode;
}

export type ResolvedCycleGANOptions = Required<CycleGANOptions>;

export const DEFAULT_OPTIONS: Readonly<ResolvedCycleGANOptions> = Object.freeze({
  epoch: 0,
  nEpochs: 200,
  batchSize: 1,
  lr: 0.0002,
  b1: 0.5,
  b2: 0.999,
  decayEpoch: 100,
  imgHeight: 256,
  imgWidth: 256,
  channels: 3,
  sampleInterval: 100,
  checkpointInterval: -1,
  nResidualBlocks: 9,
  ngf: 64,
  ndf: 64,
  lambdaCyc: 10.0,
  lambdaId: 5.0,
  bufferSize: 50,
  seed: 0,
  recompute: 'auto',
});

/** The options that shape the networks: a checkpoint only fits a trainer with the same ones. */
export const ARCHITECTURE_OPTIONS = ['channels', 'imgHeight', 'imgWidth', 'nResidualBlocks', 'ngf', 'ndf'] as const;

/** The options that steer the training trajectory (besides the architecture). */
export const TRAJECTORY_OPTIONS = [
  'epoch',
  'nEpochs',
  'batchSize',
  'lr',
  'b1',
  'b2',
  'decayEpoch',
  'lambdaCyc',
  'lambdaId',
  'bufferSize',
] as const;

const WHERE = 'CycleGANTrainer options';

/** Fills in the defaults and checks every option; throws an AttributeError naming the first bad one. */
export function resolveOptions(options: CycleGANOptions = {}): ResolvedCycleGANOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new AttributeError(WHERE, 'options', 'an options object', options === null ? 'null' : typeof options);
  }
  // Own-property lookups: `__proto__`, `constructor` or `toString` are unknown options, not
  // names inherited from Object.prototype.
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(DEFAULT_OPTIONS, key)) {
      const hint = suggest(key);
      throw new AttributeError(
        WHERE,
        key,
        hint ? `spelled '${hint}' (options are camelCase)` : `one of the known options (${Object.keys(DEFAULT_OPTIONS).join(', ')})`,
        'an unknown option',
      );
    }
  }
  // Only known keys are copied, so no key of the caller's object can reach o's prototype.
  const o: ResolvedCycleGANOptions = { ...DEFAULT_OPTIONS };
  for (const k of Object.keys(DEFAULT_OPTIONS) as (keyof ResolvedCycleGANOptions)[]) {
    const v = (options as Record<string, unknown>)[k];
    if (Object.hasOwn(options, k) && v !== undefined) (o as Record<string, unknown>)[k] = v;
  }

  const int = (name: keyof ResolvedCycleGANOptions, min: number, what = `an integer >= ${min}`): void => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new AttributeError(WHERE, name, what, describeValue(v));
  };
  const num = (name: keyof ResolvedCycleGANOptions, ok: (v: number) => boolean, what: string): void => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new AttributeError(WHERE, name, what, describeValue(v));
  };
  int('nEpochs', 1);
  int('epoch', 0);
  if (o.epoch >= o.nEpochs) {
    throw new AttributeError(WHERE, 'epoch', `an epoch before nEpochs (${o.nEpochs}): training starts at epoch and stops before nEpochs`, String(o.epoch));
  }
  int('decayEpoch', 0);
  if (!(o.nEpochs - o.decayEpoch > 0)) {
    // The reference's LambdaLR assertion: "Decay must start before the training session ends!"
    throw new AttributeError(
      WHERE,
      'decayEpoch',
      `less than nEpochs (${o.nEpochs}): decay must start before the training session ends`,
      String(o.decayEpoch),
    );
  }
  int('batchSize', 1);
  num('lr', (v) => v >= 0, 'a finite number >= 0');
  num('b1', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  num('b2', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  int('channels', 1);
  for (const name of ['imgHeight', 'imgWidth'] as const) {
    int(name, 16, 'a positive multiple of 16 (the PatchGAN discriminator halves the image four times)');
    if (o[name] % 16 !== 0) {
      throw new AttributeError(WHERE, name, 'a positive multiple of 16 (the PatchGAN discriminator halves the image four times)', String(o[name]));
    }
  }
  if (o.imgHeight * o.imgWidth <= 16 * 16) {
    throw new AttributeError(
      WHERE,
      'imgHeight',
      'with imgWidth, larger than 16x16 (the discriminator\'s last InstanceNorm needs more than one value per channel), e.g. 32x32',
      `${o.imgHeight}x${o.imgWidth}`,
    );
  }
  int('sampleInterval', 1);
  const ci = o.checkpointInterval;
  if (typeof ci !== 'number' || !Number.isInteger(ci) || (ci !== -1 && ci < 1)) {
    throw new AttributeError(WHERE, 'checkpointInterval', 'a positive integer (epochs), or -1 for no periodic checkpoints', describeValue(ci));
  }
  int('nResidualBlocks', 0);
  int('ngf', 1);
  int('ndf', 1);
  num('lambdaCyc', (v) => v >= 0, 'a finite number >= 0');
  num('lambdaId', (v) => v >= 0, 'a finite number >= 0');
  int('bufferSize', 1, 'an integer >= 1 (the replay buffer cannot be empty)');
  if (!RECOMPUTE_MODES.includes(o.recompute)) {
    throw new AttributeError(WHERE, 'recompute', `one of ${RECOMPUTE_MODES.map((m) => `'${m}'`).join(', ')}`, JSON.stringify(o.recompute));
  }
  const seed = o.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new AttributeError(WHERE, 'seed', 'an integer in [0, 2^32)', describeValue(seed));
  }
  return o;
}

/** 'n_epochs' -> 'nEpochs', 'img_height' -> 'imgHeight', when that is an option; case slips too. */
function suggest(key: string): string | null {
  const camel = key.replace(/[_-]([a-z])/g, (_, c: string) => c.toUpperCase());
  if (Object.hasOwn(DEFAULT_OPTIONS, camel)) return camel;
  const lower = key.toLowerCase().replace(/[_-]/g, '');
  for (const k of Object.keys(DEFAULT_OPTIONS)) if (k.toLowerCase() === lower) return k;
  return null;
}
