// One JS peer in a process of its own (so that its WASM heap, threads and globals never
// disturb the engine's or another peer's timings, and ORT's thread count, fixed at its first
// session, can differ per run):
//
//   node bench/peers/child.mjs tfjs-wasm|ort-wasm SPEC.json OUT.json
//
// SPEC: { cases, threads, sampling: { op, e2e }, weightsDir, onnxDir }. Prints one JSON line
// per result (progress) and writes { info, results } to OUT.json.
import { readFileSync, writeFileSync } from 'node:fs';
import Benchmark from 'benchmark';

const [peer, specPath, outPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const sampling = (c) => (c.kind ? spec.sampling.e2e : spec.sampling.op);
const onResult = (r) => console.log(JSON.stringify({ progress: r }));
const onceAbove = spec.onceAbove ?? Infinity;

function readSafetensors(path) {
  const raw = readFileSync(path);
  const n = Number(raw.readBigUInt64LE(0));
  const header = JSON.parse(raw.subarray(8, 8 + n).toString('utf8'));
  const out = {};
  for (const [key, v] of Object.entries(header)) {
    if (key === '__metadata__') continue;
    const [a, b] = v.data_offsets;
    const bytes = raw.subarray(8 + n + a, 8 + n + b);
    out[key] = { data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), shape: v.shape };
  }
  return out;
}

let info;
let results;
if (peer === 'tfjs-wasm') {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  await tf.ready();
  const { runTfjsCases } = await import('./tfjs_run.mjs');
  info = {
    version: tf.version_core,
    backend: 'wasm',
    simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    multithread: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
    threads: 1,
    note: 'tfjs-backend-wasm runs single-threaded in Node',
  };
  const weights = (kind, blocks) => readSafetensors(`${spec.weightsDir}/${kind === 'generator' ? `generator_${blocks}` : 'discriminator'}.safetensors`);
  results = await runTfjsCases({ tf, Benchmark, cases: spec.cases, weights, sampling, onceAbove, onResult });
  results.forEach((r) => (r.threads = 1));
} else if (peer === 'ort-wasm') {
  const { ortInfo, runOrtCases } = await import('./ort.mjs');
  const { ort, version } = await ortInfo();
  const onnxPath = (c) => `${spec.onnxDir}/${c.kind === 'generator' ? `generator_${c.blocks}_${c.size}` : `discriminator_${c.size}`}.onnx`;
  results = await runOrtCases({ ort, Benchmark, cases: spec.cases, onnxPath, threads: spec.threads, sampling, onceAbove, onResult });
  info = { version, backend: 'wasm', simd: true, threads: spec.threads };
} else {
  throw new Error(`unknown peer ${peer}`);
}
writeFileSync(outPath, JSON.stringify({ info, results }));
process.exit(0); // ORT's worker threads would keep the process alive
