"""Writes sdsa_core.json: the Spike-driven Transformer's attention core, y = q * LIF_0.5(sum_tokens k * v).

PyTorch is the oracle only. Computed in float64 from float32-exact inputs (q is 0/1 spikes, k and v are
multiples of 1/4), then rounded; format in README.md. The LIF is SpikingJelly's MultiStepLIFNode as the SDT code
configures it: tau 2, decay_input, v_th 0.5, hard reset to 0 detached, sigmoid surrogate alpha 4, written out here
so the file needs no spikingjelly. Run: python3 make_sdsa.py (writes next to this script).
"""
import json
import os

import torch

torch.manual_seed(5)
T, N, HEADS, L, D = 3, 2, 2, 5, 4
TAU, V_TH, ALPHA = 2.0, 0.5, 4.0


class Heaviside(torch.autograd.Function):
    """Spike when u >= 0; backward: the sigmoid surrogate alpha * s(alpha u) (1 - s(alpha u))."""

    @staticmethod
    def forward(ctx, u):
        ctx.save_for_backward(u)
        return (u >= 0).to(u.dtype)

    @staticmethod
    def backward(ctx, g):
        (u,) = ctx.saved_tensors
        s = torch.sigmoid(ALPHA * u)
        return g * ALPHA * s * (1 - s)


def lif(x):
    """x [T, ...] -> spikes [T, ...]; v starts at 0."""
    v = torch.zeros_like(x[0])
    out = []
    for t in range(x.shape[0]):
        h = v + (x[t] - v) / TAU
        s = Heaviside.apply(h - V_TH)
        v = h * (1 - s.detach())
        out.append(s)
    return torch.stack(out)


def quarters(*shape):
    return torch.randint(0, 5, shape, dtype=torch.float64) / 4


q = torch.randint(0, 2, (T, N, HEADS, L, D), dtype=torch.float64).requires_grad_()
k = quarters(T, N, HEADS, L, D).requires_grad_()
v = quarters(T, N, HEADS, L, D).requires_grad_()
y = q * lif((k * v).sum(dim=-2, keepdim=True))
upstream = torch.randint(-4, 5, y.shape, dtype=torch.float64) / 4
(y * upstream).sum().backward()


def tensor(t):
    return {"shape": list(t.shape), "data": [float(x) for x in t.detach().to(torch.float32).flatten().tolist()]}


case = {
    "op": "sdsa_core",
    "attrs": {"tau": TAU, "v_th": V_TH, "v_reset": 0.0, "decay_input": True, "detach_reset": True,
              "surrogate": "sigmoid", "alpha": ALPHA,
              "note": "y = q * LIF(sum over tokens (dim -2, keepdim) of k * v); q, k, v [T, N, heads, L, d]; LIF over dim 0"},
    "inputs": {"q": tensor(q), "k": tensor(k), "v": tensor(v)},
    "outputs": {"y": tensor(y)},
    "upstream": {"y": tensor(upstream)},
    "grads": {"q": tensor(q.grad), "k": tensor(k.grad), "v": tensor(v.grad)},
    "tol": {"abs": 1e-5, "rel": 1e-5},
}
spikes = y.detach().ne(0).double().mean().item()
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sdsa_core.json")
with open(path, "w") as f:
    json.dump(case, f, separators=(",", ":"))
print(f"wrote {path}: output non-zero fraction {spikes:.2f}, non-zero grads k {k.grad.ne(0).double().mean().item():.2f}")
