// The trainer's options: the reference's names and defaults, and clear errors.
import { describe, expect, it } from 'vitest';
import { AttributeError } from '../../src/index.js';
import { DEFAULT_OPTIONS, resolveOptions } from '../../src/cyclegan/options.js';

describe('CycleGAN options', () => {
  it("default to PyTorch-GAN's cyclegan.py argparse defaults", () => {
    expect(resolveOptions()).toEqual({
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
      ngf: 64, // the networks' widths (the original CycleGAN's --ngf, --ndf; PyTorch-GAN fixes 64)
      ndf: 64,
      lambdaCyc: 10.0,
      lambdaId: 5.0,
      bufferSize: 50,
      seed: 0,
      recompute: 'auto',
    });
    expect(Object.isFrozen(DEFAULT_OPTIONS)).toBe(true);
  });

  it('keep what is given and fill the rest', () => {
    const o = resolveOptions({ imgHeight: 32, imgWidth: 64, nResidualBlocks: 2, lambdaId: 0 });
    expect(o).toMatchObject({ imgHeight: 32, imgWidth: 64, nResidualBlocks: 2, lambdaId: 0, nEpochs: 200 });
  });

  const bad: [string, object, RegExp][] = [
    ['decay at the end', { nEpochs: 10, decayEpoch: 10 }, /decayEpoch must be less than nEpochs \(10\): decay must start before the training session ends, got 10/],
    ['decay after the end (default decay 100)', { nEpochs: 50 }, /decayEpoch must be less than nEpochs \(50\)/],
    ['a start epoch past the end', { epoch: 200 }, /epoch must be an epoch before nEpochs/],
    ['a fractional batch size', { batchSize: 1.5 }, /batchSize must be an integer >= 1, got 1.5/],
    ['a negative learning rate', { lr: -1 }, /lr must be a finite number >= 0, got -1/],
    ['b1 = 1', { b1: 1 }, /b1 must be a number in \[0, 1\), got 1/],
    ['a height not a multiple of 16', { imgHeight: 40 }, /imgHeight must be a positive multiple of 16/],
    ['a 16x16 image', { imgHeight: 16, imgWidth: 16 }, /larger than 16x16/],
    ['checkpointInterval 0', { checkpointInterval: 0 }, /checkpointInterval must be a positive integer \(epochs\), or -1/],
    ['negative residual blocks', { nResidualBlocks: -1 }, /nResidualBlocks must be an integer >= 0/],
    ['an empty replay buffer', { bufferSize: 0 }, /bufferSize must be an integer >= 1 \(the replay buffer cannot be empty\)/],
    ['a NaN lambda', { lambdaCyc: NaN }, /lambdaCyc must be a finite number >= 0, got NaN/],
    ['a snake_case name', { n_epochs: 5 }, /n_epochs must be spelled 'nEpochs' \(options are camelCase\)/],
    ['a mis-cased name', { imgheight: 5 }, /imgheight must be spelled 'imgHeight'/],
    ['an unknown name', { dataset_name: 'monet2photo' }, /dataset_name must be one of the known options/],
    ['a string number', { lr: '0.1' }, /lr must be a finite number >= 0, got string "0\.1"/],
  ];
  for (const [what, options, message] of bad) {
    it(`refuse ${what}`, () => {
      expect(() => resolveOptions(options as never)).toThrow(AttributeError);
      expect(() => resolveOptions(options as never)).toThrow(message);
    });
  }
});
