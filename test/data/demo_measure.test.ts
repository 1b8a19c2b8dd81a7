// The demo's printed measure (src/data/builtin_measure.ts) on a shortened demo run through the
// CLI's own code path (runDemo): after a few dozen steps the translations have moved towards
// the target domain on the statistic a short run learns first, the background brightness (A's
// light to B's dark and back), and B->A has dropped most of B's stripe amplitude. The stripes
// A->B take the full demo (see docs/demo/); a short run is not asserted on them. Writes into a
// temporary folder; the outputs listed by the demo must exist.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/commands/demo.js';

const out = mkdtempSync(join(tmpdir(), 'cyclegan-demo-measure-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it('a shortened demo moves held-out translations towards the target domain, and says so', async () => {
  const result = await runDemo(
    { out, steps: 30, size: 32, blocks: 0, batchSize: 1, lr: 0.001, sampleInterval: 30, translations: 2, maxMinutes: 0, seed: 0, backend: 'wasm' },
    { quiet: true, threads: 1 },
  );
  expect(result.steps).toBe(30);
  const [ab, ba] = result.measures;
  expect([ab.direction, ba.direction]).toEqual(['AtoB', 'BtoA']);
  // The domains differ on both statistics, so progress is defined and a number.
  expect(ab.background.source - ab.background.target).toBeGreaterThan(0.5);
  expect(ab.stripes.target - ab.stripes.source).toBeGreaterThan(0.05);
  // Fake B's background is over half of the way from real A's to real B's, fake A's likewise back.
  expect(ab.background.progress).toBeGreaterThan(0.5);
  expect(ba.background.progress).toBeGreaterThan(0.5);
  // Fake A has lost over half of B's stripe amplitude.
  expect(ba.stripes.progress).toBeGreaterThan(0.5);
  for (const f of ['translations_AtoB.png', 'translations_BtoA.png', 'losses.svg', 'G_AB.safetensors', join('samples', 'step_000000.png')]) {
    expect(existsSync(join(out, f)), f).toBe(true);
  }
}, 600_000);
