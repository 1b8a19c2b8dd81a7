// The Node example of the worker API in docs/workers.md runs as printed, against the built
// package (imported by its name: Node resolves `cyclegan-engine` to this package's own exports).
// The page marks it `<!-- run elsewhere: test/worker/readme.test.ts -->` (test/docs/blocks.ts).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { requireBuiltWorker } from './helpers.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const PAGE = 'docs/workers.md';
const MARKER = '<!-- run elsewhere: test/worker/readme.test.ts -->';

function workerExample(): string {
  const page = readFileSync(`${ROOT}${PAGE}`, 'utf8');
  const at = page.indexOf(MARKER);
  if (at < 0) throw new Error(`${PAGE} has no block marked ${MARKER}`);
  const block = /```js\n([\s\S]*?)```/.exec(page.slice(at));
  if (!block) throw new Error(`${PAGE}: no js block after ${MARKER}`);
  return block[1];
}

describe('docs/workers.md: workers in Node', () => {
  it('runs the example and prints what its comments say', async () => {
    requireBuiltWorker();
    const code = workerExample();
    expect(code).toContain("from 'cyclegan-engine'");
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, timeout: 120_000 });
    const lines = stdout.trim().split('\n');
    // Every "// expected" comment of the example, in order, is a line it printed.
    const expected = [...code.matchAll(/console\.log\('(\w+)'[^\n]*?\/\/ (\1 [^\n]+)$/gm)].map((m) => m[2].trim());
    expect(expected).toEqual(['step true 0', 'fit completed 4', 'image 32 32 4096', "model [ 'AtoB' ] 3072", 'closed true']);
    for (const line of expected) expect(lines).toContain(line);
    // Progress came (first and last step at least) and fit handed over its checkpoint.
    const progress = lines.filter((l) => /^batch \d\/4 lossG \d+\.\d{3}$/.test(l));
    expect(progress[0]).toMatch(/^batch 1\/4/);
    expect(progress[progress.length - 1]).toMatch(/^batch 4\/4/);
    expect(lines).toContain('checkpoint true');
  });
});
