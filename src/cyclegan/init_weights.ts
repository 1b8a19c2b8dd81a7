// PyTorch-GAN's weights_init_normal, applied with module.apply() after construction there.
import { engineOf, type Engine } from '../engine.js';
import { AttributeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { Module } from '../nn/module.js';
import { Conv2d, ConvTranspose2d } from '../nn/conv.js';
import { InstanceNorm2d } from '../nn/norm.js';
import { checkNumber, checkOptions } from '../nn/args.js';
import { splitmix32 } from '../random/rng.js';

export interface InitWeightsNormalOptions {
  /** Standard deviation of the normal draws (default 0.02). */
  std?: number;
  /**
   * Makes the result depend only on (seed, module structure); without it the engine's random
   * stream advances.
   */
  seed?: number;
}

/**
 * Re-initializes a module tree in place, as PyTorch-GAN's weights_init_normal: every Conv2d and
 * ConvTranspose2d weight ~ N(0, std) and bias = 0; every affine norm weight ~ N(1, std) and
 * bias = 0 (PyTorch-GAN does this for BatchNorm2d; the affine InstanceNorm2d is treated alike).
 * Parameters keep their identity. Returns the module.
 */
export function initWeightsNormal<M extends Module>(module: M, options?: InitWeightsNormalOptions): M {
  const where = 'initWeightsNormal';
  if (!(module instanceof Module)) throw new AttributeError(where, 'module', 'a Module', typeof module);
  const { std = 0.02, seed } = checkOptions(where, options);
  checkNumber(where, 'std', std);
  if (std < 0) throw new AttributeError(where, 'std', 'a number >= 0', String(std));
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)) {
    throw new AttributeError(where, 'seed', 'an integer in [0, 2^32)', String(seed));
  }
  let draw = 0;
  const normal = (t: Tensor, mean: number): void => {
    const engine: Engine = engineOf(t);
    const s = seed === undefined ? engine.nextSeed() : splitmix32(seed, ++draw);
    const values = engine.randn(t.shape, { seed: s, mean, std });
    try {
      engine.assign(t, values);
    } finally {
      values.dispose();
    }
  };
  const zero = (t: Tensor | null): void => {
    if (t) engineOf(t).assign(t, new Float32Array(t.size));
  };
  for (const m of module.modules()) {
    if (m instanceof Conv2d || m instanceof ConvTranspose2d) {
      normal(m.weight, 0);
      zero(m.bias);
    } else if (m instanceof InstanceNorm2d && m.affine) {
      normal(m.weight!, 1);
      zero(m.bias);
    }
  }
  return module;
}
