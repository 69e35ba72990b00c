#!/usr/bin/python3
# PyTorch peer for Snn.Bench: times the same workloads and prints one JSON object per line.
"""Usage: torch_bench.py --threads N --workload {gemm,conv} [--reps R]

Each line is {"workload": label, "ms": median milliseconds, "gflops": GFLOP/s}; labels match the C# figures
(Snn.Bench.GemmWorkload, ConvWorkload) so the two sides can be paired. Median after warm-up, like BenchRunner.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F


def median_ms(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def emit(label, ms, flops):
    print(json.dumps({"workload": label, "ms": ms, "gflops": flops / ms / 1e6}), flush=True)


def gemm(warmup, reps, size=512):
    a, b = torch.rand(size, size) * 2 - 1, torch.rand(size, size) * 2 - 1
    c = torch.empty(size, size)
    emit(f"gemm {size}", median_ms(lambda: torch.matmul(a, b, out=c), warmup, reps), 2.0 * size ** 3)


# The reference convolutional SNN's layers at batch 64 · T 4: (label, in channels, out channels, side).
CONV_SHAPES = [("conv 1->32 28x28", 1, 32, 28), ("conv 32->64 14x14", 32, 64, 14)]


def conv(warmup, reps, batch=256):
    with torch.no_grad():
        for label, cin, cout, side in CONV_SHAPES:
            x = torch.rand(batch, cin, side, side)
            w = torch.rand(cout, cin, 3, 3) - 0.5
            b = torch.rand(cout)
            flops = 2.0 * batch * cout * side * side * cin * 9
            emit(label, median_ms(lambda: F.conv2d(x, w, b, stride=1, padding=1), warmup, reps), flops)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workload", required=True, choices=["gemm", "conv"])
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    {"gemm": gemm, "conv": conv}[args.workload](args.warmup, args.reps)


if __name__ == "__main__":
    main()
