#!/usr/bin/env python3
# PyTorch oracle for the training tests (test/training): PyTorch-GAN's implementations/cyclegan
# (models.py, utils.py and the loop of cyclegan.py, as in the seed document), run on a scripted
# sequence of batches with the replay buffer's random.uniform / random.randint replaced by a
# scripted sequence, so that cyclegan-engine can run the very same steps.
#
#   /usr/bin/python3 torch_cyclegan.py train CONFIG.json OUT_DIR
#   /usr/bin/python3 torch_cyclegan.py sensitivity CONFIG.json OUT_DIR
#   /usr/bin/python3 torch_cyclegan.py lambda_lr CONFIG.json OUT_DIR
#
# train writes OUT_DIR/init.safetensors (initial weights, keys G_AB.*, G_BA.*, D_A.*, D_B.*),
# OUT_DIR/samples.safetensors (A.<i>, B.<i>: the samples in the order the loop consumes them),
# OUT_DIR/final.safetensors (the weights after the last step), OUT_DIR/result.json (per-step
# losses and learning rates) and, with "dump_step1", OUT_DIR/step1.safetensors (weights and, as
# grad.<key>, gradients after the first step). With "dtype": "float64" the networks run in
# double precision from the same float32 initial weights and samples: the exact-arithmetic
# trajectory that measures how far float32 itself drifts (slow: about 2 minutes for 5 steps, so
# the tests run it for step 1 only and use "perturb" for the free-running steps). With
# "perturb": x the initial weights are scaled by (1 + x * N(0, 1)) after init.safetensors is
# written, the normals drawn from "perturb_seed" (default 12345). With "max_steps": n the loop
# stops after n steps (the float64 step-1 oracle of test/training/pytorch_parity.test.ts needs
# just one). sensitivity runs train once per seed of "perturb_seeds", into OUT_DIR/<seed>/, in
# one process (importing torch costs seconds a run).
# Requires Debian's python3-torch (torch 1.13, CPU).
import json
import math
import random
import struct
import sys
from pathlib import Path

import torch

# models.py and utils.py: test/reference/pytorch_gan.py. Its ReplayBuffer draws through
# random.uniform / random.randint, which train() below replaces with the scripted sequences.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'reference'))
from pytorch_gan import (  # noqa: E402
    Discriminator, GeneratorResNet, LambdaLR, ReplayBuffer, weights_init_normal)

# PyTorch-GAN pads the generator's 7x7 convolutions by `channels` (its issue #128); 3 here,
# the same for RGB (docs/design.md, "The reference networks").
GENERATOR_PAD = 3


# ----------------------------------------------------------------------------- safetensors

def write_safetensors(path, tensors):
    header = {}
    chunks = []
    offset = 0
    for key, t in tensors.items():
        raw = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[key] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def prefixed(models):
    out = {}
    for name, m in models.items():
        for k, v in m.state_dict().items():
            out["%s.%s" % (name, k)] = v
    return out


# ----------------------------------------------------------------------------- the loop

def train(cfg, out):
    torch.set_num_threads(cfg.get("threads", 1))
    dtype = torch.float64 if cfg.get("dtype") == "float64" else torch.float32
    torch.manual_seed(cfg["seed"])
    channels, h, w = cfg["channels"], cfg["img_height"], cfg["img_width"]
    input_shape = (channels, h, w)
    G_AB = GeneratorResNet(input_shape, cfg["n_residual_blocks"], pad=GENERATOR_PAD)
    G_BA = GeneratorResNet(input_shape, cfg["n_residual_blocks"], pad=GENERATOR_PAD)
    D_A = Discriminator(input_shape)
    D_B = Discriminator(input_shape)
    for m in (G_AB, G_BA, D_A, D_B):
        m.apply(weights_init_normal)
    models = {"G_AB": G_AB, "G_BA": G_BA, "D_A": D_A, "D_B": D_B}
    write_safetensors("%s/init.safetensors" % out, prefixed(models))
    for m in models.values():
        m.to(dtype)
    if cfg.get("perturb"):
        # Sensitivity run: every initial weight scaled by (1 + perturb * N(0, 1)), i.e. moved by
        # about one float32 rounding for perturb = 1e-7, to measure how far the loop itself
        # carries a rounding difference in a few steps.
        gen = torch.Generator().manual_seed(cfg.get("perturb_seed", 12345))
        with torch.no_grad():
            for m in models.values():
                for p in m.parameters():
                    p.mul_(1 + cfg["perturb"] * torch.randn(p.shape, generator=gen, dtype=p.dtype))

    # The samples, in the order the loop consumes them: tanh of normals, so in (-1, 1).
    n_steps_samples = sum(sum(b) for b in cfg["epochs"])
    samples_A = [torch.tanh(torch.randn(channels, h, w)) for _ in range(n_steps_samples)]
    samples_B = [torch.tanh(torch.randn(channels, h, w)) for _ in range(n_steps_samples)]
    st = {}
    for i in range(n_steps_samples):
        st["A.%d" % i] = samples_A[i]
        st["B.%d" % i] = samples_B[i]
    write_safetensors("%s/samples.safetensors" % out, st)

    # The replay buffers' random decisions, scripted.
    uniforms = iter(cfg["uniforms"])
    randints = iter(cfg["randints"])
    random.uniform = lambda a, b: next(uniforms)
    random.randint = lambda a, b: next(randints)

    criterion_GAN = torch.nn.MSELoss()
    criterion_cycle = torch.nn.L1Loss()
    criterion_identity = torch.nn.L1Loss()
    lr, b1, b2 = cfg["lr"], cfg["b1"], cfg["b2"]
    n_epochs, epoch0, decay_epoch = cfg["n_epochs"], cfg["epoch"], cfg["decay_epoch"]
    optimizer_G = torch.optim.Adam(itertools_chain(G_AB.parameters(), G_BA.parameters()), lr=lr, betas=(b1, b2))
    optimizer_D_A = torch.optim.Adam(D_A.parameters(), lr=lr, betas=(b1, b2))
    optimizer_D_B = torch.optim.Adam(D_B.parameters(), lr=lr, betas=(b1, b2))
    lr_scheduler_G = torch.optim.lr_scheduler.LambdaLR(optimizer_G, lr_lambda=LambdaLR(n_epochs, epoch0, decay_epoch).step)
    lr_scheduler_D_A = torch.optim.lr_scheduler.LambdaLR(optimizer_D_A, lr_lambda=LambdaLR(n_epochs, epoch0, decay_epoch).step)
    lr_scheduler_D_B = torch.optim.lr_scheduler.LambdaLR(optimizer_D_B, lr_lambda=LambdaLR(n_epochs, epoch0, decay_epoch).step)
    fake_A_buffer = ReplayBuffer(cfg["buffer_size"])
    fake_B_buffer = ReplayBuffer(cfg["buffer_size"])
    lambda_cyc, lambda_id = cfg["lambda_cyc"], cfg["lambda_id"]

    steps = []
    cursor = 0
    max_steps = cfg.get("max_steps", sum(len(b) for b in cfg["epochs"]))
    for epoch, batches in zip(range(epoch0, n_epochs), cfg["epochs"]):
        if len(steps) >= max_steps:
            break
        for i, n in enumerate(batches):
            if len(steps) >= max_steps:
                break
            real_A = torch.stack(samples_A[cursor:cursor + n]).to(dtype)
            real_B = torch.stack(samples_B[cursor:cursor + n]).to(dtype)
            cursor += n
            valid = torch.ones((real_A.size(0), *D_A.output_shape), dtype=dtype)
            fake = torch.zeros((real_A.size(0), *D_A.output_shape), dtype=dtype)

            G_AB.train()
            G_BA.train()
            optimizer_G.zero_grad()
            loss_id_A = criterion_identity(G_BA(real_A), real_A)
            loss_id_B = criterion_identity(G_AB(real_B), real_B)
            loss_identity = (loss_id_A + loss_id_B) / 2
            fake_B = G_AB(real_A)
            loss_GAN_AB = criterion_GAN(D_B(fake_B), valid)
            fake_A = G_BA(real_B)
            loss_GAN_BA = criterion_GAN(D_A(fake_A), valid)
            loss_GAN = (loss_GAN_AB + loss_GAN_BA) / 2
            recov_A = G_BA(fake_B)
            loss_cycle_A = criterion_cycle(recov_A, real_A)
            recov_B = G_AB(fake_A)
            loss_cycle_B = criterion_cycle(recov_B, real_B)
            loss_cycle = (loss_cycle_A + loss_cycle_B) / 2
            loss_G = loss_GAN + lambda_cyc * loss_cycle + lambda_id * loss_identity
            loss_G.backward()
            optimizer_G.step()

            optimizer_D_A.zero_grad()
            loss_real = criterion_GAN(D_A(real_A), valid)
            fake_A_ = fake_A_buffer.push_and_pop(fake_A)
            loss_fake = criterion_GAN(D_A(fake_A_.detach()), fake)
            loss_D_A = (loss_real + loss_fake) / 2
            loss_D_A.backward()
            optimizer_D_A.step()

            optimizer_D_B.zero_grad()
            loss_real = criterion_GAN(D_B(real_B), valid)
            fake_B_ = fake_B_buffer.push_and_pop(fake_B)
            loss_fake = criterion_GAN(D_B(fake_B_.detach()), fake)
            loss_D_B = (loss_real + loss_fake) / 2
            loss_D_B.backward()
            optimizer_D_B.step()

            loss_D = (loss_D_A + loss_D_B) / 2
            if len(steps) == 0 and cfg.get("dump_step1"):
                # Weights and gradients after the first step: G's from loss_G, each D's from its loss.
                dump = prefixed(models)
                for name, m in models.items():
                    for k, p in m.named_parameters():
                        dump["grad.%s.%s" % (name, k)] = p.grad
                write_safetensors("%s/step1.safetensors" % out, dump)
            steps.append({
                "epoch": epoch,
                "batch": i,
                "lr": optimizer_G.param_groups[0]["lr"],
                "lossD": loss_D.item(),
                "lossG": loss_G.item(),
                "lossGAN": loss_GAN.item(),
                "lossCycle": loss_cycle.item(),
                "lossIdentity": loss_identity.item(),
            })
        lr_scheduler_G.step()
        lr_scheduler_D_A.step()
        lr_scheduler_D_B.step()

    write_safetensors("%s/final.safetensors" % out, prefixed(models))
    with open("%s/result.json" % out, "w") as f:
        json.dump({"torch_version": torch.__version__, "steps": steps}, f)


def sensitivity(cfg, out):
    # An ensemble of perturbed runs: how far one rounding-level change carries is heavy-tailed
    # (over 6 seeds, 5 steps moved lossD by 6e-5 to 2.4e-2), so one run is not a measure of it.
    for seed in cfg["perturb_seeds"]:
        d = Path(out) / str(seed)
        d.mkdir()
        train(dict(cfg, perturb_seed=seed), str(d))


def itertools_chain(*its):
    import itertools
    return itertools.chain(*its)


def lambda_lr(cfg, out):
    # torch.optim.lr_scheduler.LambdaLR driven by the reference's LambdaLR, stepped per epoch.
    results = []
    for case in cfg["cases"]:
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.Adam([p], lr=case["lr"], betas=(0.5, 0.999))
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lr_lambda=LambdaLR(case["n_epochs"], case["epoch"], case["decay_epoch"]).step)
        lrs = []
        for epoch in range(case["epoch"], case["n_epochs"]):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        results.append({"case": case, "lrs": lrs})
    with open("%s/lambda_lr.json" % out, "w") as f:
        json.dump({"torch_version": torch.__version__, "results": results}, f)


if __name__ == "__main__":
    cmd, cfg_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(cfg_path) as f:
        cfg = json.load(f)
    {"train": train, "sensitivity": sensitivity, "lambda_lr": lambda_lr}[cmd](cfg, out)
