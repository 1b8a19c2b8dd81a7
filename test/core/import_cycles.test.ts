// The layering of src/: no module imports anything that imports it back (the engine core:
// engine, tensor, autograd, scopes, included), and no backend module reaches the
// core. Type-only imports count (they tie the declarations together as much as value imports
// do, and `import type` is one keyword away from a runtime import); a tensor knows its engine
// only through the TensorEngine interface declared in tensor.ts. The graph is read
// from the sources (every `import ... from`, `export ... from`, side-effect `import '...'` and
// literal `import('...')` of a relative path), so a new cycle fails here naming its files.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

/** Every .ts file under dir, as paths relative to the repository root. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(relative(root, path));
  }
  return out.sort();
}

/** Comments blanked out (string contents kept), so that a commented-out import does not count. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|(^|[^:'"`\\])\/\/[^\n]*/g, (m, lead: string | undefined) => (lead ?? '') + ' '.repeat(m.length - (lead?.length ?? 0)));
}

const SPECIFIERS = [
  // import x from '...'; import type { A } from '...'; export { a } from '...'; export * from '...'
  /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
  // import '...'
  /\bimport\s*['"]([^'"]+)['"]/g,
  // import('...'), also in type positions: import('./engine.js').Engine
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** The files of src/ that `file` imports (relative specifiers only; packages are not part of the graph). */
export function importsOf(file: string, text: string, known: ReadonlySet<string>): string[] {
  const body = stripComments(text);
  const out = new Set<string>();
  for (const pattern of SPECIFIERS) {
    for (const m of body.matchAll(pattern)) {
      const spec = m[1];
      if (!spec.startsWith('.')) continue;
      const target = relative(root, resolve(root, dirname(file), spec)).replace(/\.js$/, '.ts');
      const candidates = [target, target.endsWith('.ts') ? target : `${target}.ts`, join(target, 'index.ts')];
      const hit = candidates.find((c) => known.has(c));
      // Generated files (scripts/build-*.mjs) exist only after a build, and import nothing.
      if (!hit && /\.generated\.js$/.test(spec)) continue;
      if (!hit) throw new Error(`${file}: cannot resolve the import '${spec}'`);
      out.add(hit);
    }
  }
  return [...out].sort();
}

export type Graph = Map<string, string[]>;

export function importGraph(files: readonly string[], read: (file: string) => string): Graph {
  const known = new Set(files);
  return new Map(files.map((f) => [f, importsOf(f, read(f), known)]));
}

/**
 * The strongly connected components of more than one module (Tarjan's algorithm), each sorted,
 * and the modules that import themselves: every file that is on some import cycle.
 */
export function stronglyConnected(graph: Graph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((c) => c.sort()).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** One cycle per strongly connected component, as the files along it, the first repeated at the end. */
export function findCycles(graph: Graph): string[][] {
  return stronglyConnected(graph).map((c) => cycleWithin(graph, new Set(c)));
}

/** A concrete cycle inside a strongly connected component: from its first file (sorted) back to it. */
function cycleWithin(graph: Graph, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0];
  // Breadth-first from start's successors back to start, inside the component: a shortest cycle.
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = previous.get(u)!) path.unshift(u);
        path.unshift(start);
        return path;
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

const CORE = ['src/engine.ts', 'src/tensor.ts', 'src/autograd.ts', 'src/scopes.ts'];
const isBackend = (f: string): boolean => f.startsWith('src/backends/');

/** Files `from` reaches through imports (not counting itself unless through a cycle). */
function reachable(graph: Graph, from: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...(graph.get(from) ?? [])];
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    stack.push(...(graph.get(v) ?? []));
  }
  return seen;
}

const format = (cycle: readonly string[]): string => cycle.join(' -> ');

describe('import graph of src/', () => {
  const files = sourceFiles(src);
  const graph = importGraph(files, (f) => readFileSync(join(root, f), 'utf8'));

  it('reads the imports of every file (the parser finds the engine core and the backends)', () => {
    expect(files.length).toBeGreaterThan(50);
    for (const f of CORE) expect(graph.has(f), f).toBe(true);
    expect(graph.get('src/engine.ts')).toContain('src/tensor.ts');
    expect(files.filter(isBackend).length).toBeGreaterThan(10);
  });

  it('has no import cycle anywhere in src/ (the engine, tensor, autograd, scopes and backends included)', () => {
    const report = stronglyConnected(graph).map((c) => `${format(cycleWithin(graph, new Set(c)))} (on cycles together: ${c.join(', ')})`);
    expect(report, 'import cycles (type-only imports counted)').toEqual([]);
  });

  it('keeps tensor.ts below the engine: it names only its TensorEngine interface, never src/engine.ts', () => {
    expect(reachable(graph, 'src/tensor.ts').has('src/engine.ts')).toBe(false);
    expect(graph.get('src/engine.ts')).toContain('src/tensor.ts');
  });

  it('keeps the backends below the engine: no backend module reaches the engine core', () => {
    const upward = files
      .filter(isBackend)
      .flatMap((f) => [...reachable(graph, f)].filter((g) => CORE.includes(g)).map((g) => `${f} reaches ${g}`));
    expect(upward).toEqual([]);
  });
});

describe('the engine behind its backend seam', () => {
  it('src/engine.ts names no backend: which one runs a kernel is src/backends/composite.ts\'s business', () => {
    const lines = readFileSync(join(src, 'engine.ts'), 'utf8').split('\n');
    const naming = lines.map((l, i) => `${i + 1}: ${l.trim()}`).filter((l) => /gpu/i.test(l));
    expect(naming).toEqual([]);
  });
});

describe('the cycle finder', () => {
  const graphOf = (edges: Record<string, string[]>): Graph => new Map(Object.entries(edges));

  it('names each cycle with its files, and finds none in a layered graph', () => {
    expect(findCycles(graphOf({ a: ['b'], b: ['c'], c: [] }))).toEqual([]);
    expect(findCycles(graphOf({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual([['a', 'b', 'c', 'a']]);
    expect(findCycles(graphOf({ a: ['a'] }))).toEqual([['a', 'a']]);
    expect(findCycles(graphOf({ a: ['b'], b: ['a'], c: ['d'], d: ['c'] }))).toEqual([
      ['a', 'b', 'a'],
      ['c', 'd', 'c'],
    ]);
  });

  it('parses type-only, re-export, side-effect and dynamic imports, and skips comments and packages', () => {
    const known = new Set(['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/d.ts', 'src/e.ts', 'src/f/index.ts', 'src/g.ts']);
    const text = [
      "import type { B } from './b.js';",
      "export { c } from './c.js';",
      "export * from './d.js';",
      "import './e.js';",
      "type F = import('./f/index.js').F;",
      "import {\n  a,\n  type G,\n} from './g.js';",
      "// import { x } from './x.js';",
      "/* import { y } from './y.js'; */",
      "import { describe } from 'vitest';",
      "const url = 'http://example.com'; // a comment after a URL",
    ].join('\n');
    expect(importsOf('src/a.ts', text, known)).toEqual(['src/b.ts', 'src/c.ts', 'src/d.ts', 'src/e.ts', 'src/f/index.ts', 'src/g.ts']);
  });
});
