import { defineConfig } from 'tsup';

// ESM and CJS builds with their own declaration files (.d.ts / .d.cts).
// The WebAssembly module is inlined by scripts/build-wasm.mjs as a generated TS module,
// so nothing is fetched at run time and users never configure a .wasm path.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  splitting: false,
  treeshake: true,
});
