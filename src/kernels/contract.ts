// The one contract between ops and backends: every kernel's name and attributes, declared once.
// Each backend (src/backends/wasm, src/backends/webgpu) implements kernels under exactly these
// names; the AssemblyScript kernel (assembly/) and the WGSL kernel (kernels/) carry the same name.
//
// Calling convention: a kernel receives its input storages (null for an absent optional
// input), its output storages (freshly allocated, uninitialized: a kernel writes every
// element), and the attributes below. Attributes carry every size a kernel needs, so a
// kernel never looks at tensor shapes. All tensors are contiguous NCHW float32.

/** Shared attributes of the convolution kernels (conv2d and convTranspose2d families). */
export interface ConvGeometry {
  n: number;
  /** Channels of the conv's input x (for convTranspose2d: the transposed conv's input). */
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  kh: number;
  kw: number;
  /** Output height/width (for convTranspose2d this includes outputPadding). */
  oh: number;
  ow: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
}

/** Sizes of the upsampleConv2d kernels: x [n, cIn, h, w] (before upsampling), cOut outputs. */
export interface UpsampleConvAttrs {
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
}

export interface KernelAttrs {
  // ---- conv2d: x [n,cIn,h,w], weight [cOut,cIn,kh,kw], bias [cOut] -> y [n,cOut,oh,ow]
  /** ins [x, weight, bias|null] outs [y] */
  conv2d: ConvGeometry & { hasBias: boolean };
  /** ins [dy, weight] outs [dx] */
  conv2dGradInput: ConvGeometry;
  /** ins [dy, x] outs [dweight] */
  conv2dGradWeight: ConvGeometry;
  /**
   * The same conv by Winograd's F(tile x tile, 3x3), tile 4 or 2 (3x3 kernel, stride 1, padH =
   * padW in {0, 1}): ins [x, weight, bias|null] outs [y]. src/ops/conv2d_algorithm.ts says when
   * it is used and with which tile.
   */
  conv2dWinograd: ConvGeometry & { hasBias: boolean; tile: WinogradTile };
  /** conv2dGradInput by Winograd (same conditions): ins [dy, weight] outs [dx] */
  conv2dGradInputWinograd: ConvGeometry & { tile: WinogradTile };
  /** conv2dGradWeight by Winograd F(2x2, 3x3) (same shapes; WASM only): ins [dy, x] outs [dweight] */
  conv2dGradWeightWinograd: ConvGeometry;
  /** ins [dy] outs [dbias]: sum of dy over n, h, w per channel; shared by both conv families. */
  conv2dGradBias: { n: number; c: number; hw: number };

  // ---- upsampleConv2d: nearest x2 upsampling then a 3x3 conv with padding 1, as four 2x2
  // convs of x (one per output phase): x [n,cIn,h,w], weight [cOut,cIn,3,3] -> y [n,cOut,2h,2w]
  /** ins [x, weight, bias|null] outs [y] */
  upsampleConv2d: UpsampleConvAttrs & { hasBias: boolean };
  /**
   * The same forward by Winograd F(4x4, 3x3) on the upsampled image, read in place (WASM only;
   * inference only, see src/ops/upsample_conv2d.ts): ins [x, weight, bias|null] outs [y]
   */
  upsampleConv2dWinograd: UpsampleConvAttrs & { hasBias: boolean };
  /** ins [dy, weight] outs [dx] */
  upsampleConv2dGradInput: UpsampleConvAttrs;
  /** ins [dy, x] outs [dweight] (the bias gradient is conv2dGradBias of dy) */
  upsampleConv2dGradWeight: UpsampleConvAttrs;

  // ---- convTranspose2d: x [n,cIn,h,w], weight [cIn,cOut,kh,kw], bias [cOut] -> y [n,cOut,oh,ow]
  // with oh = (h-1)*strideH - 2*padH + kh + outputPaddingH.
  /** ins [x, weight, bias|null] outs [y] */
  convTranspose2d: ConvGeometry & { hasBias: boolean };
  /** ins [dy, weight] outs [dx] */
  convTranspose2dGradInput: ConvGeometry;
  /** ins [dy, x] outs [dweight] */
  convTranspose2dGradWeight: ConvGeometry;

  // ---- instance norm over each (n, c) plane of hw elements, biased variance like PyTorch.
  /** ins [x, weight|null, bias|null] outs [y, mean [n*c], invStd [n*c]] */
  instanceNorm2d: { n: number; c: number; hw: number; eps: number; affine: boolean };
  /** ins [dy, x, mean, invStd, weight|null] outs [dx|null, dweight|null, dbias|null]; null outputs are skipped */
  instanceNorm2dGrad: { n: number; c: number; hw: number; affine: boolean };

  // ---- pads: x [nc, h, w] -> y [nc, h+top+bottom, w+left+right]; grad maps dy back to dx.
  reflectionPad2d: PadAttrs;
  reflectionPad2dGrad: PadAttrs;
  zeroPad2d: PadAttrs;
  zeroPad2dGrad: PadAttrs;

  // ---- nearest upsampling by an integer scale: x [nc,h,w] -> y [nc,h*scale,w*scale]
  upsampleNearest2d: { nc: number; h: number; w: number; scale: number };
  /** ins [dy] outs [dx] */
  upsampleNearest2dGrad: { nc: number; h: number; w: number; scale: number };

  // ---- activations, elementwise over n elements
  relu: { n: number };
  /** ins [dy, x] outs [dx] */
  reluGrad: { n: number };
  leakyRelu: { n: number; negativeSlope: number };
  /** ins [dy, x] outs [dx] */
  leakyReluGrad: { n: number; negativeSlope: number };
  tanh: { n: number };
  /** ins [dy, y] outs [dx]: dx = dy * (1 - y*y) */
  tanhGrad: { n: number };

  /** ins [x] outs [y, mask]: mask = 0 or 1/(1-p) drawn from randomUniform(seed); y = x*mask. */
  dropout: { n: number; p: number; seed: number };

  // ---- binary elementwise: each input has n elements, or 1 element that is broadcast.
  add: BinaryAttrs;
  sub: BinaryAttrs;
  mul: BinaryAttrs;
  /** ins [x] outs [y]: y = x + value */
  addScalar: { n: number; value: number };
  /** ins [x] outs [y]: y = x * value */
  mulScalar: { n: number; value: number };

  /** ins [x] outs [s] (1 element): sum of all n elements. */
  sum: { n: number };
  /** ins [x] outs [s] (1 element): mean of all n elements. */
  mean: { n: number };
  /** ins [x] outs [y]: y = the 1-element input repeated n times (gradient of sum/mean). */
  broadcastScalar: { n: number; scale: number };

  // ---- losses, mean reduction like PyTorch's default
  /** ins [input, target] outs [loss (1 element)] */
  mseLoss: { n: number };
  /** ins [input, target, dLoss (1 element)] outs [dInput]: 2*(input-target)*dLoss/n */
  mseLossGrad: { n: number };
  /** ins [input, target] outs [loss (1 element)] */
  l1Loss: { n: number };
  /** ins [input, target, dLoss (1 element)] outs [dInput]: sign(input-target)*dLoss/n, sign(0)=0 */
  l1LossGrad: { n: number };

  /**
   * ins [param, grad, expAvg, expAvgSq] outs []: updates param, expAvg and expAvgSq in place,
   * exactly as torch.optim.Adam (single-tensor path, torch 1.13):
   *   g = grad + weightDecay*param (when weightDecay != 0)
   *   expAvg = beta1*expAvg + (1-beta1)*g;  expAvgSq = beta2*expAvgSq + (1-beta2)*g*g
   *   denom = sqrt(expAvgSq)/sqrt(biasCorrection2) + eps;  param -= stepSize * expAvg/denom
   * with stepSize = lr/biasCorrection1, computed by the caller.
   */
  adam: {
    n: number;
    beta1: number;
    beta2: number;
    eps: number;
    weightDecay: number;
    stepSize: number;
    biasCorrection2Sqrt: number;
  };

  // ---- data handling. A tensor is viewed as [outer, size, inner] around the chosen dim.
  /** variadic ins, outs [y]: y[o, :] = concatenation over inputs of x_i[o, 0:sizes[i]*inner] */
  concat: { outer: number; inner: number; sizes: number[] };
  /** ins [x] outs [y]: y[o, 0:len] = x[o, start:start+len] along a dim of size `size`. */
  slice: { outer: number; inner: number; size: number; start: number; len: number };
  /** ins [dy] outs [dx]: dx = zeros with dx[o, start:start+len] = dy (gradient of slice). */
  sliceGrad: { outer: number; inner: number; size: number; start: number; len: number };
  /** ins [] outs [y] */
  fill: { n: number; value: number };
  /** ins [x] outs [y]: a copy. */
  copy: { n: number };
  /**
   * ins [] outs [y]: seeded normal samples. Element i depends only on (seed, i) through a
   * u32-only counter hash and Box-Muller (see assembly/random.ts), so both backends can
   * produce the same stream.
   */
  randomNormal: { n: number; seed: number; mean: number; std: number };
  /** ins [] outs [y]: seeded uniform samples in [0, 1), same hash as randomNormal. */
  randomUniform: { n: number; seed: number };
}

/** Output tile of a Winograd conv: 4 = F(4x4, 3x3) (4x fewer multiply-adds), 2 = F(2x2, 3x3) (2.25x, more accurate). */
export type WinogradTile = 2 | 4;

export interface PadAttrs {
  nc: number;
  h: number;
  w: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface BinaryAttrs {
  n: number;
  /** true when input a has a single element broadcast to n */
  broadcastA: boolean;
  /** true when input b has a single element broadcast to n */
  broadcastB: boolean;
}

export type KernelName = keyof KernelAttrs;

/** A kernel on a backend whose storages have type S. */
export type KernelFn<S, K extends KernelName> = (
  inputs: readonly (S | null)[],
  outputs: readonly (S | null)[],
  attrs: KernelAttrs[K],
) => void;

/** A backend's kernel table. Partial: a missing kernel is reported, never faked. */
export type KernelTable<S> = { [K in KernelName]?: KernelFn<S, K> };
