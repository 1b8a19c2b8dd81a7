// The benchmark cases as plain data, so that every runner (the engine in Node and in the
// browser page, TensorFlow.js, ONNX Runtime, PyTorch through bench/peers/torch_bench.py) times
// exactly the same shapes. No imports: this file also runs in the page's worker.
//
// Shapes are those of PyTorch-GAN's GeneratorResNet and Discriminator at an image size S
// (docs/design.md, "The reference networks"): the 7x7 stem on the reflection-padded image, the two stride-2
// downsamplings, the 256-channel residual convs on their reflection-padded input, the seed's
// Upsample + Conv (also fused, as upsampleConv2d) and the original CycleGAN's ConvTranspose2d, the 7x7 output conv, one of the
// discriminator's 4x4 stride-2 convs, instance norm, the pads and the nearest upsampling.
//
// FLOP counts are exact: 2 x the multiply-adds of the direct algorithm, every kernel tap
// counted (zero padding included, as every framework's FLOP count does). A conv's input
// gradient and weight gradient each perform exactly the forward's multiply-adds, so all three
// directions carry the same count. Ops without multiply-adds (norm, pads, upsampling) carry
// `bytes` instead (float32 read + written by the direct algorithm) and report GB/s.

/** 2 x multiply-adds of conv2d: every output element takes cIn*kh*kw taps. */
export function conv2dFlop(n, cIn, h, w, cOut, k, stride, padding) {
  const oh = Math.floor((h + 2 * padding - k) / stride) + 1;
  const ow = Math.floor((w + 2 * padding - k) / stride) + 1;
  return 2 * n * cOut * oh * ow * cIn * k * k;
}

/** 2 x multiply-adds of convTranspose2d: every input element is spread over cOut*kh*kw outputs. */
export function convTranspose2dFlop(n, cIn, h, w, cOut, k) {
  return 2 * n * cIn * h * w * cOut * k * k;
}

const DIRS_CONV = ['forward', 'gradInput', 'gradWeight'];
const DIRS_OTHER = ['forward', 'gradInput'];

/** The op cases at image size S (a multiple of 16), batch 1. */
export function opCases(S) {
  const q = S / 4;
  const list = [];
  const conv = (label, cIn, h, cOut, k, stride, padding) => {
    for (const dir of DIRS_CONV) {
      list.push({
        op: 'conv2d', dir, label, size: S,
        x: [1, cIn, h, h], weight: [cOut, cIn, k, k], stride, padding,
        flop: conv2dFlop(1, cIn, h, h, cOut, k, stride, padding),
      });
    }
  };
  const convT = (label, cIn, h, cOut) => {
    for (const dir of DIRS_CONV) {
      list.push({
        op: 'convTranspose2d', dir, label, size: S,
        x: [1, cIn, h, h], weight: [cIn, cOut, 3, 3], stride: 2, padding: 1, outputPadding: 1,
        flop: convTranspose2dFlop(1, cIn, h, h, cOut, 3),
      });
    }
  };
  // upsampleConv2d (Upsample x2 + 3x3 conv p1 as four 2x2 phase convs): x is the un-upsampled
  // input, and the FLOP count is the direct algorithm's on the upsampled one (as the '3x3 up'
  // conv2d cases count it), so its GFLOP/s is an effective rate that can exceed the ceiling.
  const subpixel = (label, cIn, h, cOut) => {
    for (const dir of DIRS_CONV) {
      list.push({
        op: 'upsampleConv2d', dir, label, size: S,
        x: [1, cIn, h / 2, h / 2], weight: [cOut, cIn, 3, 3], stride: 1, padding: 1,
        flop: conv2dFlop(1, cIn, h, h, cOut, 3, 1, 1),
      });
    }
  };
  const other = (op, label, x, attrs, outElems) => {
    const inElems = x.reduce((a, b) => a * b, 1);
    for (const dir of DIRS_OTHER) {
      // forward reads x and writes y; the gradient reads dy (and x for the norm) and writes dx
      const extra = op === 'instanceNorm2d' ? inElems : 0;
      const bytes = 4 * (dir === 'forward' ? inElems + outElems : outElems + inElems + extra);
      list.push({ op, dir, label, size: S, x, ...attrs, flop: 0, bytes });
    }
  };
  conv('7x7 stem 3->64', 3, S + 6, 64, 7, 1, 0);
  conv('3x3 s2 64->128', 64, S, 128, 3, 2, 1);
  conv('3x3 s2 128->256', 128, S / 2, 256, 3, 2, 1);
  conv('3x3 residual 256->256', 256, q + 2, 256, 3, 1, 0);
  conv('3x3 up 256->128', 256, S / 2, 128, 3, 1, 1);
  conv('3x3 up 128->64', 128, S, 64, 3, 1, 1);
  subpixel('up x2 + 3x3 256->128 (sub-pixel)', 256, S / 2, 128);
  subpixel('up x2 + 3x3 128->64 (sub-pixel)', 128, S, 64);
  conv('7x7 out 64->3', 64, S + 6, 3, 7, 1, 0);
  conv('D 4x4 s2 64->128', 64, S / 2, 128, 4, 2, 1);
  convT('convT 3x3 s2 256->128', 256, q, 128);
  convT('convT 3x3 s2 128->64', 128, S / 2, 64);
  other('instanceNorm2d', 'IN 64ch', [1, 64, S, S], {}, 64 * S * S);
  other('instanceNorm2d', 'IN 256ch', [1, 256, q, q], {}, 256 * q * q);
  other('reflectionPad2d', 'reflect pad 3, 64ch', [1, 64, S, S], { pad: [3, 3, 3, 3] }, 64 * (S + 6) * (S + 6));
  other('reflectionPad2d', 'reflect pad 1, 256ch', [1, 256, q, q], { pad: [1, 1, 1, 1] }, 256 * (q + 2) * (q + 2));
  other('zeroPad2d', 'zero pad (1,0,1,0), 512ch', [1, 512, S / 16, S / 16], { pad: [1, 0, 1, 0] }, 512 * (S / 16 + 1) ** 2);
  other('upsampleNearest2d', 'upsample x2, 256ch', [1, 256, q, q], { scale: 2 }, 256 * 4 * q * q);
  for (const c of list) c.id = `${c.op} ${c.dir} ${c.label} @${S}`;
  return list;
}

/**
 * End-to-end cases: generator forward (256/9 blocks and 128/6 as the reference uses them),
 * discriminator forward, and one training step of the reference loop at batch 1.
 * `sizes` lets the quick test mode shrink them. FLOPs are counted while the case runs
 * (bench/lib/flops.mjs), so they are the engine's own conv work.
 */
export function e2eCases({ generator = [[256, 9], [128, 6]], discriminator = [256, 128], step = [[64, 6], [128, 6]] } = {}) {
  const list = [];
  for (const [size, blocks] of generator) list.push({ kind: 'generator', size, blocks, id: `generator forward ${blocks} blocks @${size}` });
  for (const size of discriminator) list.push({ kind: 'discriminator', size, id: `discriminator forward @${size}` });
  for (const [size, blocks] of step) list.push({ kind: 'trainStep', size, blocks, id: `training step ${blocks} blocks @${size}` });
  return list;
}

/**
 * Sizes of the memory measurement (bench/lib/memory_step.mjs): [image size, residual blocks],
 * the reference's 9 blocks at every size so that only the activations change.
 */
const MEMORY_SIZES = [[64, 9], [128, 9], [256, 9]];

/** The presets: `quick` is the default of `npm run bench`, `test` is the tiny one of the tests. */
export function preset(name) {
  if (name === 'test') {
    return {
      name, opSizes: [16],
      e2e: { generator: [[32, 1]], discriminator: [32], step: [[32, 1]] },
      samples: { minSamples: 1, maxTime: 0.05 },
      e2eSamples: { minSamples: 1, maxTime: 0.05 },
      onceAbove: Infinity,
      memory: [[32, 1]],
    };
  }
  if (name === 'device') {
    // bench/device/run.sh on a lent GPU machine: everything, in under 7 minutes
    return {
      name, opSizes: [128, 256], e2e: {},
      samples: { minSamples: 3, maxTime: 0.2 },
      e2eSamples: { minSamples: 2, maxTime: 0.3 },
      onceAbove: 3,
      memory: [],
    };
  }
  if (name === 'full') {
    return {
      name, opSizes: [128, 256], e2e: {},
      samples: { minSamples: 5, maxTime: 3 },
      e2eSamples: { minSamples: 3, maxTime: 10 },
      onceAbove: Infinity,
      memory: MEMORY_SIZES,
    };
  }
  return {
    name: 'quick', opSizes: [128, 256], e2e: {},
    samples: { minSamples: 2, maxTime: 0.3 },
    e2eSamples: { minSamples: 2, maxTime: 0.5 },
    onceAbove: 5,
    memory: MEMORY_SIZES,
  };
}
