#!/usr/bin/python3
"""The PyTorch reference for repro4j's benchmark: the workloads of
bench/src/main/java/org/repro4j/bench/Bench.java, the same computations with the same shapes,
data, warm-ups, repeats and time budgets, so bench/run.sh can print their ratio.

Prints one line per workload, "RESULT name seconds flops" (tab-separated): the median time of one
unit (a train step, a sampling, a load); flops are those of the Java side and printed as 0 here.
Threads: torch.set_num_threads(OMP_NUM_THREADS). Usage: workloads.py [workload ...].
"""
import copy
import gzip
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MIN_REPEATS = 3
WARMUP_SECONDS = 5  # Harness.WARMUP_SECONDS: untimed runs for at least this long, and at least `warmups` of them
# (Harness also waits for the JVM's JIT compiler to settle; Python has no JIT to wait for)
# make bench BACKEND=cuda sets BENCH_DEVICE=cuda: nets and data live on the GPU, and each timed run
# ends with a synchronisation so that it counts the GPU's work.
DEVICE = torch.device(os.environ.get("BENCH_DEVICE", "cpu"))


def sync():
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


def median(warmups, repeats, budget, work):
    """Like Harness.median: warm-ups (at least `warmups` runs and WARMUP_SECONDS), then up to `repeats` timed runs
    within `budget` seconds (at least 3)."""
    warmup_start = time.perf_counter()
    done = 0
    while done < warmups or time.perf_counter() - warmup_start < WARMUP_SECONDS:
        work()
        sync()
        done += 1
    times = []
    spent = 0.0
    while len(times) < repeats and (len(times) < MIN_REPEATS or spent < budget):
        start = time.perf_counter()
        work()
        sync()
        t = time.perf_counter() - start
        times.append(t)
        spent += t
    return float(np.median(times))


def fashion_dir():
    return os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def read_split(directory, split):
    """IDX images as float32 [n, 784] in [0, 1] and labels as int64, like Dataset.ofBytes."""
    with gzip.open(os.path.join(directory, split + "-images-idx3-ubyte.gz"), "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[4:8], "big")
    images = torch.from_numpy(np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 784).copy()).float().div_(255)
    with gzip.open(os.path.join(directory, split + "-labels-idx1-ubyte.gz"), "rb") as f:
        raw = f.read()
    labels = torch.from_numpy(np.frombuffer(raw, dtype=np.uint8, offset=8).astype(np.int64))
    if labels.shape[0] != n:
        raise ValueError(split + ": label/image count mismatch")
    return images, labels


_data = {}


def data():
    if not _data:
        d = fashion_dir()
        _data["train"] = tuple(t.to(DEVICE) for t in read_split(d, "train"))
        _data["test"] = tuple(t.to(DEVICE) for t in read_split(d, "t10k"))
    return _data["train"], _data["test"]


def gemm():
    n = 2048
    a, b, c = torch.rand(n, n, device=DEVICE), torch.rand(n, n, device=DEVICE), torch.empty(n, n, device=DEVICE)
    return median(2, 10, 10, lambda: torch.mm(a, b, out=c))


def load():
    def work():
        a = read_split(fashion_dir(), "train")
        b = read_split(fashion_dir(), "t10k")
        assert a[0].shape[0] + b[0].shape[0] == 70000
    return median(1, 5, 20, work)


def mlp(widths, activation=nn.ReLU):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(activation())
    return nn.Sequential(*layers).to(DEVICE)


def lenet():
    return mlp([784, 300, 100, 10])


def permutation(n, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randperm(n, generator=g).to(DEVICE)


def train_steps(net, optimiser, batch, steps, x_all, y_all, reshape=None):
    """Like Bench.trainSteps: rows of a permutation copied out of the training set, then one Adam step."""
    order = permutation(x_all.shape[0], 7)
    pos = [0]

    def work():
        for _ in range(steps):
            if pos[0] + batch > order.shape[0]:
                pos[0] = 0
            rows = order[pos[0]:pos[0] + batch]
            pos[0] += batch
            x, y = x_all[rows], y_all[rows]
            if reshape is not None:
                x = x.view(reshape(batch))
            optimiser.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            optimiser.step()
    return median(1, 15, 15, work) / steps


def lenet_step(batch, steps):
    (x, y), _ = data()
    net = lenet()
    return train_steps(net, torch.optim.Adam(net.parameters(), lr=1.2e-3), batch, steps, x, y)


def evaluation(net, x_all, y_all, reshape=None, chunk=500):
    """Like org.repro4j.train.Evaluation: softmax probabilities in chunks of 500 (Evaluation.CHUNK), loss and accuracy."""
    with torch.no_grad():
        loss_sum, correct = 0.0, 0
        for start in range(0, x_all.shape[0], chunk):
            x, y = x_all[start:start + chunk], y_all[start:start + chunk]
            if reshape is not None:
                x = x.view(reshape(x.shape[0]))
            p = torch.softmax(net(x), dim=1)
            true = p.gather(1, y.view(-1, 1)).squeeze(1)
            loss_sum -= torch.log(torch.clamp(true, min=1e-12)).sum().item()
            correct += int((p.argmax(1) == y).sum().item())
        return loss_sum / x_all.shape[0], correct / x_all.shape[0]


def lenet_eval():
    _, (x, y) = data()
    net = lenet()
    net.eval()
    return median(2, 15, 10, lambda: evaluation(net, x, y))


def conv_net():
    """Models.conv(1, 28, 28, [8], [64, 64], 10): two 3x3 same convolutions of 8, max-pool 2x2, dense 64-64-10."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(8 * 14 * 14, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)).to(DEVICE)


def images(n):
    return (n, 1, 28, 28)


def conv_step(batch, steps):
    (x, y), _ = data()
    net = conv_net()
    return train_steps(net, torch.optim.Adam(net.parameters(), lr=3e-4), batch, steps, x, y, reshape=images)


def conv_eval():
    _, (x, y) = data()
    net = conv_net()
    net.eval()
    x, y = x[:2000], y[:2000]
    return median(1, 10, 10, lambda: evaluation(net, x, y, reshape=images))


FREQUENCIES = 16


def embedding(c):
    """TimeMlp.embedding: sin and cos of c * 1000^(k / K), in float64."""
    w = torch.tensor([1000.0 ** (k / FREQUENCIES) for k in range(FREQUENCIES)], dtype=torch.float64, device=DEVICE)
    angles = c.to(torch.float64).reshape(-1, 1) @ w.reshape(1, -1)
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


def denoiser_net():
    """TimeMlp.create(2, [256, 256, 256], 16): SiLU layers on [x, embedding(c)], a linear output of 2."""
    return mlp([2 + 2 * FREQUENCIES, 256, 256, 256, 2], activation=nn.SiLU)


def denoiser_input(x, c):
    return torch.cat([x.float(), embedding(c).float()], dim=1)


def denoiser_step():
    net = denoiser_net()
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    batch, steps = 512, 20
    x = torch.randn(batch, 2, dtype=torch.float64, device=DEVICE)
    c = torch.rand(batch, dtype=torch.float64, device=DEVICE)
    target = torch.randn(batch, 2, dtype=torch.float64, device=DEVICE)

    def work():
        for _ in range(steps):
            optimiser.zero_grad(set_to_none=True)
            out = net(denoiser_input(x, c))
            loss = ((out - target.float()) ** 2).sum(1).mean() / 2
            loss.backward()
            optimiser.step()
    return median(1, 15, 10, work) / steps


# DDPM's linear 1000-step schedule (Schedules.linearBetas(1000, 1e-4, 0.02)): its noise levels sigma_t.
DDPM_ALPHA_BARS = np.cumprod(1 - np.linspace(1e-4, 0.02, 1000))
DDPM_SIGMAS = np.sqrt((1 - DDPM_ALPHA_BARS) / DDPM_ALPHA_BARS)


def spaced(steps):
    """Schedules.spaced(DDPM, steps) with a 0 appended, and each level's c_noise: the fractional timestep over
    T - 1, interpolated in log sigma (Schedules.time)."""
    t = len(DDPM_SIGMAS)
    idx = [int(round((t - 1) * (1 - i / (steps - 1)))) for i in range(steps)]
    sigmas = [float(DDPM_SIGMAS[i]) for i in idx] + [0.0]
    log_s = np.log(DDPM_SIGMAS)
    cond = [float(np.interp(math.log(s), log_s, np.arange(t))) / (t - 1) for s in sigmas[:-1]]
    return sigmas, cond


def ddim_step(eps, x, s, to, cond):
    """One step of Samplers.ddim (eta = 0) from level s to `to` with the epsilon-parametrised net eps(x_in, c):
    D = x - s eps(x / sqrt(1 + s^2), c), then the point at `to` on the line from D through x."""
    c = torch.full((x.shape[0],), cond, dtype=torch.float64, device=DEVICE)
    denoised = eps(x * (1 / math.sqrt(1 + s * s)), c).to(x.dtype) * (-s) + x
    return (x - denoised) * (to / s) + denoised


def ddim():
    """Samplers.ddim with eta = 0, 50 steps, 10,000 2-D points, epsilon parametrisation on a linear 1000-step schedule."""
    net = denoiser_net()
    steps = 50
    sigmas, cond = spaced(steps)
    start = torch.randn(10000, 2, dtype=torch.float64, device=DEVICE) * sigmas[0]

    def work():
        x = start
        with torch.no_grad():
            for i in range(steps):
                x = ddim_step(lambda x_in, c: net(denoiser_input(x_in, c)), x, sigmas[i], sigmas[i + 1], cond[i])
        return x
    return median(1, 7, 15, work)


UNET, UNET_GROUPS = [16, 32, 32], 8


class Block(nn.Module):
    """A block of UNet.create: 3x3 conv, plus a linear projection of the time features (one value a channel,
    ChannelAdd), group norm, SiLU, 3x3 conv, group norm, SiLU."""

    def __init__(self, cin, width, time, groups):
        super().__init__()
        self.a = nn.Conv2d(cin, width, 3, padding=1)
        self.t = nn.Linear(time, width)
        self.norm1 = nn.GroupNorm(groups, width) if groups else nn.Identity()
        self.b = nn.Conv2d(width, width, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, width) if groups else nn.Identity()

    def forward(self, x, temb):
        h = F.silu(self.norm1(self.a(x) + self.t(temb)[:, :, None, None]))
        return F.silu(self.norm2(self.b(h)))


class UNet(nn.Module):
    """org.repro4j.diffusion.UNet: the embedding through Linear-SiLU-Linear-SiLU of width 4 w_0; level l a block of
    w_l channels, max-pool 2x2 between levels; the decoder upsamples (nearest), concatenates [up, encoder's block]
    and runs a block of w_l; a 1x1 conv back to the image's channels; rows [n, C*H*W] in and out."""

    def __init__(self, channels, side, widths, frequencies, groups):
        super().__init__()
        self.shape = (channels, side, side)
        time = 4 * widths[0]
        self.time = nn.Sequential(nn.Linear(2 * frequencies, time), nn.SiLU(), nn.Linear(time, time), nn.SiLU())
        self.down = nn.ModuleList(Block(channels if l == 0 else widths[l - 1], widths[l], time, groups)
                                  for l in range(len(widths)))
        self.up = nn.ModuleList(Block(widths[l + 1] + widths[l], widths[l], time, groups)
                                for l in reversed(range(len(widths) - 1)))
        self.out = nn.Conv2d(widths[0], channels, 1)

    def forward(self, x, emb):
        temb = self.time(emb)
        h = x.view(x.shape[0], *self.shape)
        skips = []
        for l, block in enumerate(self.down):
            h = block(h if l == 0 else F.max_pool2d(h, 2), temb)
            skips.append(h)
        for block, skip in zip(self.up, reversed(skips[:-1])):
            h = block(torch.cat([F.interpolate(h, scale_factor=2, mode="nearest"), skip], 1), temb)
        return self.out(h).flatten(1)


def unet():
    """UNet.create(1, 28, 28, [16, 32, 32], 16, 8, ...); logs its parameter count, which Bench's log also shows."""
    net = UNet(1, 28, UNET, FREQUENCIES, UNET_GROUPS).to(DEVICE)
    print("unet %s, %d frequencies, %d groups: %d parameters"
          % (UNET, FREQUENCIES, UNET_GROUPS, sum(p.numel() for p in net.parameters())), file=sys.stderr)
    return net


def unet_eps(net):
    return lambda x_in, c: net(x_in, embedding(c).float())


def unet_step(batch):
    """One Adam step on DDPM's epsilon objective like Objectives.step: images drawn with replacement, a timestep
    each uniform over the 1000, x = x0 + sigma noise (noise drawn in float64), input x / sqrt(1 + sigma^2),
    c = t / (T - 1), target (x0 - x) / (-sigma), mean squared error."""
    (x_all, _), _ = data()
    net = unet()
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    eps = unet_eps(net)
    sigmas_all = torch.from_numpy(DDPM_SIGMAS).to(DEVICE)
    t_max = len(DDPM_SIGMAS)

    def work():
        x0 = x_all[torch.randint(x_all.shape[0], (batch,), device=DEVICE)]
        t = torch.randint(t_max, (batch,), device=DEVICE)
        sigma = sigmas_all[t].view(-1, 1)
        x = torch.randn(x0.shape, dtype=torch.float64, device=DEVICE).float() * sigma.float() + x0
        target = (x0 - x) / (-sigma).float()
        optimiser.zero_grad(set_to_none=True)
        loss = F.mse_loss(eps(x * (1 / torch.sqrt(1 + sigma * sigma)).float(), t.double() / (t_max - 1)), target)
        loss.backward()
        optimiser.step()
    return median(1, 10, 15, work)


def unet_sample_step(batch):
    """One step of Samplers.ddim (eta = 0) with the U-Net for `batch` images: the first of 50 spaced steps."""
    eps = unet_eps(unet())
    sigmas, cond = spaced(50)
    start = torch.randn(batch, 28 * 28, device=DEVICE) * sigmas[0]

    def work():
        with torch.no_grad():
            return ddim_step(eps, start, sigmas[0], sigmas[1], cond[0])
    return median(2, 15, 10, work)


def big_net():
    return mlp([784, 2048, 2048, 2048, 10])


def magnitude():
    """Global magnitude pruning to 20 % density: exactly round(0.2 N) weights kept (Selection.global)."""
    net = big_net()
    weights = [m.weight for m in net if isinstance(m, nn.Linear)]

    def work():
        with torch.no_grad():
            scores = torch.cat([w.abs().flatten() for w in weights])
            keep = round(0.2 * scores.numel())
            flat = torch.zeros(scores.numel(), dtype=torch.bool, device=DEVICE)
            flat[torch.topk(scores, keep, sorted=False).indices] = True
            return [m.view_as(w) for m, w in zip(torch.split(flat, [w.numel() for w in weights]), weights)]
    return median(1, 7, 20, work)


def synflow():
    """One round of SynFlow scores: a float64 copy with |w|, zero biases, each layer divided by its
    largest output-unit sum, R = sum of the outputs on one all-ones input, scores |w * dR/dw|."""
    net = big_net()

    def work():
        c = copy.deepcopy(net).double()
        with torch.no_grad():
            for m in c:
                if isinstance(m, nn.Linear):
                    m.bias.zero_()
                    m.weight.abs_()
                    largest = m.weight.sum(1).max()
                    if largest > 0:
                        m.weight.div_(largest)
        c.zero_grad(set_to_none=True)
        c(torch.ones(1, 784, dtype=torch.float64, device=DEVICE)).sum().backward()
        return [(m.weight.grad * m.weight).abs() for m in c if isinstance(m, nn.Linear)]
    return median(1, 7, 20, work)


WORKLOADS = {
    "gemm_2048": gemm,
    "load_fashion_mnist": load,
    "lenet_step_b60": lambda: lenet_step(60, 50),
    "lenet_step_b512": lambda: lenet_step(512, 10),
    "lenet_eval_10k": lenet_eval,
    "conv_step_b128": lambda: conv_step(128, 3),
    "conv_eval_2k": conv_eval,
    "denoiser_step_b512": denoiser_step,
    "ddim50_10k": ddim,
    "unet_step_b128": lambda: unet_step(128),
    "unet_sample_step_b128": lambda: unet_sample_step(128),
    "prune_magnitude_10m": magnitude,
    "synflow_scores_10m": synflow,
}


def main(names):
    threads = int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(1)
    for name in names or list(WORKLOADS):
        if name not in WORKLOADS:
            sys.exit("workload: unknown '%s'; known: %s" % (name, ", ".join(WORKLOADS)))
        seconds = WORKLOADS[name]()
        print("RESULT\t%s\t%.6g\t0" % (name, seconds), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
