import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Points Dawn at SwiftShader's Vulkan driver when no GPU is present (see the file).
    setupFiles: ['test/setup/webgpu-env.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores on CI: run files in parallel on two workers.
    maxWorkers: 2,
  },
});
