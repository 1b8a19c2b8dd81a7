// `cyclegan-engine bench` finds bench/run.mjs once, from the package root, and says clearly
// when the package has no bench/ folder (the npm package does not ship it).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findBenchScript, packageRoot } from '../../src/cli/commands/bench.js';
import { CliError } from '../../src/cli/errors.js';

const ROOT = resolve(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'cyclegan-bench-root-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bench script', () => {
  it('is found from the package root, from source as from dist/', () => {
    expect(packageRoot()).toBe(ROOT);
    expect(packageRoot(join(ROOT, 'dist'))).toBe(ROOT);
    expect(findBenchScript()).toBe(join(ROOT, 'bench', 'run.mjs'));
  });

  it('is a clear error in an installed package, which has no bench/ folder', () => {
    const installed = join(dir, 'node_modules', 'cyclegan-engine');
    mkdirSync(join(installed, 'dist'), { recursive: true });
    writeFileSync(join(installed, 'package.json'), JSON.stringify({ name: 'cyclegan-engine' }));
    // A bench/ of the project that installed it, above the package, is not taken for the package's.
    mkdirSync(join(dir, 'bench'));
    writeFileSync(join(dir, 'bench', 'run.mjs'), '');
    expect(packageRoot(join(installed, 'dist'))).toBe(installed);
    const error = (() => {
      try {
        findBenchScript(packageRoot(join(installed, 'dist')));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toContain(join(installed, 'bench', 'run.mjs'));
    expect((error as Error).message).toMatch(/clone of the repository.*--no-suites/);
  });
});
