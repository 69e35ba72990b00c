"""Builds a second csnn in PyTorch with other settings (channels 8,12; T=3; tau 3; v_th 0.8; soft reset;
no decay_input) and random weights, and records its logits on the first 16 test images of the shipped subset.
Run with /usr/bin/python3 from tests/Snn.Tests/interop: writes variant/{arch.json, model.safetensors, expected.json}.
The LIF follows ../vectors/README.md. Safetensors is written by hand (8-byte header length, JSON header, raw data)."""
import gzip, json, struct
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(5)
ARCH = {"model": "csnn", "channels": [8, 12], "timesteps": 3, "input": [1, 28, 28], "classes": 10,
        "neuron": {"type": "lif", "tau": 3.0, "v_th": 0.8, "v_reset": None, "decay_input": False},
        "encoding": "direct", "readout": "mean_over_time"}


def lif(x, tau, v_th, v_reset, decay_input):
    v = torch.zeros_like(x[0]) + (v_reset or 0.0)
    out = []
    for t in range(x.shape[0]):
        vr = v_reset or 0.0
        h = v + (x[t] - (v - vr)) / tau if decay_input else v - (v - vr) / tau + x[t]
        s = (h >= v_th).float()
        v = h - s * v_th if v_reset is None else h * (1 - s) + vr * s
        out.append(s)
    return torch.stack(out)


class Csnn(nn.Module):
    def __init__(self):
        super().__init__()
        c1, c2 = ARCH["channels"]
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c2)
        self.fc = nn.Linear(c2 * 7 * 7, 10)

    def forward(self, img):
        n = ARCH["neuron"]
        T = ARCH["timesteps"]
        x = self.bn1(self.conv1(img)).unsqueeze(0).repeat(T, 1, 1, 1, 1)
        x = nn.functional.max_pool2d(lif(x, n["tau"], n["v_th"], n["v_reset"], n["decay_input"]).flatten(0, 1), 2)
        x = self.bn2(self.conv2(x))
        x = x.view(T, -1, *x.shape[1:])
        x = nn.functional.max_pool2d(lif(x, n["tau"], n["v_th"], n["v_reset"], n["decay_input"]).flatten(0, 1), 2)
        return self.fc(x.flatten(1)).view(T, -1, 10).mean(0)


model = Csnn()
with torch.no_grad():  # non-trivial running statistics and affine parameters
    for bn in (model.bn1, model.bn2):
        bn.running_mean.uniform_(-0.2, 0.2)
        bn.running_var.uniform_(0.5, 1.5)
        bn.weight.uniform_(0.5, 2.0)
        bn.bias.uniform_(-0.2, 0.6)
model.eval()

with gzip.open("../../../data/fashion-mnist-subset/t10k-images-idx3-ubyte.gz") as f:
    raw = f.read()
images = torch.tensor(np.frombuffer(raw, dtype=np.uint8, offset=16)[: 16 * 784].astype(np.float32) / 255).view(16, 1, 28, 28)
with torch.no_grad():
    logits = model(images)

state = {k: v.contiguous().float().numpy() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
header, offset, blobs = {}, 0, []
for name, arr in state.items():
    b = arr.astype("<f4").tobytes()
    header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(b)]}
    offset += len(b)
    blobs.append(b)
h = json.dumps(header).encode()
with open("variant/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
json.dump(ARCH, open("variant/arch.json", "w"), indent=1)
json.dump({"logits_first16": logits.tolist(), "spike_counts_note": "logits of the first 16 images of the shipped test subset"},
          open("variant/expected.json", "w"))
print("wrote variant/, logits[0] =", logits[0].tolist())
