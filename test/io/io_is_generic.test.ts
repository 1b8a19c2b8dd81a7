// src/io/ holds only the generic weight formats (safetensors, .pth, pickle, zip, dtypes); the
// networks, their key maps and loadModel live in src/cyclegan/weights/. This reads every import
// and re-export of src/io/ and fails if one reaches into the models or the layers.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const io = join(src, 'io');

/** Every module specifier of a static import, re-export or dynamic import() with a literal. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const p of patterns) for (const m of text.matchAll(p)) found.push(m[1]);
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('src/io is generic', () => {
  it('the parser finds static, type-only, re-export and dynamic imports', () => {
    const text = "import { a } from '../x.js';\nimport type {\n  B,\n} from \"./y.js\";\nexport * from './z.js';\nimport './side.js';\nawait import('../w.js');";
    expect(specifiers(text).sort()).toEqual(['../w.js', '../x.js', './side.js', './y.js', './z.js']);
  });

  it('no file under src/io imports from src/cyclegan or src/nn', () => {
    const files = tsFiles(io);
    expect(files.length).toBeGreaterThan(5);
    const offending: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = relative(src, resolve(dirname(file), spec)).split('\\').join('/');
        if (/^(cyclegan|nn)(\/|$)/.test(target)) offending.push(`${relative(src, file)} -> ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
