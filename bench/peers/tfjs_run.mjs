// Times the cases on TensorFlow.js (any backend already set with tf.setBackend), with the same
// benchmark.js settings as the engine. Browser-safe: `tf`, Benchmark and the weights come in.
import { timeCase, timeOnce } from '../lib/measure.mjs';
import { PeerCannot, buildDiscriminator, buildGenerator, buildOpCase } from './tfjs_cases.mjs';

/**
 * `weights(kind, blocks)` gives the PyTorch-layout state dict ({ key: { data, shape } }) the
 * engine's networks were initialised with. `plan(case)` as in bench/lib/engine_suite.mjs.
 */
export async function runTfjsCases({ tf, Benchmark, cases, weights, sampling, plan = () => ({ mode: 'sample' }), onceAbove = Infinity, onResult = () => {} }) {
  const backendName = tf.getBackend();
  const results = [];
  for (const c of cases) {
    const base = { id: c.id, group: c.kind ? 'e2e' : 'op', flop: c.flop ?? 0, bytes: c.bytes ?? 0 };
    let r;
    let dispose = () => {};
    try {
      let p = plan(c);
      if (p.mode === 'skip') throw new PeerCannot(p.reason);
      let call;
      if (!c.kind) {
        const built = buildOpCase(tf, c, backendName);
        call = built.call;
        dispose = built.dispose;
      } else if (c.kind === 'trainStep') {
        // The training step needs every conv weight gradient.
        if (!tf.getKernel('Conv2DBackpropFilter', backendName)) {
          throw new PeerCannot(`no training step: tfjs-backend-${backendName} has no Conv2DBackpropFilter kernel`);
        }
        throw new PeerCannot('no training step: the reference loop is not ported to TF.js here (forward cases only)');
      } else {
        const net = c.kind === 'generator'
          ? buildGenerator(tf, weights('generator', c.blocks), c.blocks)
          : buildDiscriminator(tf, weights('discriminator'));
        const x = tf.randomNormal([1, c.size, c.size, 3], 0, 0.5, 'float32', 5);
        call = () => net(x);
        dispose = () => x.dispose();
      }
      // data() waits for the backend (a no-op wait on WASM, the GPU queue on WebGPU)
      const fn = async () => {
        const y = tf.tidy(call);
        const ys = Array.isArray(y) ? y : [y];
        await Promise.all(ys.map((t) => t.data()));
        ys.forEach((t) => t.dispose());
      };
      const w0 = performance.now();
      await fn(); // warm-up: kernels compile, weights upload
      const warm = (performance.now() - w0) / 1e3;
      if (p.mode === 'sample' && warm > onceAbove) p = { mode: 'once', reason: `single timed run (one call takes ${warm.toFixed(0)} s)` };
      const t = p.mode === 'once' ? await timeOnce(fn, { warmup: 0 }) : await timeCase(Benchmark, fn, { ...sampling(c), warmup: 0 });
      r = { ...base, ...t, ...(p.reason ? { note: p.reason } : {}) };
    } catch (e) {
      r = e instanceof PeerCannot ? { ...base, skipped: e.message } : { ...base, error: String(e?.message ?? e).split('\n')[0] };
    } finally {
      dispose();
    }
    results.push(r);
    onResult(r);
  }
  return results;
}
