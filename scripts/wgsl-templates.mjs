// Bundle-time expansion of the WGSL kernels (scripts/build-wasm.mjs runs it): kernels that
// differ only in an operator, a reduction's term or a tiling kernel's staging are each one
// instance file in kernels/ filled into one template of kernels/templates/, so the shared code
// exists once. The expanded text is what the WebGPU backend compiles, under the instance's file
// name (the kernel name stays the op's name). Run-time placeholders such as {{WG}} are left for
// src/backends/webgpu/header.ts.
//
// Directives, each on a line of its own:
//   //#template NAME        this file is an instance of kernels/templates/NAME.wgsl: the output
//                           is the lines above the directive, then the template filled in
//   //#set KEY value        a one-line value for [[KEY]]
//   //#set KEY              a block value: the lines up to the next directive (or the end)
//   //#include NAME K=V ... kernels/templates/NAME.wgsl in place of the line, its [[K]] filled
//                           from the arguments, then from the file's //#set values
//   //## text               a comment of the template itself, left out of the output
// `[[KEY]]` alone on a line (after indentation) takes a block value (an empty one removes the
// line); inside a line, a one-line value. `@binding(#)` is numbered 0, 1, ... in the order the expanded text declares them.
// Every placeholder must be set and every value used: a slip is a build error, not a kernel
// that fails to compile at run time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIRECTIVE = /^\/\/#(template|set|include|#)(?:\s+(.*))?$/;

/** The expanded WGSL of kernels/`name`.wgsl, whose text is `source`. */
export function expandKernel(name, source, templateDir) {
  const where = `kernels/${name}.wgsl`;
  const lines = source.split('\n');
  const at = lines.findIndex((l) => /^\/\/#template\b/.test(l));
  const params = new Map();
  let text = source;
  if (at >= 0) {
    const template = lines[at].slice('//#template'.length).trim();
    readSets(lines.slice(at + 1), params, where);
    text = `${[...lines.slice(0, at), readTemplate(templateDir, template, where)].join('\n')}\n`;
  }
  const used = new Set();
  text = fill(includeAll(text, templateDir, params, used, where, 0), params, used, where);
  for (const key of params.keys()) {
    if (!used.has(key)) throw new Error(`${where}: //#set ${key} is not used by its template`);
  }
  let binding = 0;
  text = text.replace(/@binding\(#\)/g, () => `@binding(${binding++})`);
  const left = text.match(/\[\[\w+\]\]|^\/\/#.*$/m);
  if (left) throw new Error(`${where}: ${left[0]} is left after expansion`);
  return text;
}

/** The //#set values of an instance (everything after //#template). */
function readSets(lines, params, where) {
  let key = null;
  let block = null;
  const flush = () => {
    if (key !== null && block !== null) params.set(key, trimBlock(block).join('\n'));
    key = null;
    block = null;
  };
  for (const line of lines) {
    const d = line.match(DIRECTIVE);
    if (!d) {
      if (block) block.push(line);
      else if (line.trim() !== '') throw new Error(`${where}: '${line}' after //#template belongs to no //#set`);
      continue;
    }
    flush();
    if (d[1] !== 'set') throw new Error(`${where}: //#${d[1]} after //#template (only //#set may follow it)`);
    const m = (d[2] ?? '').match(/^(\w+)(?:\s(.*))?$/);
    if (!m) throw new Error(`${where}: '${line}' names no key`);
    if (params.has(m[1])) throw new Error(`${where}: //#set ${m[1]} twice`);
    if (m[2] !== undefined && m[2].trim() !== '') params.set(m[1], m[2].trim());
    else {
      key = m[1];
      block = [];
    }
  }
  flush();
}

/** A block value without the blank lines that only separate it from the next directive. */
function trimBlock(block) {
  let end = block.length;
  while (end > 0 && block[end - 1].trim() === '') end--;
  return block.slice(0, end);
}

/** A template's text without its own //## comments and without the final newline. */
function readTemplate(dir, name, where) {
  if (!/^\w+$/.test(name)) throw new Error(`${where}: template name '${name}' is not a plain file name`);
  let text;
  try {
    text = readFileSync(join(dir, `${name}.wgsl`), 'utf8');
  } catch {
    throw new Error(`${where}: no template kernels/templates/${name}.wgsl`);
  }
  return text
    .split('\n')
    .filter((l) => !/^\/\/##/.test(l))
    .join('\n')
    .replace(/\n$/, '');
}

function includeAll(text, dir, params, used, where, depth) {
  if (depth > 8) throw new Error(`${where}: //#include nested more than 8 deep`);
  return text
    .split('\n')
    .map((line) => {
      const m = line.match(/^\s*\/\/#include\s+(\w+)((?:\s+\w+=\S+)*)\s*$/);
      if (!m) {
        if (/^\s*\/\/#include\b/.test(line)) throw new Error(`${where}: malformed '${line.trim()}'`);
        return line;
      }
      const args = new Map((m[2].trim() ? m[2].trim().split(/\s+/) : []).map((a) => a.split('=')));
      const argUsed = new Set();
      let body = includeAll(readTemplate(dir, m[1], where), dir, params, used, where, depth + 1);
      body = fill(body, args, argUsed, `${where} (//#include ${m[1]})`, true);
      for (const k of args.keys()) {
        if (!argUsed.has(k)) throw new Error(`${where}: //#include ${m[1]} does not use ${k}`);
      }
      return body;
    })
    .join('\n');
}

/** Fills [[KEY]] from `values`; `partial` leaves unknown keys for a later pass. */
function fill(text, values, used, where, partial = false) {
  const lines = [];
  for (const line of text.split('\n')) {
    const whole = line.match(/^\s*\[\[(\w+)\]\]\s*$/);
    if (whole && values.has(whole[1])) {
      used.add(whole[1]);
      // An empty block (a //#set KEY with no lines) removes the placeholder's line.
      if (values.get(whole[1]) !== '') lines.push(values.get(whole[1]));
      continue;
    }
    lines.push(
      line.replace(/\[\[(\w+)\]\]/g, (all, key) => {
        if (!values.has(key)) {
          if (partial) return all;
          throw new Error(`${where}: no value for [[${key}]]`);
        }
        const v = values.get(key);
        if (v.includes('\n')) throw new Error(`${where}: [[${key}]] inside a line takes a one-line value`);
        used.add(key);
        return v;
      }),
    );
  }
  return lines.join('\n');
}
