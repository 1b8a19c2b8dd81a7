// upsampleConv2d: nearest upsampling by 2 followed by a 3x3 conv with padding 1, equal to
// conv2d(upsampleNearest2d(x, 2), weight, bias, { padding: 1 }) (PyTorch: nn.Upsample(scale_factor=2)
// then nn.Conv2d(k=3, padding=1)), computed as four 2x2 convolutions of the un-upsampled x,
// one per output phase: 2.25x fewer multiply-adds, and the upsampled tensor never exists.
// Kernels upsampleConv2d, upsampleConv2dGradInput, upsampleConv2dGradWeight (assembly/upsample_conv2d.ts,
// kernels/upsample_conv2d*.wgsl) and conv2dGradBias. The phase weights are folded from the 3x3
// weight inside every kernel call, so nothing is cached across an optimizer update.
// Inference on WASM runs the forward as upsampleConv2dWinograd instead (upsampleWinogradPays).
import { AttributeError, ShapeError } from '../errors.js';
import type { UpsampleConvAttrs } from '../kernels/contract.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkOptionalTensor, checkRank, checkShapeEquals, checkTensor, sameEngine } from './checks.js';
import type { BackendName } from '../backends/backend.js';
import { winogradPays } from './conv2d_algorithm.js';

export interface UpsampleConvOptions {
  /** Upsampling factor; only 2 (default). */
  scale?: number;
  /** Zero padding of the 3x3 conv on the upsampled image; only 1 (default). */
  padding?: number;
}

const OPTIONS = ['scale', 'padding'];

/**
 * True when the forward runs as upsampleConv2dWinograd: Winograd F(4x4, 3x3) over the
 * upsampled image, which the kernel reads from x in place (assembly/winograd.ts), 2.25
 * multiply-adds per output against the four phase convs' 4. Only where no gradients are
 * recorded (F(4x4)'s error is for inference; training keeps the phase convs, whose error is the
 * direct conv's) and only on WASM (WebGPU has no such kernel: _hasKernel says no), for the
 * shapes where Winograd pays for the equivalent conv (src/ops/conv2d_algorithm.ts). Measured
 * against the phase convs with the generator's shapes at 256x256, one thread (bench/results,
 * the conv on the materialised upsampled image): 256->128 1.18x, 128->64 1.8x faster.
 */
export function upsampleWinogradPays(a: UpsampleConvAttrs, recordsGradients: boolean, backend: BackendName): boolean {
  if (recordsGradients) return false;
  const g = { n: a.n, cIn: a.cIn, h: 2 * a.h, w: 2 * a.w, cOut: a.cOut, kh: 3, kw: 3, oh: 2 * a.h, ow: 2 * a.w, strideH: 1, strideW: 1, padH: 1, padW: 1 };
  return winogradPays(g, false, backend);
}

/**
 * y = conv2d(upsampleNearest2d(x, 2), weight, bias, { padding: 1 }): x [n, cIn, h, w],
 * weight [cOut, cIn, 3, 3] (PyTorch's layout), bias [cOut] or null; y [n, cOut, 2h, 2w].
 */
export function upsampleConv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: UpsampleConvOptions = {}): Tensor {
  const op = 'upsampleConv2d';
  checkTensor(op, 'x', x);
  checkTensor(op, 'weight', weight);
  const b = checkOptionalTensor(op, 'bias', bias);
  const e = sameEngine(op, x, weight, b);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new AttributeError(op, 'options', 'an object', options === null ? 'null' : typeof options);
  }
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !OPTIONS.includes(key)) {
      throw new AttributeError(op, key, `absent (${op} takes only ${OPTIONS.join(', ')})`, JSON.stringify(value));
    }
  }
  if ((options.scale ?? 2) !== 2) throw new AttributeError(op, 'scale', '2 (the only upsampling factor implemented)', String(options.scale));
  if ((options.padding ?? 1) !== 1) throw new AttributeError(op, 'padding', '1 (the only padding implemented)', String(options.padding));
  checkRank(op, 'x', x, 4, '[n, cIn, h, w]');
  checkRank(op, 'weight', weight, 4, '[cOut, cIn, 3, 3]');
  const [n, cIn, h, w] = x.shape;
  const [cOut, wIn, kh, kw] = weight.shape;
  if (wIn !== cIn || kh !== 3 || kw !== 3) {
    throw new ShapeError(op, 'weight', `[cOut, ${cIn}, 3, 3] (in channels of x, a 3x3 kernel)`, formatShape(weight.shape));
  }
  if (b) checkShapeEquals(op, 'bias', b, [cOut]);
  if (n < 1 || h < 1 || w < 1 || cIn < 1 || cOut < 1) {
    throw new ShapeError(op, 'x', '[n >= 1, cIn >= 1, h >= 1, w >= 1]', formatShape(x.shape));
  }
  const a: UpsampleConvAttrs = { n, cIn, h, w, cOut };
  const kernel = upsampleWinogradPays(a, e._trainingNumerics(x, weight, b), e.backend) && e._hasKernel('upsampleConv2dWinograd')
    ? 'upsampleConv2dWinograd'
    : 'upsampleConv2d';
  const [y] = e.runKernel(op, kernel, [x, weight, b], [[n, cOut, 2 * h, 2 * w]], { ...a, hasBias: b !== null });
  if (e.needsGrad(x, weight, b)) {
    // Saves x and weight (views, not copies): each gradient needs the other input, and a
    // Sequential frees its intermediates once the next layer has run.
    const [xs, ws] = [e._save(x), e._save(weight)];
    e.recordGrad(y, op, [x, weight, b], (dy) => [
      x.requiresGrad ? e.runKernel(`${op} backward`, 'upsampleConv2dGradInput', [dy, ws], [x.shape], a)[0] : null,
      weight.requiresGrad ? e.runKernel(`${op} backward`, 'upsampleConv2dGradWeight', [dy, xs], [weight.shape], a)[0] : null,
      b?.requiresGrad ? e.runKernel(`${op} backward`, 'conv2dGradBias', [dy], [b.shape], { n, c: cOut, hw: 4 * h * w })[0] : null,
    ], [xs, ws]);
  }
  return y;
}
