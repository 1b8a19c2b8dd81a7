// Options of the wrong type are typed errors naming the type they got, never a silent NaN or a
// string kept where a boolean belongs; unknown option keys are own-property lookups, so
// `__proto__` and `constructor` are unknown; and a `__proto__` key in a checkpoint's JSON
// reaches no prototype.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine.js';
import { AttributeError, DTypeError } from '../../src/errors.js';
import { conv2d } from '../../src/ops/conv2d.js';
import { Conv2d } from '../../src/nn/conv.js';
import { resolveOptions, type CycleGANOptions } from '../../src/cyclegan/options.js';
import { CycleGANTrainer } from '../../src/cyclegan/trainer.js';
import { decodeCheckpoint } from '../../src/cyclegan/checkpoint.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm', seed: 7 });
});
afterAll(() => engine?.dispose());

function fails(fn: () => unknown, type: new (...args: never[]) => Error, message: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(type);
  expect(String(err)).toMatch(message);
}

describe('typed options of tensor creation', () => {
  it('full, randn, rand: a string where a number belongs', () => {
    fails(() => engine.full([3], 'abc' as unknown as number), AttributeError, /full: value must be a number, got string "abc"/);
    fails(() => engine.randn([3], { std: 'abc' as unknown as number }), AttributeError, /randn: std must be a finite number >= 0, got string "abc"/);
    fails(() => engine.randn([3], { mean: NaN }), AttributeError, /randn: mean must be a finite number, got NaN/);
    fails(() => engine.randn([3], { seed: '1' as unknown as number }), AttributeError, /randn: seed must be an integer in \[0, 2\^32\), got string "1"/);
    fails(() => engine.rand([3], { seed: 1.5 }), AttributeError, /rand: seed must be an integer in \[0, 2\^32\), got 1\.5/);
    fails(() => engine.zeros([3], 'x' as never), AttributeError, /full: options must be an options object, got string "x"/);
    // NaN and infinities are numbers: full takes them, as torch.full does.
    const inf = engine.full([2], Infinity);
    expect([...inf.dataSync()]).toEqual([Infinity, Infinity]);
    inf.dispose();
    expect(engine.memory().liveTensors).toBe(0);
  });

  it('tensor: an element that is not a number names its index and type', () => {
    fails(() => engine.tensor(['a', 1] as unknown as number[], [2]), DTypeError, /tensor: data\[0\] must be a number, got string "a"/);
    fails(() => engine.tensor([1, null] as unknown as number[], [2]), DTypeError, /data\[1\] must be a number, got null/);
    fails(() => engine.tensor([1, 2n] as unknown as number[], [2]), DTypeError, /data\[1\] must be a number, got bigint 2n/);
    expect(engine.memory().liveTensors).toBe(0);
  });

  it("requiresGrad: 'yes' is an error, in options and in the setter", () => {
    const yes = 'yes' as unknown as boolean;
    fails(() => engine.tensor([1, 2], [2], { requiresGrad: yes }), AttributeError, /tensor: requiresGrad must be a boolean, got string "yes"/);
    fails(() => engine.zeros([2], { requiresGrad: yes }), AttributeError, /requiresGrad must be a boolean, got string "yes"/);
    fails(() => engine.randn([2], { requiresGrad: 1 as unknown as boolean }), AttributeError, /requiresGrad must be a boolean, got 1/);
    const t = engine.zeros([2], { requiresGrad: true });
    fails(() => {
      t.requiresGrad = yes;
    }, AttributeError, /Tensor: requiresGrad must be a boolean, got string "yes"/);
    expect(t.requiresGrad).toBe(true);
    t.dispose();
  });

  it('a string stride "2" is reported as a string, not as 2', () => {
    const x = engine.randn([1, 1, 4, 4]);
    const w = engine.randn([1, 1, 3, 3]);
    fails(() => conv2d(x, w, null, { stride: '2' as unknown as number }), AttributeError, /conv2d: stride must be an integer >= 1, got string "2"/);
    fails(() => new Conv2d(engine, 1, 1, 3, { stride: '2' as unknown as number }), AttributeError, /stride must be an integer >= 1, got string "2"/);
    fails(() => new Conv2d(engine, 1, 1, 3, { bias: 'yes' as unknown as boolean }), AttributeError, /bias must be a boolean, got string "yes"/);
    x.dispose();
    w.dispose();
  });
});

describe('unknown keys are own-property lookups', () => {
  it('__proto__, constructor and toString are unknown trainer options', () => {
    for (const json of ['{"__proto__": {"lr": 5}}', '{"constructor": 1}', '{"toString": 2}', '{"hasOwnProperty": 3}']) {
      const parsed = JSON.parse(json) as CycleGANOptions;
      fails(() => resolveOptions(parsed), AttributeError, /must be one of the known options .*, got an unknown option/);
    }
    // A typed value is named by its type here too.
    fails(() => resolveOptions({ lr: '0.1' as unknown as number }), AttributeError, /lr must be a finite number >= 0, got string "0\.1"/);
    const o = resolveOptions({ nEpochs: 3, decayEpoch: 1 });
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
  });

  it("a __proto__ key in a checkpoint's JSON reaches no prototype", async () => {
    const trainer = new CycleGANTrainer(engine, { imgHeight: 32, imgWidth: 32, nResidualBlocks: 0, nEpochs: 2, decayEpoch: 1 });
    const bytes = await trainer.checkpointBytes();
    trainer.dispose();
    const { tensors, metadata } = readSafetensors(bytes);
    const meta = JSON.parse(metadata.checkpoint) as { options: Record<string, unknown> };
    const json = JSON.stringify(meta).replace('"options":{', '"options":{"__proto__":{"polluted":true,"lr":9},"constructor":{"x":1},');
    expect(json).toContain('"__proto__"');
    const hostile = writeSafetensors(tensors, { metadata: { ...metadata, checkpoint: json } });

    const state = decodeCheckpoint(hostile);
    expect(Object.getPrototypeOf(state.options)).toBe(Object.prototype);
    expect(Object.hasOwn(state.options, '__proto__')).toBe(false);
    expect(Object.hasOwn(state.options, 'constructor')).toBe(false);
    const resumed = await CycleGANTrainer.resume(engine, hostile);
    try {
      expect(Object.getPrototypeOf(resumed.options)).toBe(Object.prototype);
      expect((resumed.options as unknown as Record<string, unknown>).polluted).toBeUndefined();
      expect(resumed.options.lr).toBe(0.0002);
    } finally {
      resumed.dispose();
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
