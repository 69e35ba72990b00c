#!/usr/bin/python3
# PyTorch peer for Snn.Bench: times the same workloads as `snn bench` and prints one JSON object per line.
"""Usage: torch_bench.py --threads N --workload NAME [--warmup W] [--reps R] [--seed S] [--serve]

Each line is {"workload": label, "ms": median ms, "gflops": GFLOP/s (0 when not meaningful), "peak_rss_bytes": …};
labels match the C# figures (Snn.Bench workloads) so the two sides can be paired. Median after warm-up, like
BenchRunner.

With --serve the script warms every figure of the workload up, prints {"ready": [labels]}, then times one run of a
figure (after untimed ones lasting REWARM_SECONDS) for each label it reads on stdin and answers {"workload": label,
"ms": ms, "peak_rss_bytes": …}, until stdin closes. `snn bench` drives it this way so that each of our runs has a
PyTorch run next to it in time (BenchRunner): the shared host's speed drifts over minutes, and two blocks of runs
measured one after the other compare two different machines.

The models are what a careful PyTorch user writes with torch only (no spikingjelly package): the same layers, T and
batch as ours, an eager multi-step LIF loop like SpikingJelly's (ATan surrogate, hard reset to 0, detached reset,
decay_input), the first conv + BN computed once because the image is the same at every step, torch.no_grad() and
eval() for inference, Adam for training.
"""
import argparse
import json
import math
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH, TIME_STEPS, CLASSES = 64, 4, 10


def warm_up(fn, warmup, warmup_seconds=2.0, warmup_limit_seconds=8.0):
    """The same rule as BenchRunner: at least `warmup` runs and `warmup_seconds`, at most `warmup_limit_seconds`."""
    start = time.perf_counter()
    i = 0
    while True:
        elapsed = time.perf_counter() - start
        if (i >= warmup and elapsed >= warmup_seconds) or elapsed >= warmup_limit_seconds:
            break
        fn()
        i += 1


def median_ms(fn, warmup, reps):
    warm_up(fn, warmup)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def peak_rss_bytes():
    # ru_maxrss is in KiB on Linux: the process's high-water resident set, torch's own allocations included.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def emit(label, ms, flops=0.0):
    print(json.dumps({"workload": label, "ms": ms, "gflops": flops / ms / 1e6 if flops else 0.0,
                      "peak_rss_bytes": peak_rss_bytes()}), flush=True)


# Between served runs: longer than a waiting thread spins, ours (WorkerTeam, 5 ms) or OpenMP's (libgomp's default
# 300,000 pauses), so neither side's idle workers take a core from the other side's timed run.
QUIET_SECONDS = 0.025

# Untimed runs before each timed one last at least this long (BenchRunner.RewarmSeconds): the host had let the idle
# second vCPU go while the other side ran, and a run that starts by waiting for it to be scheduled again is not what
# back-to-back training steps see.
REWARM_SECONDS = 0.05


def serve(cases, warmup):
    """warm_up for every figure, then, per label read from stdin, untimed runs and a timed one."""
    bodies = {label: body for label, body, _ in cases}
    for body in bodies.values():
        warm_up(body, warmup)
    print(json.dumps({"ready": list(bodies)}), flush=True)
    for line in sys.stdin:
        label = line.strip()
        if label not in bodies:
            print(json.dumps({"error": f"unknown figure '{label}'; known: {list(bodies)}"}), flush=True)
            continue
        time.sleep(QUIET_SECONDS)
        start = time.perf_counter()
        while True:  # untimed: wakes the workers and the vCPU the pause let rest and refills the caches
            bodies[label]()
            if time.perf_counter() - start >= REWARM_SECONDS:
                break
        t0 = time.perf_counter()
        bodies[label]()
        ms = (time.perf_counter() - t0) * 1e3
        time.sleep(QUIET_SECONDS)
        print(json.dumps({"workload": label, "ms": ms, "peak_rss_bytes": peak_rss_bytes()}), flush=True)


class ATan(torch.autograd.Function):
    """Heaviside forward; SpikingJelly's ATan surrogate backward: α/2 / (1 + (π/2·α·x)²), α = 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        alpha = 2.0
        return grad * (alpha / 2 / (1 + (math.pi / 2 * alpha * x) ** 2))


class Lif(nn.Module):
    """Multi-step LIF over [T, ...] as SpikingJelly's eager loop: h = v + (x − v)/τ, s = H(h − 1), v = h·(1 − s)."""

    def __init__(self, tau=2.0, v_threshold=1.0):
        super().__init__()
        self.tau, self.v_threshold = tau, v_threshold

    def forward(self, x_seq):
        v = torch.zeros_like(x_seq[0])
        spikes = []
        for t in range(x_seq.shape[0]):
            h = v + (x_seq[t] - v) / self.tau
            s = ATan.apply(h - self.v_threshold)
            v = h * (1 - s.detach())
            spikes.append(s)
        return torch.stack(spikes)


def merged(module, x):
    """Runs a stateless layer over [T, N, ...] as [T·N, ...] (SpikingJelly's SeqToANNContainer)."""
    return module(x.flatten(0, 1)).unflatten(0, x.shape[:2])


class Csnn(nn.Module):
    """conv 1→32, 32→64 (3×3 pad 1, no bias) → BN → LIF → maxpool 2 → fc; conv1 + BN once, repeated over T."""

    def __init__(self, channels=(32, 64)):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, channels[0], 3, padding=1, bias=False), nn.BatchNorm2d(channels[0])
        self.conv2, self.bn2 = nn.Conv2d(channels[0], channels[1], 3, padding=1, bias=False), nn.BatchNorm2d(channels[1])
        self.lif1, self.lif2 = Lif(), Lif()
        self.fc = nn.Linear(channels[1] * 7 * 7, CLASSES)

    def forward(self, images):
        x = self.bn1(self.conv1(images)).unsqueeze(0).repeat(TIME_STEPS, 1, 1, 1, 1)
        x = merged(lambda z: F.max_pool2d(z, 2), self.lif1(x))
        x = self.lif2(merged(lambda z: self.bn2(self.conv2(z)), x))
        x = merged(lambda z: F.max_pool2d(z, 2), x)
        return self.fc(x.flatten(2)).mean(0)


class ConvBnLif(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv, self.bn, self.lif = nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), Lif()

    def forward(self, x):
        return self.lif(merged(lambda z: self.bn(self.conv(z)), x))


class LinearBnLif(nn.Module):
    """Linear → BatchNorm1d over the features (statistics over T·N·L) → LIF, on tokens [T, N, L, D]."""

    def __init__(self, cin, cout, v_threshold=1.0):
        super().__init__()
        self.linear, self.bn, self.lif = nn.Linear(cin, cout), nn.BatchNorm1d(cout), Lif(v_threshold=v_threshold)

    def forward(self, x):
        y = self.linear(x)
        y = self.bn(y.flatten(0, 2)).view_as(y)
        return self.lif(y)


class Spikformer(nn.Module):
    """Spikformer-2-64 (Zhou et al. 2023, CIFAR code) on 28×28: SPS to 7×7 tokens, 2 blocks of SSA + MLP, 4 heads."""

    def __init__(self, dim=64, depth=2, heads=4):
        super().__init__()
        self.heads = heads
        self.proj_conv, self.proj_bn = nn.Conv2d(1, dim // 8, 3, padding=1, bias=False), nn.BatchNorm2d(dim // 8)
        self.proj_lif = Lif()
        self.stage1, self.stage2 = ConvBnLif(dim // 8, dim // 4), ConvBnLif(dim // 4, dim // 2)
        self.stage3, self.rpe = ConvBnLif(dim // 2, dim), ConvBnLif(dim, dim)
        self.blocks = nn.ModuleList()
        for _ in range(depth):
            self.blocks.append(nn.ModuleDict({
                "q": LinearBnLif(dim, dim), "k": LinearBnLif(dim, dim), "v": LinearBnLif(dim, dim),
                "attn_lif": Lif(v_threshold=0.5), "proj": LinearBnLif(dim, dim),
                "fc1": LinearBnLif(dim, 4 * dim), "fc2": LinearBnLif(4 * dim, dim)}))
        self.head = nn.Linear(dim, CLASSES)

    def forward(self, images):
        x = self.bn_once(images)
        x = self.stage1(self.proj_lif(x))
        x = merged(lambda z: F.max_pool2d(z, 3, 2, 1), self.stage2(x))
        x = merged(lambda z: F.max_pool2d(z, 3, 2, 1), self.stage3(x))
        x = x + self.rpe(x)
        x = x.flatten(3).transpose(-1, -2)  # [T, N, L, D]
        for block in self.blocks:
            x = x + self.attention(block, x)
            x = x + block["fc2"](block["fc1"](x))
        return self.head(x.mean(2)).mean(0)

    def bn_once(self, images):
        return self.proj_bn(self.proj_conv(images)).unsqueeze(0).repeat(TIME_STEPS, 1, 1, 1, 1)

    def attention(self, block, x):
        t, n, tokens, dim = x.shape

        def split(z):
            return z.view(t, n, tokens, self.heads, dim // self.heads).transpose(2, 3)

        q, k, v = split(block["q"](x)), split(block["k"](x)), split(block["v"](x))
        attn = (q @ k.transpose(-2, -1)) @ v * 0.125
        attn = block["attn_lif"](attn.transpose(2, 3).reshape(t, n, tokens, dim))
        return block["proj"](attn)


def model_inputs(seed):
    generator = torch.Generator().manual_seed(seed)
    images = torch.rand(BATCH, 1, 28, 28, generator=generator)
    labels = torch.randint(0, CLASSES, (BATCH,), generator=generator)
    return images, labels


def train(model, label, seed):
    images, labels = model_inputs(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()

    return [(label, step, 0.0)]


def infer(model, label, seed):
    images, _ = model_inputs(seed)
    model.eval()

    @torch.no_grad()
    def batch():
        model(images)

    return [(label, batch, 0.0)]


def lif(seed, time_steps=8, neurons=64 * 65536):
    """Multi-step LIF forward + backward, T=8 over 64×65,536 neurons (SpikingJelly's eager multi-step loop)."""
    generator = torch.Generator().manual_seed(seed)
    x = (torch.rand(time_steps, neurons, generator=generator) * 3).requires_grad_()
    grad = torch.rand(time_steps, neurons, generator=generator)
    node = Lif()

    def step():
        x.grad = None
        node(x).backward(grad)

    return [("lif T=8 64x65536", step, 0.0)]


def gemm(seed, size=512):
    torch.manual_seed(seed)
    a, b = torch.rand(size, size) * 2 - 1, torch.rand(size, size) * 2 - 1
    c = torch.empty(size, size)
    return [(f"gemm {size}", lambda: torch.matmul(a, b, out=c), 2.0 * size ** 3)]


def stream(seed, length=64 * 4 * 32 * 28 * 28):
    """y = 2x over 25 MB: the host's memory-bound ceiling, next to ours (StreamWorkload.cs)."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(length, generator=generator)
    y = torch.empty(length)
    return [("stream y=2x 25 MB", lambda: torch.mul(x, 2.0, out=y), 0.0)]


# The reference convolutional SNN's layers at batch 64 · T 4: (label, in channels, out channels, side).
CONV_SHAPES = [("conv 1->32 28x28", 1, 32, 28), ("conv 32->64 14x14", 32, 64, 14)]


def conv(seed, batch=256):
    torch.manual_seed(seed)
    cases = []
    for label, cin, cout, side in CONV_SHAPES:
        x = torch.rand(batch, cin, side, side)
        w = torch.rand(cout, cin, 3, 3) - 0.5
        b = torch.rand(cout)

        @torch.no_grad()
        def forward(x=x, w=w, b=b):
            F.conv2d(x, w, b, stride=1, padding=1)

        cases.append((label, forward, 2.0 * batch * cout * side * side * cin * 9))
    return cases


def main():
    workloads = {
        "csnn-train": lambda s: train(Csnn(), "csnn train step", s),
        "csnn-infer": lambda s: infer(Csnn(), "csnn infer batch", s),
        "spikformer-train": lambda s: train(Spikformer(), "spikformer-2-64 train step", s),
        "spikformer-infer": lambda s: infer(Spikformer(), "spikformer-2-64 infer batch", s),
        "lif": lif,
        "gemm": gemm,
        "stream": stream,
        "conv": conv,
    }
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workload", required=True, choices=sorted(workloads))
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--serve", action="store_true", help="time one run per label read on stdin (see above)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cases = workloads[args.workload](args.seed)
    if args.serve:
        serve(cases, args.warmup)
        return
    for label, body, flops in cases:
        emit(label, median_ms(body, args.warmup, args.reps), flops)


if __name__ == "__main__":
    main()
