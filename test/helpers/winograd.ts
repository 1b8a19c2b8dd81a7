// What the Winograd tests share: a 3x3 stride-1 conv's geometry, the conv run through the
// Winograd kernels or the direct ones (forward and input gradient), and the error measure.
import type { Engine, Tensor } from '../../src/index.js';
import type { ConvGeometry } from '../../src/kernels/contract.js';

/** A 3x3 stride-1 conv of n images [cIn, h, w] to cOut channels with padding p. */
export function geometry(n: number, cIn: number, h: number, w: number, cOut: number, p: number): ConvGeometry {
  return { n, cIn, h, w, cOut, kh: 3, kw: 3, oh: h + 2 * p - 2, ow: w + 2 * p - 2, strideH: 1, strideW: 1, padH: p, padW: p };
}

/** Forward output and input gradient through the Winograd kernels (F(tile x tile)), or through the direct ones. */
export function runConv(e: Engine, x: Tensor, w: Tensor, b: Tensor | null, dy: Tensor, g: ConvGeometry, winograd: boolean, tile: 2 | 4 = 4): Float32Array[] {
  const out = [g.n, g.cOut, g.oh, g.ow];
  const [y] = winograd
    ? e.runKernel('test', 'conv2dWinograd', [x, w, b], [out], { ...g, hasBias: b !== null, tile })
    : e.runKernel('test', 'conv2d', [x, w, b], [out], { ...g, hasBias: b !== null });
  const [dx] = winograd
    ? e.runKernel('test', 'conv2dGradInputWinograd', [dy, w], [x.shape], { ...g, tile })
    : e.runKernel('test', 'conv2dGradInput', [dy, w], [x.shape], g);
  const r = [y.dataSync(), dx.dataSync()];
  y.dispose();
  dx.dispose();
  return r;
}

/** max |a - ref| / max |ref|. */
export function maxRelErr(a: Float32Array, ref: Float32Array): number {
  let err = 0;
  let mag = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - ref[i]));
    mag = Math.max(mag, Math.abs(ref[i]));
  }
  return err / (mag + 1e-6);
}
