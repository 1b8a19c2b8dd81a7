// saveWeightsAsync writes what saveWeights writes, and works where tensors cannot be read
// synchronously (WebGPU).
import '../setup/webgpu-env.js';
import { describe, expect, it } from 'vitest';
import { Conv2d, createEngine, readSafetensors, saveWeights, saveWeightsAsync, Sequential, InstanceNorm2d } from '../../src/index.js';
import { backends } from '../helpers/backends.js';

describe('saveWeightsAsync', () => {
  it('gives the same bytes as saveWeights on WASM', async () => {
    const engine = await createEngine({ backend: 'wasm', seed: 3 });
    const net = new Sequential(new Conv2d(engine, 3, 4, 3), new InstanceNorm2d(engine, 4, { affine: true }));
    expect(await saveWeightsAsync(net)).toEqual(saveWeights(net));
    engine.dispose();
  });

  for (const { name } of backends) {
    it(`writes every parameter's values on ${name}`, async () => {
      const engine = await createEngine({ backend: name, seed: 5 });
      const net = new Sequential(new Conv2d(engine, 3, 4, 3), new Conv2d(engine, 4, 2, 1, { bias: false }));
      const { tensors } = readSafetensors(await saveWeightsAsync(net, { metadata: { note: 'x' } }));
      const state = net.stateDict();
      expect(Object.keys(tensors)).toEqual(Object.keys(state));
      for (const [key, t] of Object.entries(state)) {
        expect(tensors[key].shape).toEqual([...t.shape]);
        expect(Array.from(tensors[key].data)).toEqual(Array.from(await t.data()));
      }
      engine.dispose();
    });
  }
});
