// Weight files that lie about the network: metadata claiming a huge one, keys implying ngf 2048,
// option values of the wrong type, a `__proto__` key. loadModel checks every tensor's shape
// against the network the metadata or keys name before building it, so each is a typed error
// naming the key and the shapes, and no tensor is ever allocated (the engine's live count is
// unchanged). The shape table it checks against is compared here with built networks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine.js';
import { AttributeError, StateDictError } from '../../src/errors.js';
import { ArchitectureError } from '../../src/io/errors.js';
import { buildModel, type ModelSpec } from '../../src/cyclegan/weights/architectures.js';
import { expectedTensors } from '../../src/cyclegan/weights/expected_shapes.js';
import { loadModel } from '../../src/cyclegan/weights/load_model.js';
import { writeSafetensors } from '../../src/io/safetensors.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm', seed: 3 });
});
afterAll(() => engine?.dispose());

/** A safetensors file of zero-filled tensors of these shapes, with this metadata. */
function file(shapes: Record<string, number[]>, metadata: Record<string, string> = {}): Uint8Array {
  const tensors: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const [k, s] of Object.entries(shapes)) tensors[k] = { data: new Float32Array(s.reduce((a, d) => a * d, 1)), shape: s };
  return writeSafetensors(tensors, { metadata });
}

/** loadModel's error, with the check that nothing was allocated on the way. */
async function refused(bytes: Uint8Array, options: Parameters<typeof loadModel>[2] = {}): Promise<Error> {
  const before = engine.memory().liveTensors;
  const t0 = performance.now();
  const err = await loadModel(engine, bytes, options).then(
    () => null,
    (e: unknown) => e,
  );
  console.log(`${bytes.length}-byte file refused in ${(performance.now() - t0).toFixed(1)} ms: ${String(err).slice(0, 160)}`);
  expect(err).toBeInstanceOf(Error);
  expect(engine.memory().liveTensors).toBe(before);
  return err as Error;
}

describe('the shape table loadModel checks against', () => {
  const specs: ModelSpec[] = [
    { kind: 'GeneratorResNet', options: { inputShape: [3, 16, 16], nResidualBlocks: 2 } },
    { kind: 'GeneratorResNet', options: { inputShape: [1, 8, 8], nResidualBlocks: 0 } },
    { kind: 'Discriminator', options: { inputShape: [2, 32, 32] } },
    { kind: 'ResnetGenerator', options: { inputNc: 3, outputNc: 1, ngf: 4, nBlocks: 2, useDropout: true } },
    { kind: 'ResnetGenerator', options: { inputNc: 1, outputNc: 3, ngf: 2, nBlocks: 1, useDropout: false } },
    { kind: 'NLayerDiscriminator', options: { inputNc: 3, ndf: 4, nLayers: 1 } },
    { kind: 'NLayerDiscriminator', options: { inputNc: 3, ndf: 2, nLayers: 5 } },
  ];
  for (const spec of specs) {
    it(`is the state_dict of a built ${spec.kind} ${JSON.stringify(spec.options)}`, () => {
      const net = buildModel(engine, spec);
      try {
        const built = Object.entries(net.stateDict()).map(([k, t]) => [k, [...t.shape]]);
        expect([...expectedTensors(spec)]).toEqual(built);
      } finally {
        net.dispose();
      }
    });
  }
});

describe('lying weight files', () => {
  it('a ~190-byte file whose metadata claims a million residual blocks', async () => {
    const meta = { kind: 'GeneratorResNet', options: JSON.stringify({ inputShape: [3, 256, 256], nResidualBlocks: 1_000_000 }) };
    const bytes = file({ 'model.1.bias': [1] }, meta);
    expect(bytes.length).toBeLessThan(256);
    const err = await refused(bytes);
    expect(err).toBeInstanceOf(StateDictError);
    expect(String(err)).toMatch(/model\.1\.weight \[64, 3, 7, 7\]/);
    expect(String(err)).toMatch(/model\.1\.bias: expected shape \[64\], got \[1\]/);
    expect(String(err)).toMatch(/would hold more than 1048578 parameters/);
    // Without strict, missing keys no longer bound the network: its size does.
    const loose = await refused(bytes, { strict: false });
    expect(loose).toBeInstanceOf(StateDictError); // the one tensor it has is still the wrong shape
    const none = await refused(file({}, meta), { strict: false });
    expect(none).toBeInstanceOf(StateDictError);
    expect(String(none)).toMatch(/missing keys: model\.1\.weight \[64, 3, 7, 7\].*would hold more than 1048576 parameters/);
  });

  it('a 1.2 MB file whose keys imply ngf 2048 (inferred, no metadata)', async () => {
    // model.10.weight marks the original layout (its first transposed conv with no blocks).
    const bytes = file({ 'model.1.weight': [2048, 3, 7, 7], 'model.10.weight': [1, 1, 1, 1], 'model.17.weight': [3, 1, 7, 7] });
    expect(bytes.length).toBeGreaterThan(1_200_000);
    for (const strict of [true, false]) {
      const err = await refused(bytes, { strict });
      expect(err).toBeInstanceOf(StateDictError);
      expect(String(err)).toMatch(/ResnetGenerator .*"ngf":2048/);
      expect(String(err)).toMatch(/missing keys: model\.1\.bias \[2048\], model\.4\.weight \[4096, 2048, 3, 3\]/);
      expect(String(err)).toMatch(/would hold more than \d+ parameters \(at 'model\.4\.weight'/);
      expect((err as StateDictError).missing).toEqual(['model.1.bias', 'model.4.weight']);
    }
  });

  it('metadata claiming ngf 2048 over a small honest network', async () => {
    const meta = { kind: 'ResnetGenerator', options: JSON.stringify({ inputNc: 3, outputNc: 3, ngf: 2048, nBlocks: 9 }) };
    const err = await refused(file({ 'model.1.weight': [4, 3, 7, 7], 'model.1.bias': [4] }, meta));
    expect(err).toBeInstanceOf(StateDictError);
    expect(String(err)).toMatch(/model\.1\.weight: expected shape \[2048, 3, 7, 7\], got \[4, 3, 7, 7\]/);
  });

  it('option values of the wrong type and unknown option keys in metadata', async () => {
    const typed = await refused(file({}, { kind: 'ResnetGenerator', options: '{"inputNc":3,"outputNc":3,"ngf":"abc"}' }));
    expect(typed).toBeInstanceOf(AttributeError);
    expect(String(typed)).toMatch(/ngf must be an integer >= 1, got string "abc"/);
    for (const key of ['__proto__', 'constructor', 'toString']) {
      const err = await refused(file({}, { kind: 'NLayerDiscriminator', options: `{"inputNc":3,"${key}":{"ndf":4096}}` }));
      expect(err).toBeInstanceOf(ArchitectureError);
      expect(String(err)).toMatch(new RegExp(`unknown key "${key}"`));
    }
    expect(({} as Record<string, unknown>).ndf).toBeUndefined();
  });

  it('an honest file still loads, strict and not', async () => {
    const spec: ModelSpec = { kind: 'NLayerDiscriminator', options: { inputNc: 3, ndf: 2, nLayers: 2 } };
    const shapes = Object.fromEntries(expectedTensors(spec));
    const net = await loadModel(engine, file(shapes, { kind: spec.kind, options: JSON.stringify(spec.options) }));
    net.dispose();
    delete shapes['model.5.bias'];
    const notes: string[] = [];
    const partial = await loadModel(engine, file(shapes, { kind: spec.kind, options: JSON.stringify(spec.options) }), {
      strict: false,
      onNote: (n) => notes.push(n),
    });
    expect(notes.join('\n')).toMatch(/missing keys left at their initial values: model\.5\.bias/);
    partial.dispose();
  });
});
