// CycleGAN networks: state dict keys, shapes and parameter counts equal PyTorch's (fixture made
// by test/nn/fixtures/make_state_dict_keys.py), forward shapes, memory behaviour, argument
// checks and weights_init_normal. Forward values against PyTorch live in the conformance suite.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttributeError,
  ConvTranspose2d,
  createEngine,
  Discriminator,
  GeneratorResNet,
  initWeightsNormal,
  mean,
  InstanceNorm2d,
  ResidualBlock,
  Sequential,
  ShapeError,
  type Engine,
  type Module,
  type Tensor,
} from '../../src/index.js';

interface ModelFixture {
  keys: [string, number[]][];
  numParameters: number;
  forward: { input: number[]; output: number[] };
}
interface Fixture {
  inputShapes: Record<string, [number, number, number]>;
  nResidualBlocks: Record<string, number>;
  models: Record<string, ModelFixture>;
}
const fixture: Fixture = JSON.parse(readFileSync(new URL('./fixtures/state_dict_keys.json', import.meta.url), 'utf8'));

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm', seed: 3 });
});
afterAll(() => engine.dispose());

const seeded = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 131 + i * 7.3));
const input = (shape: number[], seed = 1): Tensor => engine.tensor(seeded(shape.reduce((a, b) => a * b, 1), seed), shape);

function build(name: string): Module {
  const shape = fixture.inputShapes[name];
  return name.startsWith('generator')
    ? new GeneratorResNet(engine, shape, fixture.nResidualBlocks[name])
    : new Discriminator(engine, shape);
}

const sameValues = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);
const statistics = (v: Float32Array) => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std };
};

describe('state dict layout equals PyTorch-GAN', () => {
  for (const name of Object.keys(fixture.models)) {
    it(`${name}: keys, order, shapes and parameter count`, () => {
      const expected = fixture.models[name];
      const before = engine.memory().liveTensors;
      const model = build(name);
      const actual = Object.entries(model.stateDict()).map(([k, t]) => [k, [...t.shape]]);
      expect(actual).toEqual(expected.keys);
      expect(model.numParameters()).toBe(expected.numParameters);
      expect(model.namedParameters().map(([k]) => k)).toEqual(expected.keys.map(([k]) => k));
      // construction leaves exactly the parameters alive
      expect(engine.memory().liveTensors).toBe(before + expected.keys.length);
      model.dispose();
      expect(engine.memory().liveTensors).toBe(before);
    });
  }

  it('the 9-block RGB generator has 11,378,179 parameters in 48 tensors', () => {
    const g = new GeneratorResNet(engine, [3, 256, 256]);
    expect(g.nResidualBlocks).toBe(9);
    expect(g.numParameters()).toBe(11_378_179);
    expect(g.parameters()).toHaveLength(48);
    expect(g.model.at(10)).toBeInstanceOf(ResidualBlock);
    expect(Object.keys(g.stateDict())).toContain('model.10.block.1.weight');
    expect(Object.keys(g.stateDict())).toContain('model.28.weight');
    g.dispose();
  });
});

describe('forward', () => {
  it('generator and discriminator output shapes match PyTorch (non-square batch)', () => {
    for (const name of ['generator_rgb_2', 'discriminator_rgb', 'discriminator_gray']) {
      const { input: inShape, output } = fixture.models[name].forward;
      const model = build(name);
      const x = input(inShape);
      const y = engine.tidy(() => engine.noGrad(() => model.forward(x)));
      expect(y.shape, name).toEqual(output);
      if (name.startsWith('generator')) {
        const v = y.dataSync();
        expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(1); // tanh
      }
      y.dispose();
      x.dispose();
      model.dispose();
    }
  });

  it('a grayscale generator keeps the image size (pads by 3, where PyTorch-GAN pads by channels)', () => {
    const { input: inShape, output: torchOutput } = fixture.models.generator_gray_6.forward;
    // PyTorch-GAN's ReflectionPad2d(channels) pads 1-channel images by 1 around each 7x7 conv,
    // so each of the two shrinks the image by 4 (its issue #128).
    expect(torchOutput).toEqual([inShape[0], 1, inShape[2] - 8, inShape[3] - 8]);
    const g = new GeneratorResNet(engine, [1, 32, 48], 1);
    const x = input(inShape);
    const y = engine.tidy(() => engine.noGrad(() => g.forward(x)));
    expect(y.shape).toEqual(inShape);
    y.dispose();
    x.dispose();
    g.dispose();
  });

  it('discriminator.outputShape is [1, h/16, w/16]', () => {
    const d = new Discriminator(engine, [3, 64, 128]);
    expect(d.outputShape).toEqual([1, 4, 8]);
    d.dispose();
  });

  it('a wrong channel count is the op\'s ShapeError', () => {
    const g = new GeneratorResNet(engine, [3, 16, 16], 1);
    const d = new Discriminator(engine, [3, 32, 32]);
    const x = input([1, 1, 32, 32]);
    const before = engine.memory().liveTensors;
    expect(() => engine.tidy(() => g.forward(x))).toThrow(ShapeError);
    expect(() => engine.tidy(() => d.forward(x))).toThrow(ShapeError);
    expect(engine.memory().liveTensors).toBe(before);
    // without tidy, under noGrad, the failed forward frees its partial result itself
    expect(() => engine.noGrad(() => g.forward(x))).toThrow(/conv2d: .*weight|conv2d: .*x/);
    expect(engine.memory().liveTensors).toBe(before);
    x.dispose();
    g.dispose();
    d.dispose();
  });
});

describe('memory', () => {
  it('a tidy\'d forward under noGrad leaves nothing behind', () => {
    const g = new GeneratorResNet(engine, [3, 16, 16], 2);
    const x = input([2, 3, 16, 16]);
    const before = engine.memory();
    const sum = engine.tidy(() => engine.noGrad(() => g.forward(x).dataSync().length));
    expect(sum).toBe(2 * 3 * 16 * 16);
    const after = engine.memory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.liveBytes).toBe(before.liveBytes);
    x.dispose();
    g.dispose();
  });

  it('under noGrad, intermediates are freed as the forward goes: only the output stays', () => {
    const g = new GeneratorResNet(engine, [3, 16, 16], 2);
    const x = input([1, 3, 16, 16]);
    const before = engine.memory().liveTensors;
    const y = engine.noGrad(() => g.forward(x));
    expect(engine.memory().liveTensors).toBe(before + 1);
    expect(x.isDisposed).toBe(false);
    y.dispose();
    // Frozen parameters and an input without grad: nothing records a graph, so the same holds.
    g.setRequiresGrad(false);
    const y2 = g.forward(x);
    expect(y2.requiresGrad).toBe(false);
    expect(engine.memory().liveTensors).toBe(before + 1);
    y2.dispose();
    x.dispose();
    g.dispose();
  });

  it('with grad on, forward keeps what backward needs; a tidy\'d step leaves only the gradients', () => {
    const g = new GeneratorResNet(engine, [3, 32, 32], 1);
    const d = new Discriminator(engine, [3, 32, 32]);
    const x = input([1, 3, 32, 32]);
    const before = engine.memory().liveTensors;
    engine.tidy(() => {
      const score = d.forward(g.forward(x));
      expect(score.shape).toEqual([1, 1, 2, 2]);
      mean(score).backward();
    });
    const params = [...g.parameters(), ...d.parameters()];
    for (const p of params) expect(p.grad?.shape).toEqual(p.shape);
    expect(engine.memory().liveTensors).toBe(before + params.length);
    // The discriminator's last bias gets d mean(score) / d bias = 1.
    expect(d.parameters().at(-1)!.grad!.dataSync()[0]).toBeCloseTo(1, 6);
    g.zeroGrad();
    d.zeroGrad();
    expect(engine.memory().liveTensors).toBe(before);
    x.dispose();
    g.dispose();
    d.dispose();
  });
});

describe('arguments', () => {
  it('bad inputShape or nResidualBlocks is an AttributeError naming the argument', () => {
    const before = engine.memory().liveTensors;
    const cases: [() => unknown, RegExp][] = [
      [() => new GeneratorResNet(engine, [3, 30, 32]), /GeneratorResNet: inputShape .*multiples of 4.*\[3,30,32\]/],
      [() => new GeneratorResNet(engine, [3, 32.5, 32] as never), /GeneratorResNet: inputShape/],
      [() => new GeneratorResNet(engine, [0, 32, 32]), /GeneratorResNet: inputShape/],
      [() => new GeneratorResNet(engine, [32, 32] as never), /GeneratorResNet: inputShape/],
      [() => new GeneratorResNet(engine, [3, 32, 32], -1), /GeneratorResNet: nResidualBlocks/],
      [() => new GeneratorResNet(engine, [3, 32, 32], 2.5), /GeneratorResNet: nResidualBlocks/],
      [() => new Discriminator(engine, [3, 256, 100]), /Discriminator: inputShape .*multiples of 16/],
      [() => new Discriminator(engine, [3, 8, 8]), /Discriminator: inputShape/],
      [() => new Discriminator(engine, [3, 16, 16]), /Discriminator: inputShape .*\(height\/16\)\*\(width\/16\) > 1/],
      [() => new Discriminator(engine, '3x256x256' as never), /Discriminator: inputShape/],
      [() => new GeneratorResNet([3, 32, 32] as never, [3, 32, 32]), /GeneratorResNet: engine/],
    ];
    for (const [make, message] of cases) {
      expect(make).toThrow(AttributeError);
      expect(make).toThrow(message);
    }
    expect(engine.memory().liveTensors).toBe(before);
  });
});

describe('initWeightsNormal', () => {
  it('conv weights ~ N(0, 0.02), conv biases 0, in place; seeded runs repeat', () => {
    const d = new Discriminator(engine, [3, 32, 32]);
    const params = d.parameters();
    const before = engine.memory().liveTensors;
    expect(initWeightsNormal(d, { seed: 5 })).toBe(d);
    expect(d.parameters()).toEqual(params);
    expect(engine.memory().liveTensors).toBe(before);
    for (const [key, t] of d.namedParameters()) {
      const v = t.dataSync();
      if (key.endsWith('bias')) {
        expect(v.every((x) => x === 0), key).toBe(true);
      } else if (t.size > 1000) {
        const { mean, std } = statistics(v);
        expect(Math.abs(mean), key).toBeLessThan(0.003);
        expect(std, key).toBeGreaterThan(0.018);
        expect(std, key).toBeLessThan(0.022);
      }
      expect(t.requiresGrad).toBe(true);
    }
    const first = d.parameters().map((p) => p.dataSync());
    initWeightsNormal(d, { seed: 5 });
    d.parameters().forEach((p, i) => expect(sameValues(p.dataSync(), first[i])).toBe(true));
    initWeightsNormal(d, { seed: 6 });
    expect(sameValues(d.parameters()[0].dataSync(), first[0])).toBe(false);
    // different tensors of one call draw different values
    const w2 = d.stateDict()['model.2.weight'].dataSync().subarray(0, 8);
    const w5 = d.stateDict()['model.5.weight'].dataSync().subarray(0, 8);
    expect(Array.from(w2)).not.toEqual(Array.from(w5));
    d.dispose();
  });

  it('covers ConvTranspose2d and affine norms (weight ~ N(1, std)), with a custom std', () => {
    const net = new Sequential(
      new ConvTranspose2d(engine, 64, 32, 4, { stride: 2 }),
      new InstanceNorm2d(engine, 4096, { affine: true }),
    );
    initWeightsNormal(net, { std: 0.1 });
    const sd = net.stateDict();
    const w = statistics(sd['0.weight'].dataSync());
    expect(Math.abs(w.mean)).toBeLessThan(0.01);
    expect(w.std).toBeGreaterThan(0.095);
    expect(w.std).toBeLessThan(0.105);
    expect(sd['0.bias'].dataSync().every((x) => x === 0)).toBe(true);
    const n = statistics(sd['1.weight'].dataSync());
    expect(Math.abs(n.mean - 1)).toBeLessThan(0.01);
    expect(n.std).toBeGreaterThan(0.09);
    expect(n.std).toBeLessThan(0.11);
    expect(sd['1.bias'].dataSync().every((x) => x === 0)).toBe(true);
    expect(() => initWeightsNormal(net, { std: -1 })).toThrow(AttributeError);
    expect(() => initWeightsNormal(net, { seed: 1.5 })).toThrow(/initWeightsNormal: seed/);
    net.dispose();
  });
});
