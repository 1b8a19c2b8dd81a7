// ResidualBlock of PyTorch-GAN's CycleGAN generator: x + block(x), where block is
// ReflectionPad2d(1), Conv 3x3, InstanceNorm, ReLU, ReflectionPad2d(1), Conv 3x3, InstanceNorm.
//
// With `recompute` on, a training forward keeps only the block's input: the block runs without
// recording, and its backward runs the block again with recording on and back-propagates
// through that (gradient checkpointing). The results are the same bit for bit, since the
// kernels are deterministic and the gradients are added in the same order; the cost is one
// more forward of the block per backward. At 256x256 with 9 blocks this is what keeps a
// training step inside a 2.5 GiB WebAssembly memory (bench/memory_step.mjs).
import { engineOf, type Engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { add } from '../ops/arithmetic.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import { Conv2d } from '../nn/conv.js';
import { InstanceNorm2d } from '../nn/norm.js';
import { ReflectionPad2d } from '../nn/padding.js';
import { ReLU } from '../nn/activation.js';
import { checkEngine, checkInt } from '../nn/args.js';
import { releaseIntermediate } from '../nn/memory.js';

/** 'residual': recompute every residual block in backward; 'none': keep; 'auto': by size. */
export type RecomputeMode = 'auto' | 'residual' | 'none';

export const RECOMPUTE_MODES: readonly RecomputeMode[] = ['auto', 'residual', 'none'];

/**
 * 'auto' recomputes when the residual blocks' saved activations over a training step would
 * pass this: 5 tensors of 256 x H/4 x W/4 per block and image, in each of the step's six
 * generator passes. 256x256 with 9 blocks keeps 1.1 GiB (recomputed: 0.2 GiB); 128x128 keeps
 * 0.28 GiB, which is cheaper kept than recomputed (about a fifth of the step's time).
 */
const AUTO_RECOMPUTE_BYTES = 512 * 1024 * 1024;

export class ResidualBlock extends Module {
  readonly inFeatures: number;
  /** Keys `block.1.weight`, `block.1.bias`, `block.5.weight`, `block.5.bias`. */
  readonly block: Sequential;
  /** Recompute the block's activations in backward instead of keeping them (see above). */
  recompute = false;

  constructor(engine: Engine, inFeatures: number) {
    super(checkEngine('ResidualBlock', engine));
    this.inFeatures = checkInt('ResidualBlock', 'inFeatures', inFeatures, 1);
    this.block = this.registerModule(
      'block',
      new Sequential(
        new ReflectionPad2d(1),
        new Conv2d(engine, inFeatures, inFeatures, 3),
        new InstanceNorm2d(engine, inFeatures),
        new ReLU(),
        new ReflectionPad2d(1),
        new Conv2d(engine, inFeatures, inFeatures, 3),
        new InstanceNorm2d(engine, inFeatures),
      ),
    );
  }

  forward(x: Tensor): Tensor {
    const e = engineOf(x);
    if (this.recompute) {
      const params = this.block.parameters();
      if (e.needsGrad(x, ...params)) return this.forwardRecomputed(x, params);
    }
    return this.sum(x);
  }

  /** x + block(x), recording whatever the grad mode says. */
  private sum(x: Tensor): Tensor {
    const y = this.block.forward(x);
    const out = add(x, y);
    releaseIntermediate(y, out);
    return out;
  }

  /** x + block(x) with one graph node that saves only x and recomputes the block in backward. */
  private forwardRecomputed(x: Tensor, params: Tensor[]): Tensor {
    const e = engineOf(x);
    const out = e._noGradInTraining(() => this.sum(x));
    const xs = e._save(x);
    e.recordGrad(out, 'residualBlock (recomputed)', [x, ...params], (dy) => this.backwardRecomputed(xs, x.requiresGrad, params, dy), [xs]);
    return out;
  }

  /**
   * Runs the block again on the saved input with recording on and back-propagates dy through
   * it. Returns the gradients of [x, ...params] as the plain graph would hand them on: for x,
   * dy (through the sum) + the block's gradient, added in that order as backward does; for
   * each parameter, this pass's contribution (taken out of .grad, which is restored).
   */
  private backwardRecomputed(xs: Tensor, wantDx: boolean, params: Tensor[], dy: Tensor): (Tensor | null)[] {
    const e = engineOf(xs);
    const stashed = params.map((p) => p.grad);
    for (const p of params) p.grad = null;
    const xr = e._view(xs, xs.shape, wantDx);
    let y: Tensor | null = null;
    try {
      y = e._withGrad(() => this.block.forward(xr));
      y.backward(dy);
      const grads = params.map((p) => (p.requiresGrad ? p.grad : null));
      let dx: Tensor | null = null;
      if (wantDx) {
        dx = xr.grad ? add(dy, xr.grad) : e._view(dy, dy.shape, false);
      }
      return [dx, ...grads];
    } finally {
      params.forEach((p, i) => (p.grad = stashed[i]));
      xr.grad?.dispose();
      xr.dispose();
      y?.dispose();
    }
  }

  protected override extraRepr(): string {
    return `${this.inFeatures}${this.recompute ? ', recompute' : ''}`;
  }
}

/** Whether `mode` recomputes the residual blocks of a step on batches of [batch, *, height, width]. */
export function recomputeResiduals(mode: RecomputeMode, batch: number, height: number, width: number, blocks: number): boolean {
  if (mode !== 'auto') return mode === 'residual';
  const kept = 6 * batch * blocks * 5 * 256 * (height / 4) * (width / 4) * 4;
  return kept > AUTO_RECOMPUTE_BYTES;
}

/** Turns recomputation on or off in every ResidualBlock of `net`. */
export function setResidualRecompute(net: Module, on: boolean): void {
  for (const m of net.modules()) if (m instanceof ResidualBlock) m.recompute = on;
}
