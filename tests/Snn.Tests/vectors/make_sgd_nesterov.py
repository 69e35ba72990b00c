"""Writes sgd_nesterov.json: PyTorch's SGD with Nesterov momentum and weight decay, three steps from p0.
Run with /usr/bin/python3 in this folder. Format: README.md (op optimizer_sgd_nesterov)."""
import json
import torch

torch.manual_seed(3)
p0 = torch.randn(7)
grads = [torch.randn(7) for _ in range(3)]
attrs = {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.001, "nesterov": True,
         "note": "apply g1, g2, g3 in turn starting from p0; outputs are the parameters after each step"}
p = torch.nn.Parameter(p0.clone())
opt = torch.optim.SGD([p], lr=attrs["lr"], momentum=attrs["momentum"], weight_decay=attrs["weight_decay"], nesterov=True)
outputs = {}
for i, g in enumerate(grads, 1):
    p.grad = g.clone()
    opt.step()
    outputs[f"p{i}"] = p.detach().clone()

t = lambda x: {"shape": list(x.shape), "data": x.tolist()}
case = {"op": "optimizer_sgd_nesterov", "attrs": attrs,
        "inputs": {"p0": t(p0), **{f"g{i}": t(g) for i, g in enumerate(grads, 1)}},
        "outputs": {k: t(v) for k, v in outputs.items()}, "tol": {"abs": 1e-6, "rel": 1e-5}}
json.dump(case, open("sgd_nesterov.json", "w"))
