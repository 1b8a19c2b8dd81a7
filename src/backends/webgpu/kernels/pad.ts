// WGSL kernels of the pads and nearest upsampling (kernels/reflection_pad2d*.wgsl,
// zero_pad2d*.wgsl, upsample_nearest2d*.wgsl): one invocation per element of the tensor each
// kernel writes (params start with that count), gradients as gathers (no atomics).
import type { PadAttrs } from '../../../kernels/contract.js';
import type { WgslKernelTable, WgslPass } from '../spec.js';
import { IN, OUT, perElement, u32 } from './common.js';

const i32 = (value: number) => ({ type: 'i32' as const, value });
const outH = (a: PadAttrs): number => a.h + a.top + a.bottom;
const outW = (a: PadAttrs): number => a.w + a.left + a.right;

/** A pass over `n` elements of dy or y from x or dy (ins [0] outs [0]). */
const pass = (shader: string, n: number, params: WgslPass['params']): WgslPass =>
  perElement(shader, n, [IN(0), OUT(0)], params);

/** Params (h, w, left, top, oh, ow) of the forward pads and zeroPad2dGrad. */
const padParams = (a: PadAttrs): WgslPass['params'] => [i32(a.h), i32(a.w), i32(a.left), i32(a.top), i32(outH(a)), i32(outW(a))];

export const padKernels: WgslKernelTable = {
  reflectionPad2d: { passes: (a) => [pass('reflection_pad2d', a.nc * outH(a) * outW(a), padParams(a))] },
  reflectionPad2dGrad: {
    passes: (a) => [
      pass('reflection_pad2d_grad', a.nc * a.h * a.w, [i32(a.h), i32(a.w), i32(a.left), i32(a.right), i32(a.top), i32(a.bottom)]),
    ],
  },
  zeroPad2d: { passes: (a) => [pass('zero_pad2d', a.nc * outH(a) * outW(a), padParams(a))] },
  zeroPad2dGrad: { passes: (a) => [pass('zero_pad2d_grad', a.nc * a.h * a.w, padParams(a))] },
  upsampleNearest2d: {
    passes: (a) => [pass('upsample_nearest2d', a.nc * a.h * a.scale * a.w * a.scale, [u32(a.h), u32(a.w), u32(a.scale)])],
  },
  upsampleNearest2dGrad: {
    passes: (a) => [pass('upsample_nearest2d_grad', a.nc * a.h * a.w, [u32(a.h), u32(a.w), u32(a.scale)])],
  },
};
