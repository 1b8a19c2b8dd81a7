#!/usr/bin/python3
"""PyTorch side of the weight-interchange tests (test/io/*.test.ts run it at test time).

  torch_weights.py make DIR [models|tiny|attacks ...]
                                writes .pth files (zip and legacy containers) of both generator
                                layouts and both discriminators, inputs and PyTorch's outputs,
                                tiny .pth files for the parser and fuzz tests, and malicious
                                pickles; DIR/manifest.json describes them.
  torch_weights.py check DIR    loads the safetensors files the TypeScript side wrote (listed in
                                DIR/ours.json) into the PyTorch models with strict=True, runs
                                them on the same inputs and prints the errors as JSON.

Needs Debian's python3-torch (torch 1.13). Nothing here is committed output: it all goes to DIR.
"""
import functools
import json
import os
import pickle
import struct
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'reference'))
from pytorch_gan import Discriminator, GeneratorResNet  # noqa: E402  (the seed's models)

torch.set_num_threads(1)

# ---------------------------------------------------------------- the seed's models (PyTorch-GAN)
# GeneratorResNet and Discriminator: test/reference/pytorch_gan.py (imported above).

# docs/design.md, "The reference networks": the generator pads by 3 rather than `channels` (the same for RGB).
GENERATOR_PAD = 3


# ---------------------------------------------------------------- the original CycleGAN's (models/networks.py)


class ResnetBlock(nn.Module):
    def __init__(self, dim, norm_layer, use_dropout, use_bias):
        super().__init__()
        block = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, kernel_size=3, padding=0, bias=use_bias), norm_layer(dim), nn.ReLU(True)]
        if use_dropout:
            block += [nn.Dropout(0.5)]
        block += [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, kernel_size=3, padding=0, bias=use_bias), norm_layer(dim)]
        self.conv_block = nn.Sequential(*block)

    def forward(self, x):
        return x + self.conv_block(x)


def instance_norm(track=False):
    return functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=track)


class ResnetGenerator(nn.Module):
    def __init__(self, input_nc, output_nc, ngf=64, norm_layer=instance_norm(), use_dropout=False, n_blocks=9):
        super().__init__()
        use_bias = norm_layer.func == nn.InstanceNorm2d
        model = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, kernel_size=7, padding=0, bias=use_bias), norm_layer(ngf), nn.ReLU(True)]
        for i in range(2):
            mult = 2 ** i
            model += [nn.Conv2d(ngf * mult, ngf * mult * 2, kernel_size=3, stride=2, padding=1, bias=use_bias),
                      norm_layer(ngf * mult * 2), nn.ReLU(True)]
        for i in range(n_blocks):
            model += [ResnetBlock(ngf * 4, norm_layer=norm_layer, use_dropout=use_dropout, use_bias=use_bias)]
        for i in range(2):
            mult = 2 ** (2 - i)
            model += [nn.ConvTranspose2d(ngf * mult, int(ngf * mult / 2), kernel_size=3, stride=2, padding=1, output_padding=1, bias=use_bias),
                      norm_layer(int(ngf * mult / 2)), nn.ReLU(True)]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, kernel_size=7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    def __init__(self, input_nc, ndf=64, n_layers=3, norm_layer=instance_norm()):
        super().__init__()
        use_bias = norm_layer.func == nn.InstanceNorm2d
        seq = [nn.Conv2d(input_nc, ndf, kernel_size=4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        nf_mult = 1
        for n in range(1, n_layers):
            nf_prev, nf_mult = nf_mult, min(2 ** n, 8)
            seq += [nn.Conv2d(ndf * nf_prev, ndf * nf_mult, kernel_size=4, stride=2, padding=1, bias=use_bias),
                    norm_layer(ndf * nf_mult), nn.LeakyReLU(0.2, True)]
        nf_prev, nf_mult = nf_mult, min(2 ** n_layers, 8)
        seq += [nn.Conv2d(ndf * nf_prev, ndf * nf_mult, kernel_size=4, stride=1, padding=1, bias=use_bias),
                norm_layer(ndf * nf_mult), nn.LeakyReLU(0.2, True)]
        seq += [nn.Conv2d(ndf * nf_mult, 1, kernel_size=4, stride=1, padding=1)]
        self.model = nn.Sequential(*seq)

    def forward(self, x):
        return self.model(x)


# ---------------------------------------------------------------- cases

SIZE = 32  # small images keep CI fast; the layouts do not depend on the size

# name -> (kind, options as the TypeScript side names them)
CASES = {
    'seed9': ('GeneratorResNet', {'inputShape': [3, SIZE, SIZE], 'nResidualBlocks': 9}),
    'seed6': ('GeneratorResNet', {'inputShape': [3, SIZE, SIZE], 'nResidualBlocks': 6}),
    'orig9': ('ResnetGenerator', {'inputNc': 3, 'outputNc': 3, 'ngf': 64, 'nBlocks': 9, 'useDropout': False}),
    'orig6': ('ResnetGenerator', {'inputNc': 3, 'outputNc': 3, 'ngf': 32, 'nBlocks': 6, 'useDropout': False}),
    'orig9_dropout': ('ResnetGenerator', {'inputNc': 3, 'outputNc': 3, 'ngf': 16, 'nBlocks': 9, 'useDropout': True}),
    'orig6_dropout': ('ResnetGenerator', {'inputNc': 3, 'outputNc': 3, 'ngf': 16, 'nBlocks': 6, 'useDropout': True}),
    'orig_running_stats': ('ResnetGenerator', {'inputNc': 3, 'outputNc': 3, 'ngf': 16, 'nBlocks': 6, 'useDropout': False}),
    'seed_disc': ('Discriminator', {'inputShape': [3, SIZE, SIZE]}),
    'nlayer_disc': ('NLayerDiscriminator', {'inputNc': 3, 'ndf': 16, 'nLayers': 3}),
}


def build(kind, o, track=False):
    if kind == 'GeneratorResNet':
        return GeneratorResNet(o['inputShape'], o['nResidualBlocks'], pad=GENERATOR_PAD)
    if kind == 'Discriminator':
        return Discriminator(o['inputShape'])
    if kind == 'ResnetGenerator':
        return ResnetGenerator(o['inputNc'], o['outputNc'], o['ngf'], instance_norm(track), o['useDropout'], o['nBlocks'])
    if kind == 'NLayerDiscriminator':
        return NLayerDiscriminator(o['inputNc'], o['ndf'], o['nLayers'], instance_norm(track))
    raise ValueError(kind)


def write_f32(path, t):
    with open(path, 'wb') as f:
        f.write(t.detach().contiguous().numpy().astype('<f4').tobytes())


def read_f32(path, shape):
    with open(path, 'rb') as f:
        return torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(shape)


def make_models(out, manifest):
    for i, (name, (kind, opts)) in enumerate(CASES.items()):
        torch.manual_seed(1000 + i)
        net = build(kind, opts).eval()
        # Non-zero, non-default biases so a bias dropped or misplaced shows in the output.
        with torch.no_grad():
            for p in net.parameters():
                if p.dim() == 1:
                    p.normal_(0, 0.1)
        sd = net.state_dict()
        if name == 'orig_running_stats':
            # What torch 0.4 wrote for InstanceNorm layers: build the same net with
            # track_running_stats=True and copy its (random) running stats into the checkpoint.
            tracked = build(kind, opts, track=True)
            full = tracked.state_dict()
            for k, v in full.items():
                if k not in sd:
                    full[k] = torch.randint(0, 5, v.shape) if v.dtype == torch.long else torch.rand(v.shape) + 0.5
                else:
                    full[k] = sd[k]
            saved = full
        else:
            saved = sd
        x = torch.randn(1, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(2000 + i))
        with torch.no_grad():
            y = net(x)
        torch.save(saved, os.path.join(out, f'{name}.zip.pth'))
        torch.save(saved, os.path.join(out, f'{name}.legacy.pth'), _use_new_zipfile_serialization=False)
        files = {'zip': f'{name}.zip.pth', 'legacy': f'{name}.legacy.pth'}
        write_f32(os.path.join(out, f'{name}.x.bin'), x)
        write_f32(os.path.join(out, f'{name}.y.bin'), y)
        manifest['models'].append({
            'name': name, 'kind': kind, 'options': opts, 'files': files,
            'input': f'{name}.x.bin', 'inputShape': list(x.shape), 'output': f'{name}.y.bin', 'outputShape': list(y.shape),
            'keys': len(saved), 'modelKeys': len(sd),
        })


def tiny_state_dict():
    """A few tensors of every kind a parser must handle: dtypes, a shared storage, views."""
    torch.manual_seed(7)
    lin = nn.Linear(3, 2)  # a real module state_dict: an OrderedDict carrying _metadata (BUILD)
    sd = lin.state_dict()
    base = torch.randn(4, 3)
    sd['t'] = base.t()  # non-contiguous view of a shared storage
    sd['row'] = base[1:3]  # view with a storage offset
    sd['same'] = base  # the storage itself
    sd['h'] = torch.tensor([1.5, -2.25, 65504.0], dtype=torch.float16)
    sd['bf'] = torch.tensor([0.5, -3.0], dtype=torch.bfloat16)
    sd['d'] = torch.tensor([1e-3, 2.5], dtype=torch.float64)
    sd['n'] = torch.tensor(42)
    sd['i'] = torch.tensor([-3, 7], dtype=torch.int32)
    sd['u'] = torch.tensor([0, 255], dtype=torch.uint8)
    sd['b'] = torch.tensor([True, False])
    sd['empty'] = torch.zeros(0, 3)
    sd['scalar'] = torch.tensor(3.25)
    return sd


def make_tiny(out, manifest):
    sd = tiny_state_dict()
    torch.save(sd, os.path.join(out, 'tiny.zip.pth'))
    torch.save(sd, os.path.join(out, 'tiny.legacy.pth'), _use_new_zipfile_serialization=False)
    expected = {k: {'shape': list(v.shape), 'data': [float(x) for x in v.float().flatten().tolist()]} for k, v in sd.items()}
    # The same archive with DEFLATE entries (torch writes STORED; other zip tools may not).
    with zipfile.ZipFile(os.path.join(out, 'tiny.zip.pth')) as src, \
            zipfile.ZipFile(os.path.join(out, 'tiny.deflate.pth'), 'w', zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    torch_reads_deflate = True
    try:
        torch.load(os.path.join(out, 'tiny.deflate.pth'))
    except Exception:
        torch_reads_deflate = False
    # A training checkpoint: nested state_dict plus scalars.
    ckpt = {'epoch': 7, 'lr': 0.0002, 'name': 'horse2zebra', 'G': OrderedDict([('w', torch.arange(4.0).reshape(2, 2))])}
    torch.save(ckpt, os.path.join(out, 'ckpt.zip.pth'))
    torch.save(ckpt, os.path.join(out, 'ckpt.legacy.pth'), _use_new_zipfile_serialization=False)
    # A DataParallel-style key prefix on a small original-layout generator.
    torch.manual_seed(11)
    g = ResnetGenerator(3, 3, ngf=4, n_blocks=2)
    torch.save(OrderedDict(('module.' + k, v) for k, v in g.state_dict().items()), os.path.join(out, 'dataparallel.pth'))
    # A whole model pickled with torch.save(model): names this script's class, to be refused.
    torch.save(ResnetGenerator(3, 3, ngf=4, n_blocks=1), os.path.join(out, 'whole_model.pth'))
    manifest['tiny'] = {'files': {'zip': 'tiny.zip.pth', 'legacy': 'tiny.legacy.pth', 'deflate': 'tiny.deflate.pth'},
                        'expected': expected, 'torchReadsDeflate': torch_reads_deflate,
                        'ckpt': {'zip': 'ckpt.zip.pth', 'legacy': 'ckpt.legacy.pth'}, 'dataparallel': 'dataparallel.pth'}


class Evil:
    """What an attacker pickles: loading the file calls os.system(cmd)."""

    def __init__(self, cmd):
        self.cmd = cmd

    def __reduce__(self):
        return (os.system, (self.cmd,))


class EvilEval:
    def __init__(self, cmd):
        self.cmd = cmd

    def __reduce__(self):
        return (eval, (f'__import__("os").system({self.cmd!r})',))


def make_attacks(out, manifest):
    attacks = []
    for kind, cls in (('system', Evil), ('eval', EvilEval)):
        for container in ('zip', 'legacy', 'raw2', 'raw4'):
            marker = os.path.join(out, f'pwned_{kind}_{container}')
            obj = OrderedDict([('w', torch.ones(2)), ('x', cls(f'touch {marker}'))])
            path = os.path.join(out, f'evil_{kind}_{container}.bin')
            if container == 'zip':
                torch.save(obj, path)
            elif container == 'legacy':
                torch.save(obj, path, _use_new_zipfile_serialization=False)
            else:
                with open(path, 'wb') as f:
                    pickle.dump(cls(f'touch {marker}'), f, protocol=2 if container == 'raw2' else 4)
            attacks.append({'file': os.path.basename(path), 'marker': marker, 'container': container, 'kind': kind})
    # Proof that the payloads are live: PyTorch's own loader runs one (into a separate marker).
    live_marker = os.path.join(out, 'pwned_by_torch_load')
    torch.save(OrderedDict([('x', Evil(f'touch {live_marker}'))]), os.path.join(out, 'evil_live.pth'))
    torch.load(os.path.join(out, 'evil_live.pth'))
    manifest['attacks'] = attacks
    manifest['liveMarker'] = live_marker
    manifest['liveMarkerExists'] = os.path.exists(live_marker)


def make(out, parts):
    os.makedirs(out, exist_ok=True)
    manifest = {'torch': torch.__version__, 'models': []}
    makers = {'models': make_models, 'tiny': make_tiny, 'attacks': make_attacks}
    for part in parts or list(makers):
        makers[part](out, manifest)
    with open(os.path.join(out, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)


# ---------------------------------------------------------------- safetensors written by the TypeScript side


def read_safetensors(path):
    """A minimal reader written from the format's spec (Debian ships no python3-safetensors)."""
    dtypes = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16}
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = OrderedDict()
    for k, v in header.items():
        if k == '__metadata__':
            continue
        b, e = v['data_offsets']
        t = torch.frombuffer(bytearray(data[b:e]), dtype=dtypes[v['dtype']]) if e > b else torch.zeros(0, dtype=dtypes[v['dtype']])
        out[k] = t.reshape(v['shape']).float()
    return out, header.get('__metadata__', {})


def rel_err(a, b):
    return float((a - b).abs().max() / (b.abs().max() + 1e-6))


def check(out):
    with open(os.path.join(out, 'ours.json')) as f:
        ours = json.load(f)
    results = []
    for case in ours:
        tensors, metadata = read_safetensors(os.path.join(out, case['safetensors']))
        kind, opts = case['kind'], case['options']
        net = build(kind, opts).eval()
        net.load_state_dict(tensors, strict=True)  # raises on any missing / unexpected / mis-shaped key
        x = read_f32(os.path.join(out, case['input']), case['inputShape'])
        ref = read_f32(os.path.join(out, case['reference']), case['outputShape'])
        mine = read_f32(os.path.join(out, case['ourOutput']), case['outputShape'])
        with torch.no_grad():
            y = net(x)
        results.append({'name': case['name'], 'metadata': metadata, 'strictLoad': True,
                        'torchVsReference': rel_err(y, ref), 'oursVsTorch': rel_err(mine, y)})
    print(json.dumps(results))


if __name__ == '__main__':
    cmd, target, parts = sys.argv[1], sys.argv[2], sys.argv[3:]
    if cmd == 'make':
        make(target, parts)
    elif cmd == 'check':
        check(target)
    else:
        raise SystemExit(f'unknown command {cmd}')
