"""Export a GAN Dissection / GANPaint ProGAN checkpoint to PaintGAN's two-graph GANPaint format.

Users who have the original gandissect weights (e.g. `churchoutdoor_lsun.pth`, `livingroom_lsun.pth`,
the `netdissect/proggan.py` layout) can turn them into a GANPaint model folder:

    python -m paintgan.training.proggan_export churchoutdoor_lsun.pth --out models/proggan-church \
        [--name proggan-church] [--split layer4] [--segmenter-from models/ganpaint/segmenter.onnx]

The architecture is rebuilt from the state dict (reconstructed from netdissect/proggan.py):

    forward(z [N, Z]) = z viewed as [N, Z, 1, 1] ->
      layer1: PixelNorm -> Conv2d(Z, s1, k=4, pad=3, no bias) -> WScale -> LeakyReLU(0.2)   (1x1 -> 4x4)
      layer2: PixelNorm -> Conv2d(s1, s1, 3, pad 1) -> WScale -> LeakyReLU                   (4x4)
      then pairs: PixelNorm -> nearest x2 -> Conv 3x3 -> WScale -> LReLU ;  PixelNorm -> Conv 3x3 -> ...
      output_RxR: PixelNorm -> Conv2d(s_last, 3, 1, no bias) -> WScale (gain 1) [-> Hardtanh]

    WScale: x * scale + b   (state dict keys "layerN.wscale.scale" (1 value, older checkpoints) and
            "layerN.wscale.b"; without `scale` it is gain / sqrt(fan_in), gain = sqrt(2)/k, 1 for output)

Keys: "layer1.conv.weight", "layer1.wscale.scale", "layer1.wscale.b", ..., "output_256x256.conv.weight",
"output_256x256.wscale.scale", "output_256x256.wscale.b". The split after layer4 (8x8x512) is GANPaint's.
No weights are downloadable here; tests use randomly initialised weights of this architecture. Without a
segmenter the model generates and edits with a dissection you provide (e.g. from your own `dissect` run
with `--segmenter-from`; our segmenter knows cartoon landscapes only, so its labels on LSUN scenes are rough).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import shutil
import sys
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

SIZES = {
    8: [512, 512, 512],
    16: [512, 512, 512, 512],
    32: [512, 512, 512, 512, 256],
    64: [512, 512, 512, 512, 256, 128],
    128: [512, 512, 512, 512, 256, 128, 64],
    256: [512, 512, 512, 512, 256, 128, 64, 32],
    1024: [512, 512, 512, 512, 512, 256, 128, 64, 32, 16],
}


class PixelNormLayer(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x / torch.sqrt(torch.mean(x**2, dim=1, keepdim=True) + 1e-8)


class WScaleLayer(nn.Module):
    def __init__(self, size: int, fan_in: int, gain: float) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor([gain / math.sqrt(fan_in)]))
        self.b = nn.Parameter(torch.zeros(size))
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.b.view(1, -1, 1, 1)


class NormConvBlock(nn.Module):
    def __init__(self, cin: int, cout: int, kernel_size: int, padding: int, upscale: bool = False) -> None:
        super().__init__()
        self.norm = PixelNormLayer()
        self.upscale = upscale
        self.conv = nn.Conv2d(cin, cout, kernel_size, 1, padding, bias=False)
        self.wscale = WScaleLayer(cout, cin, gain=math.sqrt(2) / kernel_size)
        self.relu = nn.LeakyReLU(negative_slope=0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x)
        if self.upscale:
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        return self.relu(self.wscale(self.conv(x)))


class OutputConvBlock(nn.Module):
    def __init__(self, cin: int, tanh: bool = False) -> None:
        super().__init__()
        self.norm = PixelNormLayer()
        self.conv = nn.Conv2d(cin, 3, 1, 1, 0, bias=False)
        self.wscale = WScaleLayer(3, cin, gain=1.0)
        self.tanh = tanh

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.wscale(self.conv(self.norm(x)))
        return F.hardtanh(x) if self.tanh else x


class ProgressiveGenerator(nn.Sequential):
    """netdissect/proggan.py's ProgressiveGenerator (sizes: [z_dim, 4x4 depth, 8x8 depth, ...])."""

    def __init__(
        self, resolution: int | None = None, sizes: list[int] | None = None, output_tanh: bool = False
    ):
        if (resolution is None) == (sizes is None):
            raise ValueError("give exactly one of resolution and sizes")
        sizes = list(sizes) if sizes is not None else SIZES[int(resolution or 0)]
        seq: list[tuple[str, nn.Module]] = []

        def add(layer: nn.Module, name: str | None = None) -> None:
            seq.append((name or f"layer{len(seq) + 1}", layer))

        add(NormConvBlock(sizes[0], sizes[1], 4, 3))
        add(NormConvBlock(sizes[1], sizes[1], 3, 1))
        for si, so in itertools.pairwise(sizes[1:]):
            add(NormConvBlock(si, so, 3, 1, upscale=True))
            add(NormConvBlock(so, so, 3, 1))
        dim = 4 * (2 ** (len(seq) // 2 - 1))
        add(OutputConvBlock(sizes[-1], tanh=output_tanh), f"output_{dim}x{dim}")
        super().__init__(OrderedDict(seq))
        self.sizes = sizes
        self.resolution = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.reshape(x.shape[0], x.shape[1], 1, 1))


class _Part(nn.Module):
    """A contiguous run of a ProgressiveGenerator's layers (optionally starting from z)."""

    def __init__(self, layers: list[nn.Module], from_z: bool) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.from_z = from_z

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.from_z:
            x = x.reshape(x.shape[0], x.shape[1], 1, 1)
        for layer in self.layers:
            x = layer(x)
        return x


def split_generator(g: ProgressiveGenerator, after: str = "layer4") -> tuple[nn.Module, nn.Module]:
    names = [n for n, _ in g.named_children()]
    if after not in names or after == names[-1]:
        raise ValueError(f"cannot split after {after!r} (layers: {', '.join(names)})")
    i = names.index(after) + 1
    mods = list(g.children())
    return _Part(mods[:i], True).eval(), _Part(mods[i:], False).eval()


def clean_state_dict(obj: Any) -> dict[str, torch.Tensor]:
    """Unwrap {"state_dict": ...}/{"G": ...} and strip "module."/"model." prefixes."""
    if isinstance(obj, nn.Module):
        obj = obj.state_dict()
    for key in ("state_dict", "G", "generator", "model"):
        if isinstance(obj, Mapping) and key in obj and isinstance(obj[key], Mapping):
            obj = obj[key]
    if not isinstance(obj, Mapping):
        raise ValueError("checkpoint is not a state dict")
    out = {}
    for k, v in obj.items():
        k2 = re.sub(r"^(module\.|model\.)+", "", str(k))
        if isinstance(v, torch.Tensor):
            out[k2] = v
    return out


def infer_sizes(sd: Mapping[str, torch.Tensor]) -> list[int]:
    """[z_dim, 4x4 depth, 8x8 depth, ...] from the conv weights of layer1, layer3, layer5, ..."""
    if "layer1.conv.weight" not in sd:
        raise ValueError("not a ProGAN (netdissect proggan) state dict: no layer1.conv.weight")
    w1 = sd["layer1.conv.weight"]
    sizes = [int(w1.shape[1]), int(w1.shape[0])]
    n = 3
    while f"layer{n}.conv.weight" in sd:
        sizes.append(int(sd[f"layer{n}.conv.weight"].shape[0]))
        n += 2
    return sizes


def load_proggan(state: Any, output_tanh: bool = False) -> ProgressiveGenerator:
    sd = clean_state_dict(state)
    g = ProgressiveGenerator(sizes=infer_sizes(sd), output_tanh=output_tanh)
    own = g.state_dict()
    missing = [k for k in own if k not in sd and not k.endswith("wscale.scale")]
    if missing:
        raise ValueError(f"state dict lacks {missing[0]} (and {len(missing) - 1} more)")
    unexpected = [k for k in sd if k not in own]
    if unexpected:
        raise ValueError(f"unexpected key {unexpected[0]} in state dict")
    for k, v in sd.items():
        own[k] = v.reshape(own[k].shape).to(own[k].dtype)
    g.load_state_dict(own)
    return g.eval()


def export_proggan(
    state: Any,
    model_dir: str | Path,
    name: str | None = None,
    split: str = "layer4",
    segmenter_from: str | Path | None = None,
    atol: float = 1e-3,
) -> dict[str, Any]:
    """Write z_to_features.onnx, features_to_image.onnx (+ segmenter.onnx copied) and manifest.json."""
    from paintgan.training.export import export_split_generator, write_manifest

    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    name = name or model_dir.name
    g = load_proggan(state)
    head, tail = split_generator(g, split)
    z_dim = g.sizes[0]
    parity, z2 = export_split_generator(head, tail, z_dim, model_dir, atol=atol)
    with torch.no_grad():
        f = head(z2)
        whole = g(z2)
        chained = tail(f)
    split_diff = float((whole - chained).abs().max())
    files = [
        {"path": "z_to_features.onnx", "role": "z_to_features"},
        {"path": "features_to_image.onnx", "role": "features_to_image"},
    ]
    pre: dict[str, Any] = {
        "z_dim": z_dim,
        "z_rule": f"z = np.random.default_rng(seed).standard_normal({z_dim}).astype(np.float32)",
        "image_range": [-1.0, 1.0],
        "image_size": g.resolution,
        "feature_shape": [int(f.shape[1]), int(f.shape[2]), int(f.shape[3])],
        "feature_layer": split,
        "architecture": "netdissect proggan ProgressiveGenerator, sizes " + json.dumps(g.sizes),
    }
    if segmenter_from is not None:
        src = Path(segmenter_from)
        shutil.copyfile(src, model_dir / "segmenter.onnx")
        files.append({"path": "segmenter.onnx", "role": "segmenter"})
        classes = _classes_near(src)
        if classes:
            pre["segmenter_classes"] = classes
            pre["segmenter_input"] = "RGB in [0,1], NCHW; output logits over segmenter_classes"
    evaluation = {
        "split_max_abs": split_diff,
        "onnx_parity_max_abs": parity,
    }
    write_manifest(
        model_dir,
        name,
        "ganpaint",
        "1.0.0",
        files,
        description=f"ProGAN {g.resolution}x{g.resolution} (GAN Dissection layout) split after {split}",
        preprocessing=pre,
        license="see the original checkpoint's license (gandissect code: MIT; weights: the ProGAN authors')",
        data_source="converted from a netdissect/proggan.py checkpoint",
        training_command="python -m paintgan.training.proggan_export CHECKPOINT --out DIR",
        evaluation=evaluation,
        standard_inputs={"N": 1},
    )
    return evaluation


def _classes_near(segmenter: Path) -> list[str]:
    try:
        data = json.loads((segmenter.parent / "manifest.json").read_text(encoding="utf-8"))
        return list(data.get("preprocessing", {}).get("segmenter_classes", []))
    except (OSError, ValueError):
        return []


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m paintgan.training.proggan_export")
    p.add_argument("checkpoint", help="a netdissect proggan .pth state dict")
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--name", default=None)
    p.add_argument("--split", default="layer4")
    p.add_argument("--segmenter-from", default=None, help="copy this segmenter.onnx into the model")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    state = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    res = export_proggan(state, args.out, args.name, args.split, args.segmenter_from)
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
