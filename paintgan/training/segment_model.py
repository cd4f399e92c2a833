"""Mask-first click segmentation network (DEXTR / RITM style) and its warm start from the polygon model.

Input: the box crop (box plus `CONTEXT` on every side, resized to `CROP` x `CROP`) as 7 channels:
RGB in [0, 1], then four guidance maps in [0, 1] (`paintgan.inference.segment.clickmaps`):
positive clicks, negative clicks, extreme points (Gaussian blobs) and the previous mask (0 for the first
prediction). Output: foreground logits (B, 1, CROP, CROP).

The encoder is the shipped polygon model's encoder (same layer names and widths, so its weights load
directly; the stem gets zero weights for the 4 guidance channels), applied to the smaller crop: features
at 1/4 (32x32 for a 128 crop). A light decoder (separable blocks, so that it costs less than the encoder)
goes back to full resolution with skips from the stem (1/2) and from a shallow full-resolution
convolution of the input, so thin parts survive.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paintgan.inference.segment.clickmaps import CONTEXT, CROP, NUM_MAPS
from paintgan.training.pyramid_encoder import WIDTHS, PyramidEncoder, cbr

# RGB, the guidance maps and the colour channel (`colour_prior.box_ring_channel`, added at step 13800;
# the 7-channel models before it load with zero weights for it: `widen_input`)
COLOUR_CHANNELS = 1
IN_CH = 3 + NUM_MAPS + COLOUR_CHANNELS
INPUT_CONVS = ("encoder.stem.0.weight", "full.0.weight")  # the convolutions that read the input
MEAN, STD = 0.45, 0.25  # the polygon encoder's normalisation (RGB only)


def sepblock(cin: int, cout: int) -> nn.Sequential:
    """1x1 reduce, depthwise 3x3, 1x1: the decoder's block (a fifth of a full 3x3's cost at these widths)."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, 1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, groups=cout, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 1),
        nn.ReLU(inplace=True),
    )


class MaskEncoder(PyramidEncoder):
    """The polygon encoder's layout with an `in_ch`-channel stem: returns (stem 1/2, fused 1/4)."""

    def __init__(self, in_ch: int = IN_CH, widths: Sequence[int] = WIDTHS, feat: int = 64) -> None:
        super().__init__(in_ch, widths, feat)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.pyramid(x)


class MaskNet(nn.Module):
    """(B, in_ch, S, S) crop + guidance maps (+ colour channel) -> (B, 1, S, S) foreground logits."""

    def __init__(self, in_ch: int = IN_CH, widths: Sequence[int] = (24, 32, 64, 128), feat: int = 64) -> None:
        super().__init__()
        self.in_ch, self.widths, self.feat = in_ch, tuple(widths), feat
        self.encoder = MaskEncoder(in_ch, widths, feat)
        w0 = widths[0]
        self.dec2 = sepblock(feat + w0, 32)  # 1/2
        self.full = cbr(in_ch, 8)  # shallow full-resolution features
        self.dec1 = sepblock(32 + 8, 16)
        self.head = nn.Conv2d(16, 1, 1)
        self.aux = nn.Conv2d(feat, 1, 1)  # 1/4 resolution deep supervision (training only)

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([(x[:, :3] - MEAN) / STD, x[:, 3:]], dim=1)

    def forward_all(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.normalise(x)
        s2, f4 = self.encoder(x)
        y = F.interpolate(f4, scale_factor=2.0, mode="bilinear", align_corners=False)
        y = self.dec2(torch.cat([y, s2], dim=1))
        y = F.interpolate(y, scale_factor=2.0, mode="bilinear", align_corners=False)
        y = self.dec1(torch.cat([y, self.full(x)], dim=1))
        return self.head(y), self.aux(f4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_all(x)[0]


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def warm_start_from_polygon_onnx(net: MaskNet, encoder_onnx: str | Path) -> int:
    """Copy the shipped polygon encoder's weights (ONNX initializers `net.encoder.*`) into `net.encoder`.

    Tensors whose shapes match are copied; the stem convolution gets the RGB weights in its first 3 input
    channels and zeros for the guidance maps. Returns the number of tensors copied."""
    from paintgan.training.onnx_warm_start import load_by_name, read_initializers, widen_input_channels

    arrays = {k: v for k, v in read_initializers(encoder_onnx).items() if k.startswith("net.encoder.")}
    state = net.encoder.state_dict()
    stem = widen_input_channels("stem.0.weight")
    loaded, _ = load_by_name(state, arrays, prefix="net.encoder.", adapt=stem)
    net.encoder.load_state_dict(state)
    return len(loaded)


def input_channels(state: dict[str, torch.Tensor]) -> int:
    """The number of input channels of a MaskNet state dict."""
    return int(state[INPUT_CONVS[0]].shape[1])


def widen_input(net: MaskNet, state: dict[str, torch.Tensor]) -> int:
    """Load `state` into `net`; a state with fewer input channels (an older model) gets zero weights for
    the missing ones, so `net` first computes what the old model did. Returns the old channel count."""
    old = input_channels(state)
    if old > net.in_ch:
        raise ValueError(f"the weights read {old} input channels, the model only {net.in_ch}")
    state = dict(state)
    for key in INPUT_CONVS:
        w = state[key]
        wide = torch.zeros(w.shape[0], net.in_ch, *w.shape[2:], dtype=w.dtype)
        wide[:, :old] = w
        state[key] = wide
    net.load_state_dict(state)
    return old


TRAINING_ONLY = ("aux",)  # modules the exported graph does not contain


def warm_start_from_mask_onnx(net: MaskNet, mask_onnx: str | Path, tol: float = 1e-3) -> list[str]:
    """Load the shipped, BatchNorm-folded `mask.onnx` into `net` (see `training.onnx_warm_start`) and check
    that `net` in eval mode matches ONNX Runtime on random inputs within `tol`.

    Returns the names of the batch norms now set to identity (for `calibrate_identity_bn`). Raises
    `ArchitectureMismatch` with the reason when the graph is not this architecture; `net` is then
    unchanged. The deep-supervision head (`aux`) is not in the graph: it starts at zero, so its loss sends
    no gradient into the loaded encoder until the head itself has learned something."""
    import onnx

    from paintgan.training.onnx_warm_start import ArchitectureMismatch, load_folded, ort_max_diff

    dims = onnx.load(str(mask_onnx)).graph.input[0].type.tensor_type.shape.dim
    in_ch = int(dims[1].dim_value) if len(dims) == 4 and dims[1].dim_value else net.in_ch
    if in_ch > net.in_ch:
        raise ArchitectureMismatch(f"the graph reads {in_ch} input channels, the model {net.in_ch}")
    trial = MaskNet(in_ch, net.widths, net.feat)  # the graph's channels; widened below
    names = load_folded(trial, mask_onnx, root="net", training_only=TRAINING_ONLY)
    trial.eval()
    x = np.random.default_rng(0).random((2, in_ch, CROP, CROP), dtype=np.float32)
    diff = ort_max_diff(trial, mask_onnx, x)
    if not diff < tol:
        raise ArchitectureMismatch(f"eval-mode output differs from ONNX Runtime by {diff:.3g} (> {tol:g})")
    with torch.no_grad():
        trial.aux.weight.zero_()
        trial.aux.bias.zero_()
    widen_input(net, trial.state_dict())
    return names


__all__ = [
    "COLOUR_CHANNELS",
    "CONTEXT",
    "CROP",
    "IN_CH",
    "TRAINING_ONLY",
    "MaskNet",
    "count_params",
    "input_channels",
    "warm_start_from_mask_onnx",
    "warm_start_from_polygon_onnx",
    "widen_input",
]
