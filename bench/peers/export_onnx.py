#!/usr/bin/env python3
"""Set-up step of the ONNX Runtime peer: exports the seed's GeneratorResNet (pad 3, as the
engine) and Discriminator with the benchmark's weights to ONNX (torch.onnx.export, opset 17),
one file per network and image size, since the benchmark's shapes are fixed.

    python3 export_onnx.py WEIGHTS_DIR OUT_DIR generator:BLOCKS:SIZE discriminator:SIZE ...

Files that exist already are kept (the cache is bench/.cache/, git-ignored).
"""
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'test' / 'reference'))
from pytorch_gan import Discriminator, GeneratorResNet  # noqa: E402
from torch_bench import read_safetensors  # noqa: E402


def main():
    wdir, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for spec in sys.argv[3:]:
        parts = spec.split(':')
        if parts[0] == 'generator':
            blocks, size = int(parts[1]), int(parts[2])
            path = out / ('generator_%d_%d.onnx' % (blocks, size))
            net = GeneratorResNet((3, size, size), blocks, pad=3)
            net.load_state_dict(read_safetensors(wdir / ('generator_%d.safetensors' % blocks)), strict=True)
        else:
            size = int(parts[1])
            path = out / ('discriminator_%d.onnx' % size)
            net = Discriminator((3, size, size))
            net.load_state_dict(read_safetensors(wdir / 'discriminator.safetensors'), strict=True)
        if path.exists():
            continue
        net.eval()
        tmp = path.with_suffix('.tmp')
        torch.onnx.export(net, torch.zeros(1, 3, size, size), str(tmp), opset_version=17,
                          input_names=['x'], output_names=['y'])
        tmp.rename(path)
        print('exported', path, flush=True)


if __name__ == '__main__':
    main()
