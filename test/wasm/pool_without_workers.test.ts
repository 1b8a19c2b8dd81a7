// A parallel kernel call never depends on any one worker of the thread pool: the calling
// thread claims units of work until none is left, closes the job and waits only for workers
// that joined it (src/backends/wasm/threads.ts). So a worker that never wakes (descheduled,
// starved, gone) cannot leave the caller blocked in Atomics.wait, and the result is still the
// one-thread result bit for bit. The scenario runs in a child process: a caller blocked for
// ever would otherwise block this test runner too, where no timer can fire.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir = '';
let script = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cyclegan-pool-'));
  script = join(dir, 'scenario.mjs');
  await build({
    entryPoints: [new URL('./scenarios/pool_without_workers.ts', import.meta.url).pathname],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: script,
    logLevel: 'silent',
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runScenario(mode: string): { threads: number; gone: boolean; same: boolean; n: number } {
  const r = spawnSync(process.execPath, [script, mode], { encoding: 'utf8', timeout: 60_000 });
  if (r.error || r.status !== 0) {
    throw new Error(`scenario ${mode} ${r.error ? `failed: ${r.error.message}` : `exited ${r.status} (${r.signal ?? ''})`}\n${r.stderr}`);
  }
  return JSON.parse(r.stdout.trim());
}

describe('wasm thread pool: a call never waits for a worker that does not come', () => {
  it('completes with the one-thread bits when every worker of the pool is gone', () => {
    const r = runScenario('gone');
    expect(r).toMatchObject({ threads: 2, gone: true, same: true });
    expect(r.n).toBeGreaterThan(0);
  }, 90_000);

  it('and with the workers there', () => {
    expect(runScenario('there')).toMatchObject({ threads: 2, gone: false, same: true });
  }, 90_000);
});
