#!/usr/bin/env python3
"""PyTorch peer of the benchmark (the native reference): times the cases of
bench/lib/cases.mjs, passed in as JSON, with the same networks and weights.

    python3 torch_bench.py SPEC.json OUT.json

SPEC: {"device": "cpu" | "cuda", "threads": [1, 2], "cases": [...], "weights_dir": DIR,
       "min_samples": 2, "max_time": 0.5}
Weights: DIR/generator_<blocks>.safetensors and DIR/discriminator.safetensors, written by
bench/peers/weights.mjs from the engine's seeded init, loaded with load_state_dict(strict=True).

Timing: a warm-up call, then calls until both min_samples and max_time are reached; the
median, benchmark.js's relative margin of error (95 %, Student's t) and the sample count. On
CUDA each sample is bracketed by CUDA events after a synchronize. Threads are set explicitly
(torch.set_num_threads): Debian's torch starts with 1 (docs/design.md, "Environment").
"""
import json
import math
import random
import statistics
import struct
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'test' / 'reference'))
from pytorch_gan import Discriminator, GeneratorResNet, ReplayBuffer, weights_init_normal  # noqa: E402

# t quantiles (two-sided 95 %) by degrees of freedom, as benchmark.js's table
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
       15: 2.131, 20: 2.086, 30: 2.042}


def t95(df):
    if df <= 0:
        return float('nan')
    keys = [k for k in sorted(T95) if k <= df]
    return T95[keys[-1]] if df <= 30 else 1.96


def read_safetensors(path):
    raw = Path(path).read_bytes()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for key, v in header.items():
        if key == '__metadata__':
            continue
        a, b = v['data_offsets']
        t = torch.frombuffer(bytearray(raw[8 + n + a:8 + n + b]), dtype=torch.float32)
        out[key] = t.reshape(v['shape'])
    return out


class Timer:
    def __init__(self, device):
        self.cuda = device == 'cuda'

    def sync(self):
        if self.cuda:
            torch.cuda.synchronize()

    def once(self, fn):
        if self.cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            torch.cuda.synchronize()
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            return start.elapsed_time(end) / 1e3
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    def measure(self, fn, min_samples, max_time, mode='sample', once_above=float('inf')):
        warm = self.once(fn)  # warm-up
        if mode == 'once' or warm > once_above:
            # one timed call for the slow cases, as the engine does (bench/lib/engine_suite.mjs)
            return {'medianMs': self.once(fn) * 1e3, 'rme': None, 'samples': 1, 'method': 'single timed run'}
        samples = []
        t_end = time.perf_counter() + max_time
        while len(samples) < min_samples or time.perf_counter() < t_end:
            samples.append(self.once(fn))
        mean = statistics.fmean(samples)
        sem = statistics.stdev(samples) / math.sqrt(len(samples)) if len(samples) > 1 else float('nan')
        rme = sem * t95(len(samples) - 1) / mean * 100 if len(samples) > 1 else None
        return {'medianMs': statistics.median(samples) * 1e3, 'rme': rme, 'samples': len(samples), 'method': 'perf_counter loop' if not self.cuda else 'CUDA events'}


def op_case(c, dev):
    g = torch.Generator(device='cpu').manual_seed(1)
    rn = lambda shape, std=1.0: (torch.randn(shape, generator=g) * std).to(dev)  # noqa: E731
    x = rn(c['x'])
    op, d = c['op'], c['dir']
    if op in ('conv2d', 'convTranspose2d'):
        w = rn(c['weight'], 0.05)
        transposed = op == 'convTranspose2d'
        cout = c['weight'][1] if transposed else c['weight'][0]
        b = rn([cout])
        s, p = c['stride'], c['padding']
        op_pad = c.get('outputPadding', 0)
        if transposed:
            fwd = lambda: F.conv_transpose2d(x, w, b, stride=s, padding=p, output_padding=op_pad)  # noqa: E731
        else:
            fwd = lambda: F.conv2d(x, w, b, stride=s, padding=p)  # noqa: E731
        if d == 'forward':
            return fwd
        dy = rn(list(fwd().shape))
        mask = [d == 'gradInput', d == 'gradWeight', False]
        # aten's convolution_backward: the very kernels autograd calls, one gradient at a time
        return lambda: torch.ops.aten.convolution_backward(
            dy, x, w, None, [s, s], [p, p], [1, 1], transposed, [op_pad, op_pad], 1, mask)
    if op == 'upsampleConv2d':
        # what PyTorch runs for nn.Upsample(scale_factor=2) + Conv2d(k3, p1): the two ops
        w = rn(c['weight'], 0.05)
        b = rn([c['weight'][0]])
        up = lambda t: F.interpolate(t, scale_factor=2, mode='nearest')  # noqa: E731
        if d == 'forward':
            return lambda: F.conv2d(up(x), w, b, padding=1)
        leaf = (x if d == 'gradInput' else w).clone().requires_grad_(True)
        y = F.conv2d(up(leaf), w, b, padding=1) if d == 'gradInput' else F.conv2d(up(x), leaf, b, padding=1)
        dy = rn(list(y.shape))
        return lambda: torch.autograd.grad(y, leaf, dy, retain_graph=True)
    fwd = {
        'instanceNorm2d': lambda t: F.instance_norm(t, eps=1e-5),
        'reflectionPad2d': lambda t: F.pad(t, c.get('pad', [0] * 4), mode='reflect'),
        'zeroPad2d': lambda t: F.pad(t, c.get('pad', [0] * 4)),
        'upsampleNearest2d': lambda t: F.interpolate(t, scale_factor=c.get('scale', 2), mode='nearest'),
    }[op]
    if d == 'forward':
        return lambda: fwd(x)
    xr = x.clone().requires_grad_(True)
    y = fwd(xr)
    dy = rn(list(y.shape))
    return lambda: torch.autograd.grad(y, xr, dy, retain_graph=True)


def e2e_case(c, dev, wdir):
    size = c['size']
    shape = (3, size, size)
    g = torch.Generator(device='cpu').manual_seed(5)
    if c['kind'] in ('generator', 'discriminator'):
        if c['kind'] == 'generator':
            net = GeneratorResNet(shape, c['blocks'], pad=3)
            net.load_state_dict(read_safetensors('%s/generator_%d.safetensors' % (wdir, c['blocks'])), strict=True)
        else:
            net = Discriminator(shape)
            net.load_state_dict(read_safetensors('%s/discriminator.safetensors' % wdir), strict=True)
        net = net.to(dev).eval()
        x = (torch.randn((1,) + shape, generator=g) * 0.5).to(dev)

        def run():
            with torch.no_grad():
                net(x)
        return run
    return train_step(c, dev, shape, g)


def train_step(c, dev, shape, g):
    """One step of PyTorch-GAN's cyclegan.py loop at batch 1 (test/training/torch_cyclegan.py)."""
    torch.manual_seed(1)
    G_AB, G_BA = GeneratorResNet(shape, c['blocks'], pad=3).to(dev), GeneratorResNet(shape, c['blocks'], pad=3).to(dev)
    D_A, D_B = Discriminator(shape).to(dev), Discriminator(shape).to(dev)
    for m in (G_AB, G_BA, D_A, D_B):
        m.apply(weights_init_normal)
    mse, l1 = torch.nn.MSELoss(), torch.nn.L1Loss()
    import itertools
    opt_G = torch.optim.Adam(itertools.chain(G_AB.parameters(), G_BA.parameters()), lr=2e-4, betas=(0.5, 0.999))
    opt_DA = torch.optim.Adam(D_A.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_DB = torch.optim.Adam(D_B.parameters(), lr=2e-4, betas=(0.5, 0.999))
    buf_A, buf_B = ReplayBuffer(), ReplayBuffer()
    real_A = (torch.randn((1,) + shape, generator=g) * 0.5).to(dev)
    real_B = (torch.randn((1,) + shape, generator=g) * 0.5).to(dev)
    valid = torch.ones((1,) + D_A.output_shape, device=dev)
    fake = torch.zeros((1,) + D_A.output_shape, device=dev)

    def step():
        G_AB.train()
        G_BA.train()
        opt_G.zero_grad()
        loss_identity = (l1(G_BA(real_A), real_A) + l1(G_AB(real_B), real_B)) / 2
        fake_B = G_AB(real_A)
        fake_A = G_BA(real_B)
        loss_GAN = (mse(D_B(fake_B), valid) + mse(D_A(fake_A), valid)) / 2
        loss_cycle = (l1(G_BA(fake_B), real_A) + l1(G_AB(fake_A), real_B)) / 2
        loss_G = loss_GAN + 10.0 * loss_cycle + 5.0 * loss_identity
        loss_G.backward()
        opt_G.step()
        for D, opt, buf, real, fk in ((D_A, opt_DA, buf_A, real_A, fake_A), (D_B, opt_DB, buf_B, real_B, fake_B)):
            opt.zero_grad()
            loss_D = (mse(D(real), valid) + mse(D(buf.push_and_pop(fk).detach()), fake)) / 2
            loss_D.backward()
            opt.step()
        # the engine reads its losses back every step; so does this
        float(loss_G.item())
    return step


def main():
    spec = json.loads(Path(sys.argv[1]).read_text())
    dev = spec.get('device', 'cpu')
    random.seed(0)
    timer = Timer(dev)
    info = {'torch': torch.__version__, 'device': dev, 'mkldnn': torch.backends.mkldnn.is_available(),
            'blas': 'see torch.__config__', 'interop_threads': torch.get_num_interop_threads()}
    if dev == 'cuda':
        info['gpu'] = torch.cuda.get_device_name(0)
        info['cuda'] = torch.version.cuda
        info['cudnn'] = torch.backends.cudnn.version()
        torch.backends.cudnn.benchmark = True
        # strict FP32, like the engine's WGSL: TF32 tensor cores would compute something else
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        info['tf32'] = False
    results = []
    for threads in spec['threads']:
        torch.set_num_threads(threads)
        for c in spec['cases']:
            row = {'id': c['id'], 'threads': threads}
            mode = c.get('mode', 'sample')
            try:
                fn = op_case(c, dev) if 'op' in c else e2e_case(c, dev, spec['weights_dir'])
                s = spec.get('e2e', spec) if 'kind' in c else spec
                row.update(timer.measure(fn, s.get('min_samples', 2), s.get('max_time', 0.5), mode, spec.get('once_above') or float('inf')))
            except Exception as e:  # noqa: BLE001 - reported in the table, never a blank
                row['error'] = ('%s: %s' % (type(e).__name__, e)).split('\n')[0]
            results.append(row)
            print(json.dumps({'progress': row}), flush=True)
    Path(sys.argv[2]).write_text(json.dumps({'info': info, 'results': results}))


if __name__ == '__main__':
    main()
