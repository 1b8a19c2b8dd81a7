// The README's main job starts in a fresh clone with `npx cyclegan-engine demo`, and a clone has
// no dist/ (nothing builds at install time): bin/cyclegan-engine.mjs builds it on its first run.
// Here: a copy of the repository's tracked files with no dist/ (node_modules linked), whose bin
// must build the kernels and the bundles (without the .d.ts types, which only TypeScript
// consumers need: `npm run build` makes them) and then run the command, its output on stdout
// and the build's on stderr.
import { spawnSync, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'cyclegan-clone-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bin in a clone without dist/', () => {
  it('builds dist/ once (no types), then runs the command', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const f of files) {
      if (!existsSync(join(root, f))) continue; // deleted in the working tree
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      cpSync(join(root, f), join(dir, f));
    }
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    expect(existsSync(join(dir, 'dist'))).toBe(false);

    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'cyclegan-engine.mjs'), '--version'], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
    const seconds = (performance.now() - t0) / 1000;
    console.log(`first run in a clone: built dist/ and ran --version in ${seconds.toFixed(1)} s`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/no dist\/ in this clone yet: building it once/);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    for (const f of ['cli.js', 'index.js', 'index.cjs', 'worker.js', 'wasm.js']) expect(existsSync(join(dir, 'dist', f)), f).toBe(true);
    expect(existsSync(join(dir, 'dist', 'index.d.ts'))).toBe(false);

    // The second run builds nothing.
    const again = spawnSync(process.execPath, [join(dir, 'bin', 'cyclegan-engine.mjs'), '--version'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(again.status).toBe(0);
    expect(again.stderr).not.toMatch(/building/);
  }, 660_000);
});
