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
