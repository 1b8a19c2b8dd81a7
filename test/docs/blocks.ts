// Reads the fenced code blocks of the README and docs/*.md, with what the page says about
// running them. The conventions (docs/README of the docs test: test/docs/blocks.test.ts):
//
//   ```js            runs in Node against the built package, as printed; must exit 0. Each
//                    `console.log('word', ...) // word rest` must print the line `word rest`.
//   <!-- run: IN... -> OUT... -->
//                    just before a block: the files it reads (made by the test in an empty
//                    folder, its working directory) and the files it must write there; nothing
//                    else may appear in that folder.
//   <!-- run elsewhere: test/path.test.ts -->
//                    just before a block: that test runs it (it must name this page).
//   ```js browser / ```html browser
//                    a page-only fragment: it must be, verbatim, a file that a browser test runs
//                    (BROWSER_FRAGMENTS).
//   ```sh, ```text, ```python ...  not run.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');

/** Files that browser tests load as they are; a browser block must be one of them. */
export const BROWSER_FRAGMENTS: Record<string, string> = {
  'test/browser/pages/readme.html': 'test/browser/readme_page.test.ts',
  'test/bundler/app/main.js': 'test/bundler/vite_app.test.ts',
};

export interface Block {
  /** README.md or docs/<name>.md */
  page: string;
  /** 1-based line of the opening fence */
  line: number;
  lang: string;
  browser: boolean;
  code: string;
  inputs: string[];
  outputs: string[];
  /** the test that runs it instead, when marked `run elsewhere` */
  elsewhere?: string;
}

export function docPages(): string[] {
  return ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
}

export function blocksOf(page: string): Block[] {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
  const blocks: Block[] = [];
  let marker: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const m = /^<!--\s*run( elsewhere)?:\s*(.*?)\s*-->\s*$/.exec(lines[i]);
    if (m) {
      marker = `${m[1] ? 'elsewhere' : 'run'}:${m[2]}`;
      continue;
    }
    const fence = /^```(\S*)\s*(.*)$/.exec(lines[i]);
    if (!fence) {
      if (lines[i].trim() !== '') marker = undefined;
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].startsWith('```'); i++) body.push(lines[i]);
    const block: Block = {
      page,
      line: start + 1,
      lang: fence[1],
      browser: /\bbrowser\b/.test(fence[2]),
      code: body.join('\n') + '\n',
      inputs: [],
      outputs: [],
    };
    if (marker?.startsWith('elsewhere:')) block.elsewhere = marker.slice('elsewhere:'.length);
    else if (marker?.startsWith('run:')) {
      const [ins, outs = ''] = marker.slice(4).split('->');
      block.inputs = ins.split(/\s+/).filter(Boolean);
      block.outputs = outs.split(/\s+/).filter(Boolean);
    }
    marker = undefined;
    blocks.push(block);
  }
  return blocks;
}

/** The lines a block says it prints: `console.log('word', ...) // word rest`. */
export function expectedLines(code: string): string[] {
  return [...code.matchAll(/console\.log\('(\w+)'[^\n]*?\/\/ (\1 [^\n]+)$/gm)].map((m) => m[2].trim());
}
