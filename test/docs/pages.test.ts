// The docs as pages: a README a newcomer reads in minutes, links that lead somewhere, and
// source comments that cite only files of this repository.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docPages, ROOT } from './blocks.js';

const README_MAX_BYTES = 12 * 1024;

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (['node_modules', 'results', '.cache', 'fixtures'].includes(e.name)) return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

describe('the docs as pages', () => {
  it(`README.md is at most ${README_MAX_BYTES / 1024} KB`, () => {
    expect(statSync(join(ROOT, 'README.md')).size).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it('has every page the README links to, and no relative link or anchor leads nowhere', () => {
    for (const f of ['api', 'training', 'workers', 'web', 'weights', 'cli', 'benchmarks', 'design']) {
      expect(existsSync(join(ROOT, 'docs', `${f}.md`)), `docs/${f}.md`).toBe(true);
    }
    for (const page of docPages()) {
      const text = readFileSync(join(ROOT, page), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [path, hash] = target.split('#');
        const file = path ? join(ROOT, dirname(page), path) : join(ROOT, page);
        expect(existsSync(file), `${page}: link ${target}`).toBe(true);
        if (hash && file.endsWith('.md')) {
          const headings = [...readFileSync(file, 'utf8').matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]));
          expect(headings, `${page}: anchor #${hash} in ${path || page}`).toContain(hash);
        }
      }
    }
  });

  it('source comments cite files of this repository only (no DESIGN.md outside docs/design.md)', () => {
    const offenders: string[] = [];
    for (const top of ['src', 'test', 'assembly', 'kernels', 'bench', 'scripts', 'examples']) {
      if (!existsSync(join(ROOT, top))) continue;
      for (const file of walk(join(ROOT, top))) {
        if (!/\.(ts|mts|js|mjs|cjs|py|wgsl|html|sh)$/.test(file) || file.endsWith('pages.test.ts')) continue;
        if (readFileSync(file, 'utf8').includes('DESIGN.md')) offenders.push(file.slice(ROOT.length + 1));
      }
    }
    expect(offenders).toEqual([]);
  });
});
