import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const pkg = JSON.parse(readFileSync('./package.json', 'utf8')) as { version: string };

// The library: ESM and CJS builds with their own declaration files (.d.ts / .d.cts).
// The WebAssembly module and the WGSL kernels are inlined by scripts/build-wasm.mjs as
// generated TS modules, so nothing is fetched at run time and users never configure a path.
// The CLI: one ESM file for Node with a shebang (the `cyclegan-engine` bin).
// The worker (src/worker/worker.ts): one self-contained ESM file, dist/worker.js, next to
// index.js and index.cjs, which start it as `new URL('./worker.js', import.meta.url)` (the CJS
// build gets import.meta.url from tsup's shim). ESM only: Node starts it from either build,
// browsers and bundlers load it as a module worker.
// comlink is bundled (noExternal) so that dist/ has no bare imports: a plain browser ESM import
// of index.js and the worker script both load without an import map or a bundler.
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    splitting: false,
    treeshake: true,
    shims: true,
    noExternal: ['comlink'],
    // Lets src/worker/spawn.ts find dist/worker.js from __filename in the CJS build.
    esbuildOptions(options, { format }) {
      options.define = { ...options.define, __CYCLEGAN_CJS_BUILD__: format === 'cjs' ? 'true' : 'false' };
    },
  },
  {
    entry: { worker: 'src/worker/worker.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    clean: false,
    target: 'es2022',
    platform: 'neutral',
    splitting: false,
    treeshake: true,
    noExternal: ['comlink'],
  },
  {
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    // Only the first build cleans dist/, or the two would wipe each other's output.
    clean: false,
    target: 'es2022',
    platform: 'node',
    splitting: false,
    treeshake: true,
    define: { __CLI_VERSION__: JSON.stringify(pkg.version) },
  },
]);
