// The restricted unpickler refuses every global a state_dict does not need and every opcode
// that builds arbitrary objects, naming what it refused; and nothing a refused pickle asked for
// runs. The payloads below are live: PyTorch's own torch.load runs the same kind (checked).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unpickle, PyDict } from '../../src/io/pickle.js';
import { stateDictGlobals } from '../../src/io/torch_pickle.js';
import { loadWeights } from '../../src/io/load.js';
import { UnsafePickleError, WeightFormatError } from '../../src/io/errors.js';
import { makeFixtures, probeTorch, type Fixtures } from './torch_helper.js';

const enc = (s: string): number[] => [...new TextEncoder().encode(s)];
const u32 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const str = (s: string): number[] => [0x58, ...u32(enc(s).length), ...enc(s)]; // BINUNICODE
const run = (bytes: number[]): unknown => unpickle(Uint8Array.from(bytes), 0, { globals: stateDictGlobals('pickle') }).value;

function refused(bytes: number[]): UnsafePickleError {
  let err: unknown;
  try {
    run(bytes);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UnsafePickleError);
  return err as UnsafePickleError;
}

describe('restricted unpickler (hand-made pickles)', () => {
  const marker = join(tmpdir(), `cyclegan-pwned-${process.pid}`);

  it('refuses GLOBAL os.system / posix.system / builtins.eval, naming it, before anything runs', () => {
    for (const [module, name] of [['os', 'system'], ['posix', 'system'], ['builtins', 'eval'], ['subprocess', 'Popen'], ['torch', 'load']]) {
      // PROTO 2, GLOBAL module name, BINUNICODE cmd, TUPLE1, REDUCE, STOP
      const e = refused([0x80, 2, 0x63, ...enc(`${module}\n${name}\n`), ...str(`touch ${marker}`), 0x85, 0x52, 0x2e]);
      expect(e.refused).toBe(`${module}.${name}`);
      expect(e.message).toContain(`'${module}.${name}'`);
      expect(e.offset).toBe(2); // the GLOBAL opcode itself: refused when its name is read
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses STACK_GLOBAL (protocol 4) the same way', () => {
    const e = refused([0x80, 4, 0x8c, 2, ...enc('os'), 0x8c, 6, ...enc('system'), 0x93, ...str('id'), 0x85, 0x52, 0x2e]);
    expect(e.refused).toBe('os.system');
  });

  it('refuses INST, OBJ, NEWOBJ and EXT opcodes by name', () => {
    expect(refused([0x28, ...str('id'), 0x69, ...enc('os\nsystem\n'), 0x2e]).refused).toBe('INST');
    expect(refused([0x80, 2, 0x28, 0x4e, 0x6f, 0x2e]).refused).toBe('OBJ');
    expect(refused([0x80, 2, 0x4e, 0x29, 0x81, 0x2e]).refused).toBe('NEWOBJ');
    expect(refused([0x80, 2, 0x82, 1, 0x2e]).refused).toBe('EXT1');
  });

  it('a storage type is allowed as a value but cannot be called; BUILD only sets dict state', () => {
    expect(() => run([0x80, 2, 0x63, ...enc('torch\nFloatStorage\n'), 0x29, 0x52, 0x2e])).toThrow(/not an allowed callable/);
    expect(() => run([0x80, 2, 0x5d, 0x7d, 0x62, 0x2e])).toThrow(/BUILD on a list/);
    // A look-alike name is not the allowed one.
    expect(refused([0x80, 2, 0x63, ...enc('collections\nOrderedDict2\n'), 0x29, 0x52, 0x2e]).refused).toBe('collections.OrderedDict2');
  });

  it('builds an OrderedDict whose __proto__ key is a plain key', () => {
    const v = run([0x80, 2, 0x63, ...enc('collections\nOrderedDict\n'), 0x29, 0x52, ...str('__proto__'), 0x4b, 5, 0x73, 0x2e]);
    expect(v).toBeInstanceOf(PyDict);
    expect((v as PyDict).map.get('__proto__')).toBe(5);
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
  });

  it('malformed pickles are WeightFormatErrors with the opcode offset', () => {
    const cases: [number[], RegExp, number][] = [
      [[0x80, 2, 0x61, 0x2e], /stack underflow/, 2],
      [[0x80, 2, 0x68, 9, 0x2e], /memo key 9/, 2],
      [[0x80, 2, 0x58, 0xff, 0xff, 0, 0], /truncated/, 2],
      [[0x80, 2, 0x4e, 0x4e, 0x2e], /STOP with 2 values/, 4],
      [[0x80, 2, 0xfe], /unsupported pickle opcode 0xfe/, 2],
      [[0x80, 9], /protocol 9/, 0],
      [[0x80, 2, 0x4e, 0x51, 0x2e], /persistent id/, 3],
    ];
    for (const [bytes, re, offset] of cases) {
      let err: unknown;
      try {
        run(bytes);
      } catch (e) {
        err = e;
      }
      expect(err, String(re)).toBeInstanceOf(WeightFormatError);
      expect((err as Error).message).toMatch(re);
      expect((err as WeightFormatError).offset).toBe(offset);
    }
  });
});

interface Manifest {
  attacks: { file: string; marker: string; container: string; kind: string }[];
  liveMarker: string;
  liveMarkerExists: boolean;
}

const torch = probeTorch();

describe('PyTorch availability', () => {
  it('CI=true requires torch for the attack files', () => {
    // Without CI the PyTorch tests below skip with the reason; CI must run them.
    if (torch.required && !torch.ok) throw new Error(torch.reason);
  });
});

describe.skipIf(!torch.ok)(`malicious weight files written by PyTorch (${torch.reason})`, () => {
  let fx: Fixtures<Manifest>;
  beforeAll(() => {
    fx = makeFixtures<Manifest>(['attacks']);
  });
  afterAll(() => fx?.cleanup());

  it('the payloads are live: torch.load ran one', () => {
    expect(fx.manifest.liveMarkerExists).toBe(true);
    expect(existsSync(fx.manifest.liveMarker)).toBe(true);
  });

  it('every attack file is refused naming the global, and its marker file was never created', async () => {
    expect(fx.manifest.attacks.length).toBe(8);
    for (const a of fx.manifest.attacks) {
      const bytes = readFileSync(fx.path(a.file));
      let err: unknown;
      try {
        if (a.container.startsWith('raw')) run([...bytes]);
        else await loadWeights(bytes);
      } catch (e) {
        err = e;
      }
      expect(err, a.file).toBeInstanceOf(UnsafePickleError);
      // Protocol 2 writes Python 2's name for the builtins module.
      const names = a.kind === 'system' ? ['posix.system'] : ['builtins.eval', '__builtin__.eval'];
      expect(names, a.file).toContain((err as UnsafePickleError).refused);
      if (a.container === 'zip') expect((err as UnsafePickleError).entry).toMatch(/\/data\.pkl$/);
      expect(existsSync(a.marker), a.marker).toBe(false);
    }
  });
});
