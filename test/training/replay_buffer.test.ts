// ReplayBuffer: PyTorch-GAN's push_and_pop rule, image by image, with copies and no leaks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttributeError, createEngine, type Engine, type Tensor } from '../../src/index.js';
import { ReplayBuffer, RngReplayRandom, type ReplayRandom } from '../../src/cyclegan/replay_buffer.js';
import { Rng } from '../../src/random/rng.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm' });
});
afterAll(() => engine.dispose());

/** A batch of n 1x1x2 images whose values are the given ids (id, id + 0.5). */
const batch = (...ids: number[]): Tensor =>
  engine.tensor(Float32Array.from(ids.flatMap((i) => [i, i + 0.5])), [ids.length, 1, 1, 2]);
const ids = (t: Tensor): number[] => {
  const v = t.dataSync();
  return Array.from({ length: t.shape[0] }, (_, i) => v[2 * i]);
};

/** A scripted random source that records the calls. */
function scripted(uniforms: number[], randints: number[]): ReplayRandom & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    uniform() {
      calls.push('uniform');
      return uniforms.shift()!;
    },
    randint(low, high) {
      calls.push(`randint(${low}, ${high})`);
      return randints.shift()!;
    },
  };
}

describe('ReplayBuffer', () => {
  it('stores and returns the new images until full, then swaps with probability 0.5, image by image', () => {
    const random = scripted([0.7, 0.2, 0.51, 0.5], [1, 0]);
    const buf = new ReplayBuffer(engine, 3, random);
    const before = engine.memory().liveTensors;
    const take = (...x: number[]): number[] =>
      engine.tidy(() => {
        const input = batch(...x);
        const out = buf.pushAndPop(input);
        expect(out.shape).toEqual(input.shape);
        expect(out.requiresGrad).toBe(false);
        return ids(out);
      });
    expect(take(1, 2)).toEqual([1, 2]); // below max_size: stored and returned, no draws
    expect(random.calls).toEqual([]);
    // 3 fills the buffer; 4 then meets a full buffer: uniform 0.7 > 0.5 -> randint(0, 2) = 1 -> returns 2, stores 4
    expect(take(3, 4)).toEqual([3, 2]);
    expect(random.calls).toEqual(['uniform', 'randint(0, 2)']);
    // 5: uniform 0.2 -> itself; 6: uniform 0.51 -> randint 0 -> returns 1; 7: uniform 0.5 (not > 0.5) -> itself
    expect(take(5, 6, 7)).toEqual([5, 1, 7]);
    expect(random.calls).toEqual(['uniform', 'randint(0, 2)', 'uniform', 'uniform', 'randint(0, 2)', 'uniform']);
    expect(buf.length).toBe(3);
    // Stored: [6, 4, 3]; the buffer holds exactly its three copies.
    expect(engine.memory().liveTensors).toBe(before + 3);
    buf.dispose();
    expect(engine.memory().liveTensors).toBe(before);
  });

  it('keeps copies: the pushed batch may be disposed or changed', async () => {
    const buf = new ReplayBuffer(engine, 2, scripted([0.9], [0]));
    const x = batch(8);
    engine.tidy(() => buf.pushAndPop(x)).dispose();
    x.dispose();
    const out = buf.pushAndPop(batch(9).detach()); // buffer has room: returns 9
    expect(ids(out)).toEqual([9]);
    out.dispose();
    const [stored] = await buf.snapshot();
    expect(Array.from(stored)).toEqual([8, 8.5]);
    buf.dispose();
  });

  it('an image stored and evicted within one batch is freed once', () => {
    const before = engine.memory().liveTensors;
    const buf = new ReplayBuffer(engine, 1, scripted([0.9, 0.9], [0, 0]));
    const out = engine.tidy(() => buf.pushAndPop(batch(1, 2, 3)));
    expect(ids(out)).toEqual([1, 1, 2]);
    out.dispose();
    buf.dispose();
    expect(engine.memory().liveTensors).toBe(before);
  });

  it('with the default Rng source, a seed reproduces the decisions and restore() reloads the images', async () => {
    const run = async (): Promise<number[][]> => {
      const buf = new ReplayBuffer(engine, 2, new RngReplayRandom(new Rng(42)));
      const seen: number[][] = [];
      for (let i = 0; i < 6; i++) {
        const out = engine.tidy(() => buf.pushAndPop(batch(i * 2, i * 2 + 1)));
        seen.push(ids(out));
        out.dispose();
      }
      const snap = await buf.snapshot();
      const copy = new ReplayBuffer(engine, 2);
      copy.restore(snap, [1, 1, 1, 2]);
      expect(await copy.snapshot()).toEqual(snap);
      copy.dispose();
      buf.dispose();
      return seen;
    };
    expect(await run()).toEqual(await run());
  });

  it('refuses an empty buffer and a bad randint', () => {
    expect(() => new ReplayBuffer(engine, 0)).toThrow(AttributeError);
    const buf = new ReplayBuffer(engine, 1, { uniform: () => 1, randint: () => 5 });
    engine.tidy(() => buf.pushAndPop(batch(1)));
    expect(() => engine.tidy(() => buf.pushAndPop(batch(2)))).toThrow(/randint must be an integer in \[0, 0\]/);
    expect(buf.length).toBe(1);
    buf.dispose();
  });
});
