#!/usr/bin/python3
"""Inputs and float64 PyTorch results for bench/winograd_error.mjs: a 256-channel 3x3 conv
(padding 0, the residual block's) at 32x32 and 64x64 outputs, forward, input gradient and weight
gradient, written as little-endian float32 files e<S>_<x|w|dy|y|dx|dw>.bin into the directory argv[1]."""
import sys

import torch

torch.manual_seed(7)
out = sys.argv[1]
for S in (32, 64):
    x = torch.randn(1, 256, S + 2, S + 2)
    w = torch.randn(256, 256, 3, 3) / (256 * 9) ** 0.5
    dy = torch.randn(1, 256, S, S)
    xd = x.double().requires_grad_(True)
    wd = w.double().requires_grad_(True)
    y = torch.nn.functional.conv2d(xd, wd)
    y.backward(dy.double())
    for name, t in (('x', x), ('w', w), ('dy', dy), ('y', y.detach().float()), ('dx', xd.grad.float()), ('dw', wd.grad.float())):
        t.numpy().astype('<f4').tofile('%s/e%d_%s.bin' % (out, S, name))
