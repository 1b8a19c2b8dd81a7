// nn.Module and the layers: registration and PyTorch names, state dicts (in-place loading and
// strict errors), modes, gradients, disposal, default initialization and argument checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttributeError,
  Conv2d,
  ConvTranspose2d,
  createEngine,
  DisposedTensorError,
  Dropout,
  InstanceNorm2d,
  LeakyReLU,
  Module,
  ReflectionPad2d,
  ReLU,
  Sequential,
  StateDictError,
  Tanh,
  Upsample,
  ZeroPad2d,
  type Engine,
  type Tensor,
} from '../../src/index.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm', seed: 7 });
});
afterAll(() => engine.dispose());

const seeded = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 131 + i * 7.3) * 2);
const input = (shape: number[], seed = 1): Tensor => engine.tensor(seeded(shape.reduce((a, b) => a * b, 1), seed), shape);
const shapes = (m: Module) => Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.shape]]);

/** A small net with a nested Sequential and a bias-free conv, like PyTorch's keys would show. */
function smallNet(): Sequential {
  return new Sequential(
    new ReflectionPad2d(1),
    new Conv2d(engine, 3, 4, 3),
    new InstanceNorm2d(engine, 4, { affine: true }),
    new ReLU(),
    new Sequential(new Conv2d(engine, 4, 2, 1, { bias: false }), new Tanh()),
  );
}

describe('Module registration and names', () => {
  it('names Sequential children 0, 1, ... and nests keys with dots, in PyTorch order', () => {
    const net = smallNet();
    expect(shapes(net)).toEqual([
      ['1.weight', [4, 3, 3, 3]],
      ['1.bias', [4]],
      ['2.weight', [4]],
      ['2.bias', [4]],
      ['4.0.weight', [2, 4, 1, 1]],
    ]);
    expect(net.namedParameters().map(([k]) => k)).toEqual(Object.keys(net.stateDict()));
    expect(net.namedModules().map(([k, m]) => `${k}:${m.constructor.name}`)).toEqual([
      ':Sequential',
      '0:ReflectionPad2d',
      '1:Conv2d',
      '2:InstanceNorm2d',
      '3:ReLU',
      '4:Sequential',
      '4.0:Conv2d',
      '4.1:Tanh',
    ]);
    expect(net.length).toBe(5);
    expect(net.at(-1)).toBeInstanceOf(Sequential);
    expect([...net].length).toBe(5);
    expect(() => net.at(5)).toThrow(AttributeError);
    net.dispose();
  });

  it('stateDict holds the parameter tensors themselves, which require grad', () => {
    const conv = new Conv2d(engine, 2, 3, 3);
    const sd = conv.stateDict();
    expect(sd.weight).toBe(conv.weight);
    expect(sd.bias).toBe(conv.bias);
    expect(conv.parameters()).toEqual([conv.weight, conv.bias]);
    for (const p of conv.parameters()) {
      expect(p.requiresGrad).toBe(true);
      expect(p.isLeaf).toBe(true);
    }
    expect(conv.numParameters()).toBe(2 * 3 * 9 + 3);
    conv.setRequiresGrad(false);
    expect(conv.numParameters({ trainableOnly: true })).toBe(0);
    conv.dispose();
  });

  it('a custom module registers parameters and submodules like torch.nn.Module', () => {
    class Net extends Module {
      readonly scale: Tensor;
      readonly body: Conv2d;
      constructor(e: Engine) {
        super(e);
        this.scale = this.registerParameter('scale', e.ones([1], { requiresGrad: true }));
        this.body = this.registerModule('body', new Conv2d(e, 1, 1, 1));
      }
      forward(x: Tensor): Tensor {
        return this.body.forward(x);
      }
    }
    const net = new Net(engine);
    expect(Object.keys(net.stateDict())).toEqual(['scale', 'body.weight', 'body.bias']);
    expect(String(net)).toContain('(body): Conv2d(1, 1');
    net.dispose();
  });

  it('parameters survive an enclosing tidy() and the constructor leaks no temporaries', () => {
    const before = engine.memory().liveTensors;
    const net = engine.tidy(() => smallNet());
    expect(engine.memory().liveTensors).toBe(before + net.parameters().length);
    for (const p of net.parameters()) expect(p.isDisposed).toBe(false);
    net.dispose();
    expect(engine.memory().liveTensors).toBe(before);
  });
});

describe('loadStateDict', () => {
  it('writes values in place, keeping parameter identity', () => {
    const a = new Conv2d(engine, 2, 3, 3);
    const b = new Conv2d(engine, 2, 3, 3);
    const weight = a.weight;
    const result = a.loadStateDict(b.stateDict());
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(a.weight).toBe(weight);
    expect(Array.from(a.weight.dataSync())).toEqual(Array.from(b.weight.dataSync()));
    expect(Array.from(a.bias!.dataSync())).toEqual(Array.from(b.bias!.dataSync()));
    expect(a.weight.requiresGrad).toBe(true);
    a.dispose();
    b.dispose();
  });

  it('accepts { data, shape } values (Float32Array or number[]) and tensors of another engine', async () => {
    const conv = new Conv2d(engine, 1, 2, 1);
    conv.loadStateDict({
      weight: { data: new Float32Array([0.5, -1.5]), shape: [2, 1, 1, 1] },
      bias: { data: [3, 4], shape: [2] },
    });
    expect(Array.from(conv.weight.dataSync())).toEqual([0.5, -1.5]);
    expect(Array.from(conv.bias!.dataSync())).toEqual([3, 4]);

    const other = await createEngine({ backend: 'wasm' });
    try {
      const w = other.tensor([7, 8], [2, 1, 1, 1]);
      const b = other.tensor([9, 10], [2]);
      conv.loadStateDict({ weight: w, bias: b });
      expect(Array.from(conv.weight.dataSync())).toEqual([7, 8]);
      expect(Array.from(conv.bias!.dataSync())).toEqual([9, 10]);
    } finally {
      other.dispose();
    }
    conv.dispose();
  });

  it('strict: names missing and unexpected keys with their shapes, and writes nothing', () => {
    const net = smallNet();
    const before = net.at(1) as Conv2d;
    const original = Array.from(before.weight.dataSync());
    const state: Record<string, Tensor | { data: number[]; shape: number[] }> = { ...net.stateDict() };
    const replacement = engine.zeros([4, 3, 3, 3]);
    state['1.weight'] = replacement;
    delete state['2.bias'];
    state['9.weight'] = { data: [1, 2], shape: [2] };
    let err: StateDictError | undefined;
    try {
      net.loadStateDict(state);
    } catch (e) {
      err = e as StateDictError;
    }
    expect(err).toBeInstanceOf(StateDictError);
    expect(err!.missing).toEqual(['2.bias']);
    expect(err!.unexpected).toEqual(['9.weight']);
    expect(err!.mismatched).toEqual([]);
    expect(err!.message).toMatch(/missing keys: 2\.bias \[4\]/);
    expect(err!.message).toMatch(/unexpected keys: 9\.weight \[2\]/);
    // Nothing was loaded: the valid 1.weight was not written either.
    expect(Array.from(before.weight.dataSync())).toEqual(original);

    // Not strict: the matching keys load, and the others are reported.
    const result = net.loadStateDict(state, { strict: false });
    expect(result).toEqual({ missingKeys: ['2.bias'], unexpectedKeys: ['9.weight'] });
    expect(Array.from(before.weight.dataSync()).every((v) => v === 0)).toBe(true);
    replacement.dispose();
    net.dispose();
  });

  it('shape mismatches are errors even when not strict, naming expected and actual shapes', () => {
    const conv = new Conv2d(engine, 3, 4, 3);
    const bad = { weight: { data: new Float32Array(4 * 3 * 3 * 2), shape: [4, 3, 3, 2] }, bias: conv.bias! };
    for (const strict of [true, false]) {
      let err: StateDictError | undefined;
      try {
        conv.loadStateDict(bad, { strict });
      } catch (e) {
        err = e as StateDictError;
      }
      expect(err).toBeInstanceOf(StateDictError);
      expect(err!.mismatched).toEqual(['weight']);
      expect(err!.message).toContain('weight: expected shape [4, 3, 3, 3], got [4, 3, 3, 2]');
    }
    // data that does not fill its shape is refused too
    expect(() => conv.loadStateDict({ weight: { data: [1, 2, 3], shape: [4, 3, 3, 3] }, bias: conv.bias! })).toThrow(
      /weight: shape \[4, 3, 3, 3\] needs 108 values, data has 3/,
    );
    expect(() => conv.loadStateDict({ weight: 'nope' as never, bias: conv.bias! })).toThrow(StateDictError);
    expect(() => conv.loadStateDict({ ...conv.stateDict(), toString: conv.bias! })).toThrow(/unexpected keys: toString \[4\]/);
    const gone = engine.zeros([4]);
    gone.dispose();
    const weightBefore = conv.weight.dataSync();
    const zeros = { data: new Float32Array(108), shape: [4, 3, 3, 3] };
    expect(() => conv.loadStateDict({ weight: zeros, bias: gone })).toThrow(DisposedTensorError);
    expect(conv.weight.dataSync()).toEqual(weightBefore); // nothing written
    conv.dispose();
  });
});

describe('modes, gradients and disposal', () => {
  it('train()/eval() propagate to every descendant, and Dropout follows them', () => {
    const drop = new Dropout(0.5);
    const net = new Sequential(new Sequential(drop), new ReLU());
    expect(net.training).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => !m.training)).toBe(true);
    const x = engine.tensor(Float32Array.from({ length: 4096 }, (_, i) => 1 + (i % 7)), [1, 4, 32, 32]);
    const xs = x.dataSync();

    const evalOut = engine.tidy(() => net.forward(x).dataSync());
    expect(Array.from(evalOut)).toEqual(Array.from(xs));

    net.train();
    expect(drop.training).toBe(true);
    const trainOut = engine.tidy(() => net.forward(x).dataSync());
    let zeros = 0;
    trainOut.forEach((v, i) => {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(xs[i] * 2, 5);
    });
    expect(zeros / trainOut.length).toBeGreaterThan(0.4);
    expect(zeros / trainOut.length).toBeLessThan(0.6);
    net.train(false);
    expect(drop.training).toBe(false);
    x.dispose();
  });

  it('zeroGrad drops gradients; dispose frees parameters and gradients', () => {
    const before = engine.memory().liveTensors;
    const conv = new Conv2d(engine, 2, 2, 3, { padding: 1 });
    const x = input([1, 2, 5, 5]);
    engine.tidy(() => {
      const y = conv.forward(x);
      // sum via a 1x1 conv would be overkill: backward with an explicit gradient
      y.backward(engine.ones(y.shape));
    });
    expect(conv.weight.grad?.shape).toEqual([2, 2, 3, 3]);
    expect(conv.bias!.grad?.shape).toEqual([2]);
    // d/dbias of sum(y) = number of output positions
    expect(Array.from(conv.bias!.grad!.dataSync())).toEqual([25, 25]);
    conv.zeroGrad();
    expect(conv.weight.grad).toBeNull();
    engine.tidy(() => {
      const y = conv.forward(x);
      y.backward(engine.ones(y.shape));
    });
    conv.dispose();
    x.dispose();
    expect(conv.weight.isDisposed).toBe(true);
    expect(engine.memory().liveTensors).toBe(before);
  });
});

describe('layers', () => {
  it('Conv2d/ConvTranspose2d: PyTorch shapes and default init bounds 1/sqrt(fanIn)', () => {
    const conv = new Conv2d(engine, 16, 8, [3, 5], { stride: [2, 1], padding: [1, 2] });
    expect(conv.weight.shape).toEqual([8, 16, 3, 5]);
    const bound = 1 / Math.sqrt(16 * 3 * 5);
    const w = conv.weight.dataSync();
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-bound);
    // uniform over the whole range: extremes near the bound, mean near 0, variance bound^2/3
    expect(Math.max(...w)).toBeGreaterThan(0.95 * bound);
    expect(Math.min(...w)).toBeLessThan(-0.95 * bound);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const variance = w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length;
    expect(Math.abs(mean)).toBeLessThan(0.1 * bound);
    expect(variance).toBeGreaterThan(0.85 * (bound * bound) / 3);
    expect(variance).toBeLessThan(1.15 * (bound * bound) / 3);
    expect(Math.max(...conv.bias!.dataSync().map(Math.abs))).toBeLessThanOrEqual(bound);
    const y = engine.tidy(() => conv.forward(input([2, 16, 9, 10])));
    expect(y.shape).toEqual([2, 8, 5, 10]);
    y.dispose();

    // A transposed conv's weight is [in, out, kh, kw] and PyTorch's fan-in is weight.size(1)*kh*kw.
    const up = new ConvTranspose2d(engine, 32, 4, 3, { stride: 2, padding: 1, outputPadding: 1 });
    expect(up.weight.shape).toEqual([32, 4, 3, 3]);
    const tBound = 1 / Math.sqrt(4 * 9);
    const tw = up.weight.dataSync();
    expect(Math.max(...tw.map(Math.abs))).toBeLessThanOrEqual(tBound);
    expect(Math.max(...tw.map(Math.abs))).toBeGreaterThan(0.9 * tBound);
    const z = engine.tidy(() => up.forward(input([1, 32, 5, 6])));
    expect(z.shape).toEqual([1, 4, 10, 12]);
    z.dispose();
    conv.dispose();
    up.dispose();
  });

  it('two modules draw different weights; the same engine seed draws the same ones', async () => {
    const a = new Conv2d(engine, 2, 2, 3);
    const b = new Conv2d(engine, 2, 2, 3);
    expect(Array.from(a.weight.dataSync())).not.toEqual(Array.from(b.weight.dataSync()));
    const e1 = await createEngine({ backend: 'wasm', seed: 99 });
    const e2 = await createEngine({ backend: 'wasm', seed: 99 });
    try {
      expect(Array.from(new Conv2d(e1, 2, 2, 3).weight.dataSync())).toEqual(
        Array.from(new Conv2d(e2, 2, 2, 3).weight.dataSync()),
      );
    } finally {
      e1.dispose();
      e2.dispose();
    }
    a.dispose();
    b.dispose();
  });

  it('InstanceNorm2d: no parameters by default; affine gives weight ones and bias zeros', () => {
    expect(new InstanceNorm2d(engine, 5).parameters()).toEqual([]);
    expect(new InstanceNorm2d(null, 5).stateDict()).toEqual({});
    const norm = new InstanceNorm2d(engine, 3, { affine: true, eps: 1e-3 });
    expect(Object.keys(norm.stateDict())).toEqual(['weight', 'bias']);
    expect(Array.from(norm.weight!.dataSync())).toEqual([1, 1, 1]);
    expect(Array.from(norm.bias!.dataSync())).toEqual([0, 0, 0]);
    expect(norm.weight!.requiresGrad).toBe(true);
    const y = engine.tidy(() => norm.forward(input([2, 3, 4, 4])));
    expect(y.shape).toEqual([2, 3, 4, 4]);
    // each plane is normalized: mean ~ 0
    const v = y.dataSync();
    for (let p = 0; p < 6; p++) {
      const plane = v.subarray(p * 16, p * 16 + 16);
      expect(Math.abs(plane.reduce((a, b) => a + b, 0) / 16)).toBeLessThan(1e-5);
    }
    y.dispose();
    norm.dispose();
  });

  it('pads, Upsample and activations give PyTorch output shapes', () => {
    const x = input([1, 2, 4, 6]);
    const cases: [Module, number[]][] = [
      [new ReflectionPad2d(3), [1, 2, 10, 12]],
      [new ReflectionPad2d([1, 2, 0, 3]), [1, 2, 7, 9]],
      [new ZeroPad2d([1, 0, 1, 0]), [1, 2, 5, 7]],
      [new Upsample(), [1, 2, 8, 12]],
      [new Upsample({ scaleFactor: 3 }), [1, 2, 12, 18]],
      [new ReLU(), [1, 2, 4, 6]],
      [new LeakyReLU(0.2), [1, 2, 4, 6]],
      [new Tanh(), [1, 2, 4, 6]],
    ];
    for (const [m, shape] of cases) {
      const y = engine.tidy(() => m.forward(x));
      expect(y.shape, m.toString()).toEqual(shape);
      y.dispose();
    }
    const zp = engine.tidy(() => new ZeroPad2d([1, 0, 1, 0]).forward(x).dataSync());
    expect(Array.from(zp.subarray(0, 7))).toEqual([0, 0, 0, 0, 0, 0, 0]);
    x.dispose();
  });

  it('constructors reject bad arguments with an AttributeError naming them', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => new Conv2d(engine, 0, 4, 3), /Conv2d: inChannels/],
      [() => new Conv2d(engine, 3, 4.5, 3), /Conv2d: outChannels/],
      [() => new Conv2d(engine, 3, 4, [3, 3, 3] as never), /Conv2d: kernelSize/],
      [() => new Conv2d(engine, 3, 4, 3, { stride: 0 }), /Conv2d: stride/],
      [() => new Conv2d(engine, 3, 4, 3, { padding: -1 }), /Conv2d: padding/],
      [() => new Conv2d(engine, 3, 4, 3, { bias: 'yes' as never }), /Conv2d: bias/],
      [() => new ConvTranspose2d(engine, 3, 4, 3, { stride: 2, outputPadding: 2 }), /ConvTranspose2d: outputPadding/],
      [() => new InstanceNorm2d(engine, 0), /InstanceNorm2d: numFeatures/],
      [() => new InstanceNorm2d(engine, 4, { eps: 0 }), /InstanceNorm2d: eps/],
      [() => new InstanceNorm2d(null, 4, { affine: true }), /InstanceNorm2d: engine/],
      [() => new ReflectionPad2d([1, 2] as never), /ReflectionPad2d: padding/],
      [() => new ZeroPad2d(-1), /ZeroPad2d: padding/],
      [() => new Upsample({ scaleFactor: 1.5 }), /Upsample: scaleFactor/],
      [() => new Upsample({ mode: 'bilinear' as never }), /Upsample: mode/],
      [() => new LeakyReLU(Number.NaN), /LeakyReLU: negativeSlope/],
      [() => new Dropout(1.5), /Dropout: p/],
      [() => new Sequential(42 as never), /Sequential: module 0/],
    ];
    const before = engine.memory().liveTensors;
    for (const [make, message] of bad) {
      expect(make).toThrow(AttributeError);
      expect(make).toThrow(message);
    }
    expect(engine.memory().liveTensors).toBe(before);
  });
});
