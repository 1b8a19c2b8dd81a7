// WGSL kernels of the convolution families (kernels/conv2d*.wgsl).
//
// Like the WASM kernels (assembly/im2col.ts), every convolution kernel is one of three lowered
// products over an "image" (imgC channels of imgH x imgW) whose kh x kw windows visit a
// gridH x gridW grid of positions, with the weight viewed as the matrix [M, imgC*kh*kw]:
//   forward  (conv2d.wgsl):             out = weight · col(img) (+ bias)   conv2d, convTranspose2d dx
//   adjoint  (conv2d_grad_input.wgsl):  img = col2im(weightᵀ · src) (+ bias)  conv2d dx, convTranspose2d
//   weight   (conv2d_grad_weight.wgsl): dW = Σ src · col(img)ᵀ              both weight gradients
// conv2d's image is x (M = cOut); convTranspose2d is conv2d's adjoint, so its image is y (or dy)
// and its positions are x's grid (M = cIn, weight [cIn, cOut, kh, kw] read as a conv weight).
// The convTranspose2d kernels therefore run the conv2d shaders with roles swapped, exactly as
// assembly/conv_transpose2d.ts calls the im2col.ts products; there are no separate shaders.
//
// Every pass's workgroups are a flat count folded into 2-D by grid() (shaders: cg_group), so
// no dimension exceeds maxComputeWorkgroupsPerDimension.
import type { ConvGeometry } from '../../../kernels/contract.js';
import { grid, grid1d } from '../header.js';
import type { WgslBinding, WgslKernelTable, WgslPass } from '../spec.js';
import { IN, OUT, SCRATCH, u32, WG } from './common.js';

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

/**
 * Tile shapes: 64 threads, each accumulating an 8x8 register block, so (TILE_M/8)*(TILE_N/8) = 64
 * (and TILE_N >= 64). Square 64x64 tiles reuse every staged value 8 times per thread. Where the
 * GEMM has at most 16 rows (3 output channels in CycleGAN's last conv, 3 input channels in its
 * first conv's input gradient) a 64-row tile would be mostly padding, so a 16 x 256 tile is used
 * (TILE_K 8 keeps its staged tiles under the 16 KiB of workgroup memory every device has). Two
 * values per define keep the pipeline count small.
 */
interface Tile {
  TILE_M: number;
  TILE_N: number;
  TILE_K: number;
}
const WIDE: Tile = { TILE_M: 64, TILE_N: 64, TILE_K: 16 };
const NARROW: Tile = { TILE_M: 16, TILE_N: 256, TILE_K: 8 };
const tileFor = (rows: number): Tile => (rows <= 16 ? NARROW : WIDE);

/** One lowered product: the image, the grid its windows visit, and the weight matrix rows. */
export interface Lowering {
  n: number;
  imgC: number;
  imgH: number;
  imgW: number;
  m: number;
  kh: number;
  kw: number;
  gridH: number;
  gridW: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
}

/** conv2d's lowering: image x, positions y's grid, M = cOut. */
export const direct = (g: ConvGeometry): Lowering => ({
  n: g.n, imgC: g.cIn, imgH: g.h, imgW: g.w, m: g.cOut, kh: g.kh, kw: g.kw,
  gridH: g.oh, gridW: g.ow, sh: g.strideH, sw: g.strideW, ph: g.padH, pw: g.padW,
});

/** convTranspose2d's lowering: image y (cOut channels of oh x ow), positions x's grid, M = cIn. */
const transposed = (g: ConvGeometry): Lowering => ({
  n: g.n, imgC: g.cOut, imgH: g.oh, imgW: g.ow, m: g.cIn, kh: g.kh, kw: g.kw,
  gridH: g.h, gridW: g.w, sh: g.strideH, sw: g.strideW, ph: g.padH, pw: g.padW,
});

const geometryParams = (l: Lowering): WgslPass['params'] =>
  [l.imgC, l.imgH, l.imgW, l.m, l.kh, l.kw, l.gridH, l.gridW, l.sh, l.sw, l.ph, l.pw].map((value) => ({
    type: 'i32' as const,
    value,
  }));

/** out[n, M, grid] = weight · col(img) + bias; bindings [img, weight, bias, out]. */
export function forwardPass(l: Lowering, bindings: WgslBinding[], hasBias: boolean): WgslPass {
  const tile = tileFor(l.m);
  const tilesP = ceilDiv(l.gridH * l.gridW, tile.TILE_N);
  const tilesM = ceilDiv(l.m, tile.TILE_M);
  const total = tilesP * tilesM * l.n;
  return {
    shader: 'conv2d',
    defines: { ...tile, HAS_BIAS: hasBias ? 1 : 0 },
    bindings,
    params: [...geometryParams(l), u32(tilesP), u32(tilesM), u32(total)],
    workgroups: grid(total),
  };
}

/** img[n, imgC, imgH, imgW] = col2im(weightᵀ · src) + bias; bindings [src, weight, bias, img]. */
export function adjointPass(l: Lowering, bindings: WgslBinding[], hasBias: boolean): WgslPass {
  const tile = tileFor(l.imgC);
  // Pixels of one stride phase; the largest phase (ry = rx = 0) sizes the tile count.
  const tilesP = ceilDiv(ceilDiv(l.imgH, l.sh) * ceilDiv(l.imgW, l.sw), tile.TILE_N);
  const tilesM = ceilDiv(l.imgC, tile.TILE_M);
  const total = tilesP * tilesM * l.sh * l.sw * l.n;
  return {
    shader: 'conv2d_grad_input',
    defines: { ...tile, HAS_BIAS: hasBias ? 1 : 0 },
    bindings,
    params: [...geometryParams(l), u32(tilesP), u32(tilesM), u32(total)],
    workgroups: grid(total),
  };
}

/** Enough workgroups to fill a large GPU several times over. */
const TARGET_GROUPS = 512;
/** A slice covers at least this many reduction steps, so the partial sums stay worth a pass. */
const MIN_SLICE_STEPS = 16;
/** Cap on the partial sums (floats): 16 MiB of scratch at most. */
const MAX_PARTIAL = 1 << 22;

interface WeightSplit {
  tile: Tile;
  tilesK: number;
  tilesM: number;
  slices: number;
  sliceLen: number;
}

/**
 * How the weight gradient's reduction over n*gridH*gridW positions is cut: as few slices as
 * give TARGET_GROUPS workgroups, each at least MIN_SLICE_STEPS tiles deep, partials capped.
 */
function weightSplit(l: Lowering): WeightSplit {
  const tile = tileFor(l.m);
  const k = l.imgC * l.kh * l.kw;
  const tilesK = ceilDiv(k, tile.TILE_N);
  const tilesM = ceilDiv(l.m, tile.TILE_M);
  const steps = ceilDiv(l.n * l.gridH * l.gridW, tile.TILE_K);
  let slices = Math.min(ceilDiv(TARGET_GROUPS, tilesK * tilesM), ceilDiv(steps, MIN_SLICE_STEPS));
  slices = Math.max(1, Math.min(slices, Math.floor(MAX_PARTIAL / Math.max(1, l.m * k))));
  const sliceLen = ceilDiv(steps, slices) * tile.TILE_K;
  // Recount so that no slice is empty.
  slices = Math.max(1, ceilDiv(steps * tile.TILE_K, sliceLen));
  return { tile, tilesK, tilesM, slices, sliceLen };
}

export const weightScratch = (l: Lowering): number[] => {
  const s = weightSplit(l);
  return s.slices > 1 ? [s.slices * l.m * l.imgC * l.kh * l.kw] : [];
};

/**
 * dW[M, imgC*kh*kw] = Σ src · col(img)ᵀ; src and img are the given bindings, dW goes to `out`
 * (default the kernel's output 0), the partial sums to scratch `partials` (see weightScratch).
 */
export function weightPasses(l: Lowering, src: WgslBinding, img: WgslBinding, out: WgslBinding = OUT(0), partials = 0): WgslPass[] {
  const s = weightSplit(l);
  const count = l.m * l.imgC * l.kh * l.kw;
  const total = s.tilesK * s.tilesM * s.slices;
  const partial = s.slices > 1 ? SCRATCH(partials) : out;
  const first: WgslPass = {
    shader: 'conv2d_grad_weight',
    defines: { ...s.tile },
    bindings: [src, img, partial],
    params: [
      u32(l.n),
      ...geometryParams(l),
      u32(s.tilesK),
      u32(s.tilesM),
      u32(s.slices),
      u32(s.sliceLen),
      u32(total),
    ],
    workgroups: grid(total),
  };
  if (s.slices === 1) return [first];
  return [
    first,
    {
      shader: 'conv2d_grad_weight_reduce',
      defines: { WG },
      bindings: [partial, out],
      params: [u32(count), u32(s.slices)],
      workgroups: grid1d(count, WG),
    },
  ];
}

export const convKernels: WgslKernelTable = {
  conv2d: {
    passes: (g) => [forwardPass(direct(g), [IN(0), IN(1), IN(2), OUT(0)], g.hasBias)],
  },
  // No bias: the weight stands in for the bias binding, which HAS_BIAS = 0 never reads.
  conv2dGradInput: {
    passes: (g) => [adjointPass(direct(g), [IN(0), IN(1), IN(1), OUT(0)], false)],
  },
  conv2dGradWeight: {
    scratch: (g) => weightScratch(direct(g)),
    passes: (g) => weightPasses(direct(g), IN(0), IN(1)),
  },
  conv2dGradBias: {
    passes: (a) => [
      {
        shader: 'conv2d_grad_bias',
        defines: { WG },
        bindings: [IN(0), OUT(0)],
        params: [u32(a.n), u32(a.c), u32(a.hw)],
        workgroups: grid(a.c),
      },
    ],
  },
  // y = col2im(weightᵀ · x) + bias over y's image: the adjoint product.
  convTranspose2d: {
    passes: (g) => [adjointPass(transposed(g), [IN(0), IN(1), IN(2), OUT(0)], g.hasBias)],
  },
  // dx = weight · col(dy): the forward product over dy's image (no bias).
  convTranspose2dGradInput: {
    passes: (g) => [forwardPass(transposed(g), [IN(0), IN(1), IN(1), OUT(0)], false)],
  },
  // dweight[cIn, cOut*kh*kw] = Σ x · col(dy)ᵀ: ins are [dy, x], so src = x, img = dy.
  convTranspose2dGradWeight: {
    scratch: (g) => weightScratch(transposed(g)),
    passes: (g) => weightPasses(transposed(g), IN(1), IN(0)),
  },
};
