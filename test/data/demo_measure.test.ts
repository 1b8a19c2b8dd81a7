// The demo's printed measure (src/data/builtin_measure.ts) on shortened demo runs through the
// CLI's own code path (runDemo), with the demo's defaults except the number of steps: after one
// step the held-out translations have barely moved; after a few dozen they have moved towards
// the target domain on what a short run learns first, the background (A's light to B's dark
// and back), B->A has dropped most of B's stripes, and the shapes sit where the inputs' were.
// The stripes of A->B take the full demo (see docs/demo/); a short run is not asserted on them.
// Comparing with the one-step run makes the test fail if training stopped moving the measure.
// Writes into temporary folders; the outputs the demo lists must exist.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { DEMO_DEFAULTS, runDemo, type DemoResult } from '../../src/cli/commands/demo.js';

const root = mkdtempSync(join(tmpdir(), 'cyclegan-demo-measure-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const STEPS = 40;

async function demo(steps: number): Promise<DemoResult & { out: string }> {
  const out = join(root, `steps${steps}`);
  const result = await runDemo(
    { ...DEMO_DEFAULTS, out, steps, sampleInterval: steps, translations: 2, maxMinutes: 0, seed: 0, backend: 'wasm' },
    { quiet: true, threads: 1 },
  );
  return { ...result, out };
}

it('a shortened demo moves held-out translations towards the target domain, and says so', async () => {
  const before = await demo(1);
  const after = await demo(STEPS);
  expect([before.steps, after.steps]).toEqual([1, STEPS]);
  const [ab, ba] = after.measures;
  const [ab0, ba0] = before.measures;
  expect([ab.direction, ba.direction]).toEqual(['AtoB', 'BtoA']);
  // The domains differ on both statistics, so progress is defined and a number.
  expect(ab.background.source - ab.background.target).toBeGreaterThan(0.5);
  expect(ab.stripes.target - ab.stripes.source).toBeGreaterThan(0.05);
  // One step has not moved the backgrounds half way; STEPS steps have, both ways.
  expect(ab0.background.progress).toBeLessThan(0.5);
  expect(ba0.background.progress).toBeLessThan(0.5);
  expect(ab.background.progress).toBeGreaterThan(0.8);
  expect(ba.background.progress).toBeGreaterThan(0.8);
  // Fake A has lost most of B's stripe amplitude, and more than after one step.
  expect(ba.stripes.progress).toBeGreaterThan(0.5);
  expect(ba.stripes.progress).toBeGreaterThan(ba0.stripes.progress + 0.2);
  // The shapes stayed where they were: their pixels overlap the inputs' far more than after one step.
  for (const [m, m0] of [[ab, ab0], [ba, ba0]] as const) {
    expect(m.kept!.shapeIoU, m.direction).toBeGreaterThan(0.5);
    expect(m.kept!.shapeIoU, m.direction).toBeGreaterThan(m0.kept!.shapeIoU + 0.2);
  }
  for (const f of ['translations_AtoB.png', 'translations_BtoA.png', 'losses.svg', 'G_AB.safetensors', join('samples', 'step_000000.png')]) {
    expect(existsSync(join(after.out, f)), f).toBe(true);
  }
}, 600_000);
