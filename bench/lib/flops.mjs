// FLOPs of what the engine really computed in an end-to-end case, counted from the kernels it
// dispatched: 2 x multiply-adds of every convolution kernel (forward, input and weight
// gradients, both conv families), from the geometry each kernel receives. Elementwise ops,
// norms and Adam are not counted (they are memory-bound and a rounding error in the total).
// Counting at dispatch makes the figure exact for any network or training loop, with no
// hand-kept formula to drift from the code. Kernels that do fewer multiply-adds than the direct
// algorithm (upsampleConv2d: four 2x2 phase convs instead of a 3x3 conv on the upsampled image)
// count the direct algorithm's, so their rate is an effective one and networks compare across
// algorithms.

// The Winograd kernels count the direct algorithm's multiply-adds (they compute the same conv
// with about 4x fewer): rates from these counts are "effective" and can exceed the ceiling.
const CONV = new Set(['conv2d', 'conv2dGradInput', 'conv2dGradWeight', 'conv2dWinograd', 'conv2dGradInputWinograd']);
const CONV_T = new Set(['convTranspose2d', 'convTranspose2dGradInput', 'convTranspose2dGradWeight']);
const UPSAMPLE_CONV = new Set(['upsampleConv2d', 'upsampleConv2dWinograd', 'upsampleConv2dGradInput', 'upsampleConv2dGradWeight']);

export function kernelFlop(kernel, a) {
  if (CONV.has(kernel)) return 2 * a.n * a.cOut * a.oh * a.ow * a.cIn * a.kh * a.kw;
  if (CONV_T.has(kernel)) return 2 * a.n * a.cIn * a.h * a.w * a.cOut * a.kh * a.kw;
  // x [n, cIn, h, w] upsampled to 2h x 2w, then 9 taps per output element
  if (UPSAMPLE_CONV.has(kernel)) return 2 * a.n * a.cOut * (2 * a.h) * (2 * a.w) * a.cIn * 9;
  return 0;
}

/**
 * Runs `fn` (async) once while counting the conv FLOPs the engine dispatches. Wraps the
 * engine's internal runKernel (every op goes through it) and restores it afterwards.
 */
export async function countFlops(engine, fn) {
  const original = engine.runKernel;
  const own = Object.prototype.hasOwnProperty.call(engine, 'runKernel');
  let flop = 0;
  engine.runKernel = function (op, kernel, inputs, outShapes, attrs) {
    flop += kernelFlop(kernel, attrs);
    return original.call(this, op, kernel, inputs, outShapes, attrs);
  };
  try {
    await fn();
  } finally {
    if (own) engine.runKernel = original;
    else delete engine.runKernel; // back to the class's method
  }
  return flop;
}
