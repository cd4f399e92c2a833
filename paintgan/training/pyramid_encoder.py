"""The convolutional encoder shared by the click-to-polygon model (`paintgan.training.polygon`) and the
mask-first segmentation model (`paintgan.training.segment_model`).

One definition on purpose: the mask model warm-starts from the shipped polygon encoder by parameter
name (`stem`, `s4`, `s8`, `s16`, `lat4`, `lat8`, `lat16`, `fuse8`, `fuse4`), and trained checkpoints
and ONNX initializers of both models carry those names, so the layers, their names and their creation
order (which fixes the seeded initial weights) must not change.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

WIDTHS = (24, 32, 64, 128)


def cbr(cin: int, cout: int, stride: int = 1, groups: int = 1) -> nn.Sequential:
    """3x3 convolution (no bias), batch norm, ReLU."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False, groups=groups),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class PyramidEncoder(nn.Module):
    """Strided conv blocks down to 1/16 and a small feature pyramid back to 1/4: an `in_ch`-channel
    input -> (stem features at 1/2 with widths[0] channels, fused features at 1/4 with `feat` channels).
    Subclasses define `forward`: what they normalise and which of the two outputs they return."""

    def __init__(self, in_ch: int, widths: Sequence[int] = WIDTHS, feat: int = 64) -> None:
        super().__init__()
        w0, w1, w2, w3 = widths
        self.stem = cbr(in_ch, w0, 2)  # 1/2
        self.s4 = nn.Sequential(cbr(w0, w1, 2), cbr(w1, w1))  # 1/4
        self.s8 = nn.Sequential(cbr(w1, w2, 2), cbr(w2, w2))  # 1/8
        self.s16 = nn.Sequential(cbr(w2, w3, 2), cbr(w3, w3), cbr(w3, w3))  # 1/16
        self.lat4 = nn.Conv2d(w1, feat, 1)
        self.lat8 = nn.Conv2d(w2, feat, 1)
        self.lat16 = nn.Conv2d(w3, feat, 1)
        self.fuse8 = cbr(feat, feat)
        self.fuse4 = nn.Sequential(
            nn.Conv2d(feat, feat, 3, padding=1, groups=feat, bias=False),
            nn.BatchNorm2d(feat),
            nn.ReLU(inplace=True),
            nn.Conv2d(feat, feat, 1),
        )

    def pyramid(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(stem output at 1/2, fused features at 1/4) of an already normalised input."""
        s2 = self.stem(x)
        f4 = self.s4(s2)
        f8 = self.s8(f4)
        f16 = self.s16(f8)
        y = self.lat16(f16)
        y = F.interpolate(y, scale_factor=2.0, mode="bilinear", align_corners=False) + self.lat8(f8)
        y = self.fuse8(y)
        y = F.interpolate(y, scale_factor=2.0, mode="bilinear", align_corners=False) + self.lat4(f4)
        return s2, self.fuse4(y)
