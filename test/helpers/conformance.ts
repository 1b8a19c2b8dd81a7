// Shared machinery of the PyTorch conformance suites: reading the fixtures that
// test/fixtures/make_fixtures.py wrote, running one case on an engine, and the metric
//   max|ours - torch| / (max|torch| + 1e-6)
// with a failure message that says where the largest error was.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../../src/index.js';
import type { Engine, Tensor } from '../../src/index.js';

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

// ------------------------------------------------------------------ fixture files

/** An array as the fixtures store it: little-endian float32, base64. */
export interface FixtureArray {
  shape: number[];
  b64: string;
}

export interface OpCase {
  op: string;
  name: string;
  attrs: Record<string, unknown>;
  input_order: string[];
  inputs: Record<string, FixtureArray>;
  output: FixtureArray;
  /** Upstream gradient; absent for scalar outputs back-propagated with the implicit 1. */
  grad_output?: FixtureArray;
  grads: Record<string, FixtureArray>;
  /** PyTorch float32's own distance from the float64 oracle (make_fixtures.py). */
  torch32_err?: number;
}

/**
 * The fixtures hold PyTorch's float64 result; a backend must be within its tolerance of it, or,
 * where the quantity is ill-conditioned, within 2x PyTorch float32's own distance from it.
 */
export function oracleTol(tol: number, torch32Err: number | undefined): number {
  return Math.max(tol, 2 * (torch32Err ?? 0));
}

export interface AdamStep {
  step: number;
  grad: FixtureArray;
  param: FixtureArray;
  exp_avg: FixtureArray;
  exp_avg_sq: FixtureArray;
}

export interface AdamCase {
  op: 'adamUpdate';
  name: string;
  attrs: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number };
  param: FixtureArray;
  steps: AdamStep[];
}

export interface FamilyDoc<C = OpCase> {
  generated_by: string;
  torch_version: string;
  family: string;
  cases: C[];
}

export interface ModelDoc {
  generated_by: string;
  torch_version: string;
  model: 'GeneratorResNet' | 'Discriminator';
  config: { inputShape: [number, number, number]; nResidualBlocks?: number; desc: string };
  keys: { key: string; shape: number[]; scale: number; checksum: number }[];
  probes: { key: string; keyIndex: number; index: number; hash: number; valueBits: number }[];
  cases: { name: string; seed: number; input: FixtureArray; output: FixtureArray; torch32_err?: number }[];
}

export function readJson<T>(...parts: string[]): T {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, ...parts), 'utf8')) as T;
}

/** The op fixture families (file names without .json), sorted. */
export function opFamilies(): string[] {
  return readdirSync(join(FIXTURE_DIR, 'ops'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function modelFixtures(): string[] {
  return readdirSync(join(FIXTURE_DIR, 'models'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function decode(a: FixtureArray): Float32Array {
  const bytes = Buffer.from(a.b64, 'base64');
  const n = a.shape.reduce((x, y) => x * y, 1);
  if (bytes.length !== n * 4) throw new Error(`fixture array of shape [${a.shape}] has ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

// ------------------------------------------------------------------ the metric

export interface Comparison {
  label: string;
  ok: boolean;
  metric: number;
  detail: string;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx: number[] = new Array(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

const fmt = (v: number): string => (Number.isFinite(v) ? v.toPrecision(6) : String(v));

/** Compares ours against torch's values: shape equality, no NaN, then the relative max error. */
export function compare(
  label: string,
  ours: ArrayLike<number>,
  oursShape: readonly number[],
  torchValues: ArrayLike<number>,
  torchShape: readonly number[],
  tol: number,
  names: readonly [string, string] = ['ours', 'torch'],
): Comparison {
  const shapeStr = (s: readonly number[]) => `[${s.join(', ')}]`;
  if (oursShape.length !== torchShape.length || oursShape.some((d, i) => d !== torchShape[i])) {
    return { label, ok: false, metric: Infinity, detail: `${label}: shape ${shapeStr(oursShape)}, torch has ${shapeStr(torchShape)}` };
  }
  if (ours.length !== torchValues.length) {
    return { label, ok: false, metric: Infinity, detail: `${label}: ${ours.length} values, torch has ${torchValues.length}` };
  }
  let maxRef = 0;
  for (let i = 0; i < torchValues.length; i++) maxRef = Math.max(maxRef, Math.abs(torchValues[i]));
  let maxErr = -1;
  let at = -1;
  for (let i = 0; i < ours.length; i++) {
    const e = Math.abs(ours[i] - torchValues[i]);
    if (!(e <= maxErr)) {
      // NaN compares false: a NaN (or Infinity) is taken as the worst error and kept.
      maxErr = Number.isNaN(e) ? Infinity : e;
      at = i;
      if (maxErr === Infinity) break;
    }
  }
  const metric = ours.length === 0 ? 0 : maxErr / (maxRef + 1e-6);
  const ok = metric <= tol;
  const [A, B] = names;
  const where = at >= 0 ? `at ${shapeStr(unravel(at, torchShape))} (flat ${at}): ${A} ${fmt(ours[at])}, ${B} ${fmt(torchValues[at])}` : '';
  const detail =
    `${label}: metric ${metric.toExponential(3)} ${ok ? '<=' : '>'} tol ${tol} ` +
    `(max|${A} - ${B}| ${fmt(maxErr)} ${where}; max|${B}| ${fmt(maxRef)})`;
  return { label, ok, metric, detail };
}

/** Throws one error listing every failed comparison (and the passing ones, for context). */
export function assertAll(caseName: string, comparisons: Comparison[], errors: string[] = []): void {
  const failed = comparisons.filter((c) => !c.ok);
  if (failed.length === 0 && errors.length === 0) return;
  const lines = [
    `${caseName}: ${failed.length} of ${comparisons.length} comparisons failed${errors.length ? `, ${errors.length} errors` : ''}`,
    ...errors.map((e) => `  ERROR ${e}`),
    ...failed.map((c) => `  FAIL  ${c.detail}`),
    ...comparisons.filter((c) => c.ok).map((c) => `  ok    ${c.detail}`),
  ];
  throw new Error(lines.join('\n'));
}

/** Worst metrics per case, printed by the suites when CONFORMANCE_REPORT=1. */
export const report: { backend: string; name: string; worst: number; status: string; note?: string }[] = [];

export function printReport(title: string): void {
  if (!process.env.CONFORMANCE_REPORT || report.length === 0) return;
  const lines = report.map(
    (r) => `${r.status.padEnd(4)} ${r.backend.padEnd(6)} ${Number.isFinite(r.worst) ? r.worst.toExponential(2) : String(r.worst).padEnd(8)}  ${r.name}${r.note ? `  [${r.note}]` : ''}`,
  );
  console.log(`${title}\n${lines.join('\n')}`);
}

// ------------------------------------------------------------------ running op cases

type Leaves = Record<string, Tensor>;

function attr<T>(c: OpCase, key: string): T {
  if (!(key in c.attrs)) throw new Error(`fixture case ${c.name} lacks attribute ${key}`);
  return c.attrs[key] as T;
}

/** Calls the public op that the case names, the way a user would. */
export function forwardOp(c: OpCase, L: Leaves): Tensor {
  switch (c.op) {
    case 'conv2d':
      return api.conv2d(L.x, L.weight, L.bias ?? null, {
        stride: attr<number | [number, number]>(c, 'stride'),
        padding: attr<number | [number, number]>(c, 'padding'),
      });
    case 'convTranspose2d':
      return api.convTranspose2d(L.x, L.weight, L.bias ?? null, {
        stride: attr<number | [number, number]>(c, 'stride'),
        padding: attr<number | [number, number]>(c, 'padding'),
        outputPadding: attr<number | [number, number]>(c, 'outputPadding'),
      });
    case 'instanceNorm2d':
      return attr<boolean>(c, 'affine')
        ? api.instanceNorm2d(L.x, { eps: attr<number>(c, 'eps'), weight: L.weight, bias: L.bias })
        : api.instanceNorm2d(L.x, { eps: attr<number>(c, 'eps') });
    case 'reflectionPad2d':
      return api.reflectionPad2d(L.x, attr<number | [number, number, number, number]>(c, 'padding'));
    case 'zeroPad2d':
      return api.zeroPad2d(L.x, attr<number | [number, number, number, number]>(c, 'padding'));
    case 'upsampleNearest2d':
      return api.upsampleNearest2d(L.x, attr<number>(c, 'scaleFactor'));
    case 'upsampleConv2d':
      return api.upsampleConv2d(L.x, L.weight, L.bias ?? null, { scale: attr<number>(c, 'scale'), padding: attr<number>(c, 'padding') });
    case 'relu':
      return api.relu(L.x);
    case 'leakyRelu':
      return 'negativeSlope' in c.attrs ? api.leakyRelu(L.x, attr<number>(c, 'negativeSlope')) : api.leakyRelu(L.x);
    case 'tanh':
      return api.tanh(L.x);
    case 'add':
    case 'sub':
    case 'mul': {
      const fn = c.op === 'add' ? api.add : c.op === 'sub' ? api.sub : api.mul;
      const b = c.attrs.b;
      if (b === 'a') return fn(L.a, L.a);
      if (typeof b === 'number') return fn(L.a, b);
      return fn(L.a, L.b);
    }
    case 'div':
      return api.div(L.a, attr<number>(c, 'b'));
    case 'neg':
      return api.neg(L.x);
    case 'sum':
      return api.sum(L.x);
    case 'mean':
      return api.mean(L.x);
    case 'mseLoss':
      return api.mseLoss(L.input, L.target);
    case 'l1Loss':
      return api.l1Loss(L.input, L.target);
    case 'concat':
      return api.concat(
        c.input_order.map((k) => L[k]),
        attr<number>(c, 'dim'),
      );
    case 'slice':
      return api.slice(L.x, attr<number>(c, 'dim'), attr<number>(c, 'start'), attr<number>(c, 'end'));
    case 'clone':
      return api.clone(L.x);
    default:
      throw new Error(`the conformance runner has no rule for op '${c.op}' (case ${c.name})`);
  }
}

function makeLeaves(engine: Engine, c: OpCase): Leaves {
  const leaves: Leaves = {};
  for (const k of c.input_order) {
    const a = c.inputs[k];
    leaves[k] = engine.tensor(decode(a), a.shape, { requiresGrad: true });
  }
  return leaves;
}

function backwardOf(engine: Engine, c: OpCase, y: Tensor): void {
  if (c.grad_output) y.backward(engine.tensor(decode(c.grad_output), c.grad_output.shape));
  else y.backward();
}

export interface CaseResult {
  comparisons: Comparison[];
  errors: string[];
}

/**
 * Runs one op case (forward, then backward with the fixture's upstream gradient), compares
 * the output and every input gradient with torch's, and frees everything it made. Forward and
 * backward errors are reported separately, so a case whose forward passes says so.
 */
export async function checkOpCase(engine: Engine, c: OpCase, backendTol: number): Promise<CaseResult> {
  const tol = oracleTol(backendTol, c.torch32_err);
  const comparisons: Comparison[] = [];
  const errors: string[] = [];
  let leaves: Leaves = {};
  let y: Tensor | null = null;
  try {
    leaves = makeLeaves(engine, c);
    try {
      y = engine.tidy(() => forwardOp(c, leaves));
    } catch (e) {
      errors.push(`forward threw: ${errorText(e)}`);
    }
    if (y) {
      const out = await y.data();
      comparisons.push(compare('output', out, y.shape, decode(c.output), c.output.shape, tol));
      try {
        engine.tidy(() => backwardOf(engine, c, y!));
      } catch (e) {
        errors.push(`backward threw: ${errorText(e)}`);
      }
      if (errors.length === 0) {
        for (const k of c.input_order) {
          const g = leaves[k].grad;
          const ref = c.grads[k];
          if (!g) {
            comparisons.push({ label: `grad ${k}`, ok: false, metric: Infinity, detail: `grad ${k}: missing (null after backward)` });
            continue;
          }
          comparisons.push(compare(`grad ${k}`, await g.data(), g.shape, decode(ref), ref.shape, tol));
        }
      }
    }
  } finally {
    for (const t of Object.values(leaves)) {
      t.zeroGrad();
      t.dispose();
    }
    y?.dispose();
  }
  return { comparisons, errors };
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // The message and the first frames are enough to find the throwing op.
  const frames = (e.stack ?? '').split('\n').filter((l) => l.trim().startsWith('at ')).slice(0, 3);
  return [`${e.name}: ${e.message}`, ...frames.map((f) => `      ${f.trim()}`)].join('\n');
}

/** Records a case's worst metric for the report and throws when it failed. */
export function settle(backend: string, name: string, result: CaseResult): void {
  const worst = result.comparisons.reduce((m, c) => Math.max(m, c.metric), 0);
  const failed = result.errors.length > 0 || result.comparisons.some((c) => !c.ok);
  const worstLabel = result.comparisons.reduce<Comparison | null>((m, c) => (!m || c.metric > m.metric ? c : m), null);
  report.push({
    backend,
    name,
    worst: result.errors.length ? NaN : worst,
    status: failed ? 'FAIL' : 'ok',
    note: result.errors.length
      ? result.errors[0].split('\n')[0].slice(0, 160)
      : failed
        ? result.comparisons.filter((c) => !c.ok).map((c) => `${c.label} ${c.metric.toExponential(2)}`).join(', ')
        : worst === 0
          ? 'bit-exact'
          : worstLabel
            ? `worst: ${worstLabel.label}`
            : undefined,
  });
  assertAll(name, result.comparisons, result.errors);
}

/**
 * Runs every case of a family synchronously inside one engine.tidy (forward and backward),
 * releasing the leaves' gradients, which outlive tidy() by design. Used for the memory check.
 */
export function runAllInTidy(engine: Engine, cases: OpCase[]): void {
  engine.tidy(() => {
    for (const c of cases) {
      const leaves = makeLeaves(engine, c);
      const y = forwardOp(c, leaves);
      backwardOf(engine, c, y);
      for (const t of Object.values(leaves)) t.zeroGrad();
    }
  });
}

// ------------------------------------------------------------------ Adam

/**
 * Runs the Adam steps of a case from the same parameter and gradients as torch, comparing
 * param, exp_avg, exp_avg_sq and the update (param after - param before) after every step.
 * The update gets its own comparison because the parameter itself changes by only ~lr per
 * step: a wrong update would hide under the parameter's own scale.
 */
export async function checkAdamCase(engine: Engine, c: AdamCase, tol: number): Promise<CaseResult> {
  const comparisons: Comparison[] = [];
  const errors: string[] = [];
  const shape = c.param.shape;
  const param = engine.tensor(decode(c.param), shape, { requiresGrad: true });
  const expAvg = engine.zeros(shape);
  const expAvgSq = engine.zeros(shape);
  try {
    let prevOurs = decode(c.param);
    let prevTorch = decode(c.param);
    for (const s of c.steps) {
      try {
        engine.tidy(() => {
          const g = engine.tensor(decode(s.grad), s.grad.shape);
          api.adamUpdate(param, g, expAvg, expAvgSq, { ...c.attrs, step: s.step });
        });
      } catch (e) {
        errors.push(`adamUpdate step ${s.step} threw: ${errorText(e)}`);
        break;
      }
      const p = await param.data();
      const torchP = decode(s.param);
      const du = Float64Array.from(p, (v, i) => v - prevOurs[i]);
      const dt = Float64Array.from(torchP, (v, i) => v - prevTorch[i]);
      comparisons.push(compare(`step ${s.step} param`, p, param.shape, torchP, s.param.shape, tol));
      comparisons.push(compare(`step ${s.step} update`, du, param.shape, dt, s.param.shape, tol));
      comparisons.push(compare(`step ${s.step} exp_avg`, await expAvg.data(), expAvg.shape, decode(s.exp_avg), s.exp_avg.shape, tol));
      comparisons.push(compare(`step ${s.step} exp_avg_sq`, await expAvgSq.data(), expAvgSq.shape, decode(s.exp_avg_sq), s.exp_avg_sq.shape, tol));
      prevOurs = p;
      prevTorch = torchP;
    }
  } finally {
    param.dispose();
    expAvg.dispose();
    expAvgSq.dispose();
  }
  return { comparisons, errors };
}

/** Runs every Adam case synchronously inside one engine.tidy (for the memory check). */
export function runAllAdamInTidy(engine: Engine, cases: AdamCase[]): void {
  engine.tidy(() => {
    for (const c of cases) {
      const shape = c.param.shape;
      const param = engine.tensor(decode(c.param), shape, { requiresGrad: true });
      const expAvg = engine.zeros(shape);
      const expAvgSq = engine.zeros(shape);
      for (const s of c.steps) {
        const g = engine.tensor(decode(s.grad), s.grad.shape);
        api.adamUpdate(param, g, expAvg, expAvgSq, { ...c.attrs, step: s.step });
      }
    }
  });
}
