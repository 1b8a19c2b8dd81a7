// Parameter creation with PyTorch's default initialization.
import type { Engine } from '../engine.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, mul } from '../ops/arithmetic.js';

/**
 * A leaf tensor requiring grad, drawn from U(-bound, bound) with the engine's random stream.
 * This is PyTorch's default init of conv weights and biases: kaiming_uniform_(a=sqrt(5)) gives
 * bound = 1/sqrt(fanIn), and the bias uses the same bound. The scaling runs as ops (so it works
 * on any backend) under noGrad and tidy, so no temporaries survive.
 */
export function uniformParameter(engine: Engine, shape: Shape, bound: number): Tensor {
  if (engine === valuesToBeLoaded) {
    // Every value is about to be overwritten by a strict load: the seed is still taken (so the
    // engine's random stream after loading is the same as ever), the draw is not.
    engine.nextSeed();
    return engine.zeros(shape, { requiresGrad: true });
  }
  const p = engine.tidy(() => engine.noGrad(() => add(mul(engine.rand(shape), 2 * bound), -bound)));
  p.requiresGrad = true;
  return p;
}

/** A leaf tensor requiring grad, filled with `value` (affine norm weights and biases). */
export function constantParameter(engine: Engine, shape: Shape, value: number): Tensor {
  return engine.full(shape, value, { requiresGrad: true });
}

/** 1/sqrt(fanIn): the bound of PyTorch's default uniform init for a given fan-in. */
export function defaultBound(fanIn: number): number {
  return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
}

/** The engine whose parameters are being built only to be overwritten (see withValuesToBeLoaded). */
let valuesToBeLoaded: Engine | null = null;

/**
 * Runs `build` (synchronous: a network's constructor) with the uniform initial draws of `engine`'s
 * parameters left out: they are zeros, and each still consumes its seed of the engine's stream.
 * Only for a network whose every parameter is loaded next with a strict load (which fails on
 * any missing key), as loadModel does; a drawn init costs ~0.1-0.2 s for a 9-block generator.
 */
export function withValuesToBeLoaded<T>(engine: Engine, build: () => T): T {
  const outer = valuesToBeLoaded;
  valuesToBeLoaded = engine;
  try {
    return build();
  } finally {
    valuesToBeLoaded = outer;
  }
}
