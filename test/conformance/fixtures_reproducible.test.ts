// The committed fixtures are provably PyTorch's: this regenerates them with
// /usr/bin/python3 test/fixtures/make_fixtures.py into a temporary directory and checks that
// they equal the committed files. Without torch the test is skipped, except on CI (CI=true),
// where it fails, since the fixtures would otherwise go unverified.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compare, decode, FIXTURE_DIR, type FixtureArray } from '../helpers/conformance.js';

// FIXTURES_PYTHON overrides the interpreter (to test the no-torch path); Debian's is the oracle.
const PYTHON = process.env.FIXTURES_PYTHON || '/usr/bin/python3';
const SCRIPT = join(FIXTURE_DIR, 'make_fixtures.py');
const SUBDIRS = ['ops', 'models'];
const INSTALL_HINT = 'install it with `apt-get install python3-torch` (Debian torch 1.13 for /usr/bin/python3)';
const onCI = !!process.env.CI && !['false', '0'].includes(process.env.CI.toLowerCase());

function torchProbe(): { ok: boolean; detail: string } {
  const r = spawnSync(PYTHON, ['-c', 'import numpy, torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { ok: false, detail: `${PYTHON} could not be run (${r.error.message})` };
  if (r.status !== 0) {
    const last = (r.stderr || '').trim().split('\n').pop() ?? '';
    return { ok: false, detail: `${PYTHON} cannot import torch (${last})` };
  }
  return { ok: true, detail: `torch ${r.stdout.trim()}` };
}

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const sub of SUBDIRS) {
    let names: string[] = [];
    try {
      names = readdirSync(join(dir, sub));
    } catch {
      continue;
    }
    for (const f of names.sort()) if (f.endsWith('.json')) out.push(`${sub}/${f}`);
  }
  return out;
}

const isArray = (v: unknown): v is FixtureArray =>
  !!v && typeof v === 'object' && 'b64' in v && 'shape' in v && Object.keys(v).length === 2;

/**
 * When the bytes differ (another CPU's kernels may round differently, or another torch
 * version wrote the note), walks both documents: everything but the version note must be
 * identical, and every array must agree to rounding level (1e-5 on the suite's metric).
 */
function structuralDiff(path: string, committed: unknown, regenerated: unknown, out: string[]): void {
  if (out.length > 20) return;
  if (isArray(committed) && isArray(regenerated)) {
    if (committed.b64 === regenerated.b64 && committed.shape.join() === regenerated.shape.join()) return;
    const c = compare(path, decode(regenerated), regenerated.shape, decode(committed), committed.shape, 1e-5, [
      'regenerated',
      'committed',
    ]);
    if (!c.ok) out.push(c.detail);
    return;
  }
  if (Array.isArray(committed) && Array.isArray(regenerated)) {
    if (committed.length !== regenerated.length) {
      out.push(`${path}: ${committed.length} entries committed, ${regenerated.length} regenerated`);
      return;
    }
    committed.forEach((v, i) => structuralDiff(`${path}[${i}]`, v, regenerated[i], out));
    return;
  }
  if (committed && regenerated && typeof committed === 'object' && typeof regenerated === 'object') {
    const a = committed as Record<string, unknown>;
    const b = regenerated as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      // torch32_err is PyTorch float32's distance from the float64 oracle: it is the CPU's own.
      if (k === 'generated_by' || k === 'torch_version' || k === 'torch32_err') continue;
      if (!(k in a) || !(k in b)) out.push(`${path}.${k}: only in the ${k in a ? 'committed' : 'regenerated'} file`);
      else structuralDiff(`${path}.${k}`, a[k], b[k], out);
    }
    return;
  }
  if (committed !== regenerated) out.push(`${path}: committed ${JSON.stringify(committed)}, regenerated ${JSON.stringify(regenerated)}`);
}

describe('fixtures are reproducible from PyTorch', () => {
  let tmp: string | null = null;
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('make_fixtures.py regenerates exactly the committed test/fixtures/{ops,models}/*.json', (ctx) => {
    const probe = torchProbe();
    if (!probe.ok) {
      const reason = `${probe.detail}; ${INSTALL_HINT}`;
      if (onCI) throw new Error(`CI=true requires PyTorch to verify the fixtures: ${reason}`);
      ctx.skip(reason);
    }
    tmp = mkdtempSync(join(tmpdir(), 'cyclegan-fixtures-'));
    const started = Date.now();
    const r = spawnSync(PYTHON, [SCRIPT, tmp], { encoding: 'utf8', timeout: 110_000 });
    if (r.error || r.status !== 0) {
      throw new Error(`make_fixtures.py failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}`);
    }
    const seconds = (Date.now() - started) / 1000;

    const committed = jsonFiles(FIXTURE_DIR);
    const regenerated = jsonFiles(tmp);
    expect(committed.length, 'committed fixture files').toBeGreaterThan(0);
    expect(committed, 'the fixture files make_fixtures.py writes (run `npm run fixtures`)').toEqual(regenerated);

    const problems: string[] = [];
    const inexact: string[] = [];
    for (const rel of committed) {
      const a = readFileSync(join(FIXTURE_DIR, rel));
      const b = readFileSync(join(tmp, rel));
      if (a.equals(b)) continue;
      inexact.push(rel);
      const diffs: string[] = [];
      structuralDiff(rel, JSON.parse(a.toString('utf8')), JSON.parse(b.toString('utf8')), diffs);
      problems.push(...diffs);
    }
    if (problems.length) {
      throw new Error(
        `the committed fixtures differ from what ${probe.detail} produces (edit make_fixtures.py, ` +
          `then run \`npm run fixtures\` and commit the result; never edit the JSON by hand):\n  ${problems.join('\n  ')}`,
      );
    }
    if (inexact.length) {
      // Same content to rounding level, different bytes: another CPU or torch build.
      console.warn(`fixtures equal to rounding level but not byte for byte (${probe.detail}): ${inexact.join(', ')}`);
    }
    expect(seconds).toBeLessThan(110);
  });
});
