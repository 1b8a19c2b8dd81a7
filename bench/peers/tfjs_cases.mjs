// TensorFlow.js versions of the benchmark cases, for any TF.js backend (WASM in Node, WebGPU
// and WASM in the browser page): receives `tf` instead of importing it.
//
// TF.js is NHWC with filters [kh, kw, in, out]; the networks are built from the same
// PyTorch-layout weights (safetensors made by bench/peers/weights.mjs) transposed once, so the
// generator and discriminator compute the same function as the engine's. Cases TF.js cannot
// run throw a PeerCannot with the reason, which the table shows instead of a number.

export class PeerCannot extends Error {}

const nhwc = ([n, c, h, w]) => [n, h, w, c];

/** PyTorch conv weight [out, in, kh, kw] as a TF.js filter [kh, kw, in, out]. */
function filter(tf, t) {
  return tf.tidy(() => tf.transpose(tf.tensor(t.data, t.shape), [2, 3, 1, 0]));
}

function instanceNorm(tf, x) {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
}

/** The seed's GeneratorResNet (pad 3, as the engine) from a state dict of `blocks` residual blocks. */
export function buildGenerator(tf, weights, blocks) {
  const conv = (i) => ({ f: filter(tf, weights[`model.${i}.weight`]), b: tf.tensor(weights[`model.${i}.bias`].data) });
  const stem = conv(1), d1 = conv(4), d2 = conv(7);
  const res = [...Array(blocks).keys()].map((i) => [conv(`${10 + i}.block.1`), conv(`${10 + i}.block.5`)]);
  const u1 = conv(11 + blocks), u2 = conv(15 + blocks), out = conv(19 + blocks);
  const c = (x, p, stride, pad) => tf.fused.conv2d({ x, filter: p.f, bias: p.b, strides: stride, pad });
  const reflect = (x, p) => tf.mirrorPad(x, [[0, 0], [p, p], [p, p], [0, 0]], 'reflect');
  const up = (x) => tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2]);
  const forward = (x) => {
    let y = tf.relu(instanceNorm(tf, c(reflect(x, 3), stem, 1, 'valid')));
    y = tf.relu(instanceNorm(tf, c(y, d1, 2, 1)));
    y = tf.relu(instanceNorm(tf, c(y, d2, 2, 1)));
    for (const [a, b] of res) {
      const h = tf.relu(instanceNorm(tf, c(reflect(y, 1), a, 1, 'valid')));
      y = tf.add(y, instanceNorm(tf, c(reflect(h, 1), b, 1, 'valid')));
    }
    y = tf.relu(instanceNorm(tf, c(up(y), u1, 1, 1)));
    y = tf.relu(instanceNorm(tf, c(up(y), u2, 1, 1)));
    return tf.tanh(c(reflect(y, 3), out, 1, 'valid'));
  };
  return forward;
}

/** The seed's PatchGAN Discriminator. */
export function buildDiscriminator(tf, weights) {
  const conv = (i) => ({ f: filter(tf, weights[`model.${i}.weight`]), b: tf.tensor(weights[`model.${i}.bias`].data) });
  const [c0, c2, c5, c8, c12] = [0, 2, 5, 8, 12].map(conv);
  const c = (x, p, stride, pad) => tf.fused.conv2d({ x, filter: p.f, bias: p.b, strides: stride, pad });
  const lrelu = (x) => tf.leakyRelu(x, 0.2);
  return (x) => {
    let y = lrelu(c(x, c0, 2, 1));
    y = lrelu(instanceNorm(tf, c(y, c2, 2, 1)));
    y = lrelu(instanceNorm(tf, c(y, c5, 2, 1)));
    y = lrelu(instanceNorm(tf, c(y, c8, 2, 1)));
    return c(tf.pad(y, [[0, 0], [1, 0], [1, 0], [0, 0]]), c12, 1, 1);
  };
}

/** Conv2DBackpropFilter is not in TF.js's public API; its kernel is called directly. */
function filterGrad(tf, x, dy, filterShape, stride, pad) {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: stride, pad, dataFormat: 'NHWC', filterShape });
}

/**
 * One op case as a TF.js call returning a tensor. Conv weight gradients need
 * Conv2DBackpropFilter, which tfjs-backend-wasm does not have (docs/design.md, "Environment").
 */
export function buildOpCase(tf, c, backendName) {
  const x = tf.randomNormal(nhwc(c.x), 0, 1, 'float32', 1);
  const made = [x];
  let call;
  if (c.op === 'upsampleConv2d') {
    // what TF.js runs for Upsample x2 + Conv2d(k3, p1): resizeNearestNeighbor then the conv;
    // its gradients are autodiff composites (no kernel to call on its own).
    if (c.dir !== 'forward') {
      x.dispose();
      throw new PeerCannot('no fused upsample + conv gradient kernel in TF.js (autodiff composite only)');
    }
    const [cOut, cIn] = c.weight;
    const f = tf.randomNormal([3, 3, cIn, cOut], 0, 0.05, 'float32', 2);
    const b = tf.randomNormal([cOut], 0, 1, 'float32', 3);
    made.push(f, b);
    const size = [c.x[2] * 2, c.x[3] * 2];
    call = () => tf.tidy(() => tf.fused.conv2d({ x: tf.image.resizeNearestNeighbor(x, size), filter: f, bias: b, strides: 1, pad: 'same' }));
  } else if (c.op === 'conv2d' || c.op === 'convTranspose2d') {
    const k = c.weight[2];
    const [cIn, cOut] = c.op === 'conv2d' ? [c.weight[1], c.weight[0]] : [c.weight[0], c.weight[1]];
    if (c.dir === 'gradWeight' && !tf.getKernel('Conv2DBackpropFilter', backendName)) {
      x.dispose();
      throw new PeerCannot(`no Conv2DBackpropFilter kernel in tfjs-backend-${backendName}`);
    }
    if (c.op === 'conv2d') {
      const f = tf.randomNormal([k, k, cIn, cOut], 0, 0.05, 'float32', 2);
      const b = tf.randomNormal([cOut], 0, 1, 'float32', 3);
      made.push(f, b);
      const y = tf.conv2d(x, f, c.stride, c.padding);
      const yShape = y.shape;
      y.dispose();
      const dy = tf.randomNormal(yShape, 0, 1, 'float32', 4);
      made.push(dy);
      if (c.dir === 'forward') call = () => tf.fused.conv2d({ x, filter: f, bias: b, strides: c.stride, pad: c.padding });
      else if (c.dir === 'gradInput') call = () => tf.conv2dTranspose(dy, f, x.shape, c.stride, c.padding);
      else call = () => filterGrad(tf, x, dy, f.shape, c.stride, c.padding);
    } else {
      // the transposed conv is TF.js's conv2dTranspose with filter [kh, kw, out, in]; 'same'
      // gives PyTorch's output size for k3 s2 p1 op1 (TF places the extra row at the other
      // end: the same FLOPs and memory traffic, a shifted window)
      const f = tf.randomNormal([k, k, cOut, cIn], 0, 0.05, 'float32', 2);
      made.push(f);
      const out = [1, c.x[2] * 2, c.x[3] * 2, cOut];
      const dy = tf.randomNormal(out, 0, 1, 'float32', 4);
      made.push(dy);
      if (c.dir === 'forward') call = () => tf.conv2dTranspose(x, f, out, c.stride, 'same');
      else if (c.dir === 'gradInput') call = () => tf.conv2d(dy, f, c.stride, 'same');
      else call = () => filterGrad(tf, dy, x, f.shape, c.stride, 'same');
    }
  } else {
    const fwd = {
      instanceNorm2d: (t) => instanceNorm(tf, t),
      reflectionPad2d: (t) => tf.mirrorPad(t, [[0, 0], [c.pad?.[2], c.pad?.[3]], [c.pad?.[0], c.pad?.[1]], [0, 0]], 'reflect'),
      zeroPad2d: (t) => tf.pad(t, [[0, 0], [c.pad?.[2], c.pad?.[3]], [c.pad?.[0], c.pad?.[1]], [0, 0]]),
      upsampleNearest2d: (t) => tf.image.resizeNearestNeighbor(t, [t.shape[1] * c.scale, t.shape[2] * c.scale]),
    }[c.op];
    if (c.dir === 'forward') call = () => fwd(x);
    else if (c.op === 'upsampleNearest2d') {
      const yShape = tf.tidy(() => fwd(x).shape);
      const dy = tf.randomNormal(yShape, 0, 1, 'float32', 4);
      made.push(dy);
      call = () => tf.engine().runKernel('ResizeNearestNeighborGrad', { images: x, dy }, { alignCorners: false, halfPixelCenters: false });
    } else {
      // TF.js has no kernel for these gradients: its autodiff composes them from other ops, and
      // those gradient registrations (tfjs-core's register_all_gradients) are not loadable by
      // Node's ESM loader without a bundler, nor shipped in tfjs-core's bundles.
      made.forEach((t) => t.dispose());
      throw new PeerCannot(`no ${c.op} gradient kernel in TF.js (autodiff composite only)`);
    }
  }
  return { call, dispose: () => made.forEach((t) => t.dispose()) };
}
