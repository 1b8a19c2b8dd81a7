// fit.ts and trainer_state.ts depend on narrow interfaces of the trainer (FitHost, TrainerParts),
// not on CycleGANTrainer: neither reaches trainer.ts through its imports (type-only ones
// included), so trainer.ts, fit.ts and trainer_state.ts form no import cycle.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const p of [/\b(?:import|export)\s[^;]*?\sfrom\s*['"](\.[^'"]+)['"]/g, /\bimport\s*\(\s*['"](\.[^'"]+)['"]\s*\)/g]) {
    for (const m of text.matchAll(p)) {
      const target = resolve(dirname(file), m[1]).replace(/\.js$/, '.ts');
      if (existsSync(target)) out.push(target);
    }
  }
  return out;
}

/** The import path from `from` to `to` through src/, or null when there is none. */
function pathBetween(from: string, to: string): string[] | null {
  const seen = new Set([from]);
  const queue: string[][] = [[from]];
  while (queue.length) {
    const path = queue.shift()!;
    for (const next of relativeImports(path[path.length - 1])) {
      if (next === to) return [...path, next].map((f) => relative(src, f));
      if (!seen.has(next)) {
        seen.add(next);
        queue.push([...path, next]);
      }
    }
  }
  return null;
}

describe('the fit loop and the training state do not depend on the trainer', () => {
  const trainer = join(src, 'cyclegan/trainer.ts');
  it('the trainer imports both (the check would see an edge)', () => {
    expect(pathBetween(trainer, join(src, 'cyclegan/fit.ts'))).not.toBeNull();
    expect(pathBetween(trainer, join(src, 'cyclegan/trainer_state.ts'))).not.toBeNull();
  });
  it.each(['cyclegan/fit.ts', 'cyclegan/trainer_state.ts'])('%s does not reach trainer.ts', (file) => {
    expect(pathBetween(join(src, file), trainer)).toBeNull();
  });
});
