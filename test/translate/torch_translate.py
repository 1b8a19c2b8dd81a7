"""PyTorch oracle for test/translate/any_size.test.ts: PyTorch-GAN's GeneratorResNet (pad=3, as
cyclegan-engine builds it) with weights given as raw float32 files, applied to an image of any
size the way src/translate/translate.ts does: reflection-pad to a multiple of 4 (split between
the two ends, the smaller half first), forward, crop back.

    python3 torch_translate.py DIR     (DIR holds manifest.json, the weights and x.bin; writes y.bin)
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'reference'))
from pytorch_gan import GeneratorResNet  # noqa: E402


def main(d: Path) -> None:
    m = json.loads((d / 'manifest.json').read_text())
    c, h, w = m['shape']
    net = GeneratorResNet((c, 64, 64), m['blocks'], pad=3)
    state = {k: torch.from_numpy(np.fromfile(d / f'{i}.bin', dtype='<f4').reshape(s)) for i, (k, s) in enumerate(m['tensors'])}
    net.load_state_dict(state, strict=True)
    net.eval()
    x = torch.from_numpy(np.fromfile(d / 'x.bin', dtype='<f4').reshape(1, c, h, w))
    ph, pw = (4 - h % 4) % 4, (4 - w % 4) % 4
    top, left = ph // 2, pw // 2
    with torch.no_grad():
        y = net(F.pad(x, (left, pw - left, top, ph - top), mode='reflect'))[:, :, top:top + h, left:left + w]
    y.contiguous().numpy().astype('<f4').tofile(d / 'y.bin')


if __name__ == '__main__':
    main(Path(sys.argv[1]))
