// The bundle-time WGSL expansion (scripts/wgsl-templates.mjs): every kernel in kernels/ expands
// with nothing left over, templates are never kernels of their own, and a slip in an instance
// (a missing or unused value) is a build error naming the file.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { expandKernel } from '../../scripts/wgsl-templates.mjs';

const expand = expandKernel as (name: string, source: string, templateDir: string) => string;
const kernels = resolve(dirname(fileURLToPath(import.meta.url)), '../../kernels');
const templates = join(kernels, 'templates');

function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'wgsl-templates-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, `${name}.wgsl`), text);
  return dir;
}

describe('WGSL templates', () => {
  const names = readdirSync(kernels).filter((f) => f.endsWith('.wgsl')).map((f) => f.slice(0, -5));

  it.each(names)('kernels/%s.wgsl expands to plain WGSL', (name) => {
    const out = expand(name, readFileSync(join(kernels, `${name}.wgsl`), 'utf8'), templates);
    expect(out).not.toMatch(/\[\[\w+\]\]|^\s*\/\/#|@binding\(#\)/m);
    expect(out).toMatch(/@compute/);
    const bindings = [...out.matchAll(/@binding\((\d+)\)/g)].map((m) => Number(m[1]));
    expect(bindings).toEqual(bindings.map((_, i) => i));
  });

  it('the elementwise families differ only in what their instances set', () => {
    const add = expand('add', readFileSync(join(kernels, 'add.wgsl'), 'utf8'), templates);
    const sub = expand('sub', readFileSync(join(kernels, 'sub.wgsl'), 'utf8'), templates);
    expect(add).toContain('y[i] = a_ + b_;');
    expect(sub).toContain('y[i] = a_ - b_;');
    expect(add.split('\n').length).toBe(sub.split('\n').length);
    const mean = expand('mean', readFileSync(join(kernels, 'mean.wgsl'), 'utf8'), templates);
    expect(mean).toContain('result[0] = select(s / f32(p.n), cg_nan(p.n), p.n == 0u);');
    expect(mean).toContain('@group(0) @binding(1) var<storage, read_write> result: array<f32>;');
  });

  it('fills blocks, one-line values and include arguments, and numbers bindings', () => {
    const dir = scratch({
      t: '//## not in the output\nstruct P { n: u32,\n[[EXTRA]]\n}\n[[IN]]\n@group(0) @binding(#) var<uniform> p: P;\n//#include f X=2\n',
      f: 'fn main() { let k = [[X]]u * [[Y]]; }\n',
    });
    const src = '// head\n//#template t\n//#set EXTRA\n//#set Y 3u\n//#set IN\n@group(0) @binding(#) var<storage, read> a: array<f32>;\n';
    expect(expand('k', src, dir)).toBe(
      '// head\nstruct P { n: u32,\n}\n@group(0) @binding(0) var<storage, read> a: array<f32>;\n@group(0) @binding(1) var<uniform> p: P;\nfn main() { let k = 2u * 3u; }\n',
    );
  });

  it('a missing value, an unused value or an unknown template is an error naming the kernel', () => {
    const dir = scratch({ t: 'x [[A]]\n' });
    expect(() => expand('k', '//#template t\n', dir)).toThrow(/kernels\/k\.wgsl: no value for \[\[A\]\]/);
    expect(() => expand('k', '//#template t\n//#set A 1\n//#set B 2\n', dir)).toThrow(/kernels\/k\.wgsl: \/\/#set B is not used/);
    expect(() => expand('k', '//#template nope\n', dir)).toThrow(/no template kernels\/templates\/nope\.wgsl/);
    expect(() => expand('k', '//#include t Z=1\n', dir)).toThrow(/does not use Z|no value for \[\[A\]\]/);
  });
});
