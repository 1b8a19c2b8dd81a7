// reflectionPad2d and zeroPad2d (like nn.ReflectionPad2d and nn.ZeroPad2d), with their
// gradients. Kernels reflectionPad2d(Grad) and zeroPad2d(Grad) work on [n*c, h, w] planes.
import { AttributeError } from '../errors.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { PadAttrs } from '../kernels/contract.js';
import { checkRank, checkTensor } from './checks.js';
import { engineOf } from '../engine.js';

/** One amount for all four sides, or [left, right, top, bottom] like PyTorch's 4-tuple. */
export type Padding2d = number | readonly [left: number, right: number, top: number, bottom: number];

/** Checks a padding argument and returns it as [left, right, top, bottom]. */
function checkPadding(op: string, padding: unknown): [number, number, number, number] {
  const expected = 'a non-negative integer or [left, right, top, bottom] of non-negative integers';
  if (typeof padding === 'number') {
    checkIntOrThrow(op, padding, expected);
    return [padding, padding, padding, padding];
  }
  if (!Array.isArray(padding) || padding.length !== 4) {
    throw new AttributeError(op, 'padding', expected, Array.isArray(padding) ? JSON.stringify(padding) : String(padding));
  }
  for (const p of padding) checkIntOrThrow(op, p, expected, padding);
  return [padding[0], padding[1], padding[2], padding[3]];
}

function checkIntOrThrow(op: string, v: unknown, expected: string, whole: unknown = v): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new AttributeError(op, 'padding', expected, Array.isArray(whole) ? JSON.stringify(whole) : String(whole));
  }
}

/** Shared shape checks and attributes of both pads. */
function padAttrs(op: string, x: Tensor, padding: unknown): { attrs: PadAttrs; outShape: number[] } {
  checkTensor(op, 'x', x);
  checkRank(op, 'x', x, 4, '[n, c, h, w]');
  const [left, right, top, bottom] = checkPadding(op, padding);
  const [n, c, h, w] = x.shape;
  return {
    attrs: { nc: n * c, h, w, left, right, top, bottom },
    outShape: [n, c, h + top + bottom, w + left + right],
  };
}

function pad(
  op: string,
  kernel: 'reflectionPad2d' | 'zeroPad2d',
  gradKernel: 'reflectionPad2dGrad' | 'zeroPad2dGrad',
  x: Tensor,
  attrs: PadAttrs,
  outShape: number[],
): Tensor {
  const e = engineOf(x);
  const [y] = e.runKernel(op, kernel, [x], [outShape], attrs);
  if (e.needsGrad(x)) {
    e.recordGrad(y, op, [x], (dy) => e.runKernel(`${op} backward`, gradKernel, [dy], [x.shape], attrs));
  }
  return y;
}

/**
 * Pads h and w by mirroring across the edges without repeating them (nn.ReflectionPad2d).
 * As in PyTorch, each pad must be smaller than the dimension it reflects.
 */
export function reflectionPad2d(x: Tensor, padding: Padding2d): Tensor {
  const op = 'reflectionPad2d';
  const { attrs, outShape } = padAttrs(op, x, padding);
  const { h, w, left, right, top, bottom } = attrs;
  // Reported against padding: a fixed pad on too small an input is the usual mistake.
  if (left >= w || right >= w || top >= h || bottom >= h) {
    throw new AttributeError(
      op,
      'padding',
      `left/right < width ${w} and top/bottom < height ${h} (x ${formatShape(x.shape)})`,
      JSON.stringify([left, right, top, bottom]),
    );
  }
  return pad(op, 'reflectionPad2d', 'reflectionPad2dGrad', x, attrs, outShape);
}

/** Pads h and w with zeros (nn.ZeroPad2d); amounts may differ per side, e.g. [1, 0, 1, 0]. */
export function zeroPad2d(x: Tensor, padding: Padding2d): Tensor {
  const op = 'zeroPad2d';
  const { attrs, outShape } = padAttrs(op, x, padding);
  return pad(op, 'zeroPad2d', 'zeroPad2dGrad', x, attrs, outShape);
}
