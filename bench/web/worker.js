// The benchmark page's worker (a classic worker: importScripts loads the UMD bundles of
// benchmark.js and TF.js, which are not ES modules; import() then loads the library from
// /dist/index.js and the suite code shared with Node).
/* global importScripts */
importScripts(
  '/node_modules/lodash/lodash.min.js',
  '/node_modules/platform/platform.js',
  '/node_modules/benchmark/benchmark.js',
  '/node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js',
  '/node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js',
  '/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js',
);
self.tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');

self.onmessage = async ({ data }) => {
  const post = (m) => self.postMessage(m);
  try {
    const { runPageBenchmark } = await import('./suite.mjs');
    const results = await runPageBenchmark({ presetName: data.preset, post });
    post({ type: 'done', results });
  } catch (e) {
    post({ type: 'error', message: String(e?.stack ?? e) });
  }
};
