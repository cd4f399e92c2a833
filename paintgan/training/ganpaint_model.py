"""GANPaint networks (the [train] extra: torch): the generator (FeatureNet + ImageNet), the discriminator,
the scene segmenter used for dissection, and the warm starts that copy weights into a generator.

Generator (ProGAN-like, no batch norm, so train and eval behave the same):

    z (128, N(0,1))  --FeatureNet-->  features [N, 256, 8, 8]  (the dissected/edited layer, ReLU >= 0)
                     --ImageNet---->  image [N, 3, S, S] in [-1, 1]  (S = 64 or 128)

FeatureNet: pixel-norm(z) -> linear -> 4x4x256 -> conv 3x3 -> up x2 -> conv 3x3 -> pixel-norm -> ReLU.
ImageNet: conv stages 8 -> 16 -> 32 -> 64 (-> 128, 32 channels wide), nearest upsampling,
leaky ReLU + pixel-norm, tanh RGB.
Discriminator: spectrally normalised strided convs 64 -> 4 with a minibatch-stddev feature (a first run
without spectral norm / minibatch stddev collapsed to a single image within 300 steps).

Warm starts: `load_onnx_init` (from shipped ONNX graphs), `grow_generator` (a 128 generator that starts as
a 64 one upsampled) and `load_grow_source` (the 64 generator to grow from, a checkpoint or an ONNX dir).
The losses are in `ganpaint_losses.py`, the loops in `ganpaint_train.py`, the export in
`ganpaint_export.py`; `python -m paintgan.training.ganpaint` is the command line.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paintgan.training.scenes import CONCEPTS

Z_DIM = 128
FEAT_CH = 256
FEAT_RES = 8


class PixelNorm(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(torch.mean(x * x, dim=1, keepdim=True) + 1e-8)


def _block(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.LeakyReLU(0.2), PixelNorm()]


class FeatureNet(nn.Module):
    """z [N, 128] -> features [N, 256, 8, 8] (non-negative)."""

    def __init__(self, z_dim: int = Z_DIM, feat_ch: int = FEAT_CH) -> None:
        super().__init__()
        self.z_dim, self.feat_ch = z_dim, feat_ch
        self.fc = nn.Linear(z_dim, feat_ch * 16)
        self.conv4 = nn.Conv2d(feat_ch, feat_ch, 3, padding=1)
        self.conv8 = nn.Conv2d(feat_ch, feat_ch, 3, padding=1)
        self.norm = PixelNorm()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = self.norm(z.reshape(z.shape[0], self.z_dim, 1, 1)).reshape(z.shape[0], self.z_dim)
        x = self.norm(F.leaky_relu(self.fc(z).reshape(-1, self.feat_ch, 4, 4), 0.2))
        x = self.norm(F.leaky_relu(self.conv4(x), 0.2))
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        return F.relu(self.norm(self.conv8(x)))


def _image_channels(size: int) -> list[int]:
    # The 128 stage is 32 wide: twice the 16 channels before it, so a grown generator can start out
    # as exactly the 64 generator upsampled (see grow_generator: each channel as the pair x, -x).
    return [128, 64, 32, 16] + ([32] if size >= 128 else [])


class ImageNet(nn.Module):
    """features [N, 256, 8, 8] -> image [N, 3, S, S] in [-1, 1]."""

    def __init__(self, size: int = 64, feat_ch: int = FEAT_CH) -> None:
        super().__init__()
        if size not in (64, 128):
            raise ValueError("size must be 64 or 128")
        chans = _image_channels(size)
        layers: list[nn.Module] = _block(feat_ch, chans[0])
        for cin, cout in itertools.pairwise(chans):
            layers += [nn.Upsample(scale_factor=2.0, mode="nearest"), *_block(cin, cout)]
        self.body = nn.Sequential(*layers)
        self.to_rgb = nn.Conv2d(chans[-1], 3, 1)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.to_rgb(self.body(f)))


class Generator(nn.Module):
    def __init__(self, size: int = 64) -> None:
        super().__init__()
        self.size = size
        self.features = FeatureNet()
        self.image = ImageNet(size)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.image(self.features(z))


class Discriminator(nn.Module):
    """Strided convs with spectral norm, a minibatch-stddev feature (against mode collapse), linear."""

    def __init__(self, size: int = 64) -> None:
        super().__init__()
        sn = nn.utils.spectral_norm
        chans = [32, 64, 128, 256] if size == 64 else [16, 32, 64, 128, 256]
        layers: list[nn.Module] = [sn(nn.Conv2d(3, chans[0], 3, padding=1)), nn.LeakyReLU(0.2)]
        for cin, cout in zip([chans[0], *chans[:-1]], chans):
            layers += [sn(nn.Conv2d(cin, cout, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers)
        self.final = sn(nn.Conv2d(chans[-1] + 1, chans[-1], 3, padding=1))
        self.fc = sn(nn.Linear(chans[-1] * 16, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x)
        n = h.shape[0]
        g = min(4, n)
        if n % g:
            g = 1
        y = h.reshape(g, -1, *h.shape[1:])
        std = torch.sqrt(y.var(0, unbiased=False) + 1e-8).mean(dim=(1, 2, 3))  # [n/g]
        std = std.reshape(-1, 1, 1, 1).repeat(g, 1, h.shape[2], h.shape[3])
        h = F.leaky_relu(self.final(torch.cat([h, std], 1)), 0.2)
        return self.fc(h.flatten(1)).squeeze(1)


class Segmenter(nn.Module):
    """A small U-Net: image [N,3,H,W] in [0,1] (H, W multiples of 8) -> logits [N, C, H, W]."""

    def __init__(self, classes: int = len(CONCEPTS), ch: int = 24) -> None:
        super().__init__()

        def cbr(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout), nn.ReLU())

        self.e1 = nn.Sequential(cbr(3, ch), cbr(ch, ch))
        self.e2 = nn.Sequential(cbr(ch, 2 * ch, 2), cbr(2 * ch, 2 * ch))
        self.e3 = nn.Sequential(cbr(2 * ch, 4 * ch, 2), cbr(4 * ch, 4 * ch))
        self.e4 = nn.Sequential(cbr(4 * ch, 4 * ch, 2), cbr(4 * ch, 4 * ch))
        self.d3 = cbr(8 * ch, 4 * ch)
        self.d2 = cbr(6 * ch, 2 * ch)
        self.d1 = cbr(3 * ch, ch)
        self.out = nn.Conv2d(ch, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - 0.5) / 0.25
        e1 = self.e1(x)
        e2 = self.e2(e1)
        e3 = self.e3(e2)
        e4 = self.e4(e3)
        up = lambda t: F.interpolate(t, scale_factor=2.0, mode="nearest")  # noqa: E731
        d3 = self.d3(torch.cat([up(e4), e3], 1))
        d2 = self.d2(torch.cat([up(d3), e2], 1))
        d1 = self.d1(torch.cat([up(d2), e1], 1))
        return self.out(d1)


# ----------------------------------------------------------------------------------------------- warm start


def load_onnx_init(g: Generator, onnx_dir: str | os.PathLike[str]) -> int:
    """Copy the weights of shipped ONNX graphs into `g` (matched by name, then by shape in order).
    Returns the number of tensors copied."""
    import onnx
    from onnx import numpy_helper

    copied = 0
    for fname, module in (("z_to_features.onnx", g.features), ("features_to_image.onnx", g.image)):
        path = Path(onnx_dir) / fname
        if not path.is_file():
            continue
        inits = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}
        sd = module.state_dict()
        used: set[str] = set()
        todo = []
        for k, v in sd.items():
            if k in inits and tuple(inits[k].shape) == tuple(v.shape):
                sd[k] = torch.from_numpy(inits[k].copy())
                used.add(k)
                copied += 1
            else:
                todo.append(k)
        rest = [n for n in inits if n not in used]
        for k in todo:
            for n in rest:
                arr = inits[n]
                if tuple(arr.shape) == tuple(sd[k].shape):
                    sd[k] = torch.from_numpy(arr.copy())
                elif arr.ndim == 2 and tuple(arr.T.shape) == tuple(sd[k].shape):  # MatMul-stored linear
                    sd[k] = torch.from_numpy(arr.T.copy())
                else:
                    continue
                rest.remove(n)
                copied += 1
                break
        module.load_state_dict(sd)
    return copied


def grow_generator(g: Generator, src: Generator) -> int:
    """Warm start a 128 generator `g` from a 64 generator `src`: copy the FeatureNet and the shared
    ImageNet body (8 -> 64), and set the extra 128 block so that `g(z)` equals the nearest-neighbour
    upsampling of `src(z)` at init: the 16 -> 32 conv maps channel i to the pair (x_i, -x_i) (3x3 kernel,
    centre tap only), and to_rgb reads c * (lrelu(x_i) - lrelu(-x_i)) = 1.2 c x_i, where c undoes the
    pixel-norm's constant rescaling (input channels are unit mean square, so the 32 pair channels have
    mean square (1 + 0.2^2) / 2 = 0.52). The feature layer (256 x 8 x 8) is unchanged.
    Returns the number of tensors copied from `src`."""
    if src.size != 64 or g.size != 128:
        raise ValueError("grow_generator grows a 64 generator into a 128 one")
    g.features.load_state_dict(src.features.state_dict())
    sd = g.image.state_dict()
    copied = len(src.features.state_dict())
    for k, v in src.image.body.state_dict().items():
        key = f"body.{k}"
        if key not in sd or sd[key].shape != v.shape:
            raise ValueError(f"unexpected layer {key} in the 64 generator")
        sd[key] = v.clone()
        copied += 1
    last = max(int(k.split(".")[1]) for k in sd if k.startswith("body."))  # the new 16 -> 32 conv
    c_in = src.image.to_rgb.weight.shape[1]
    w = torch.zeros_like(sd[f"body.{last}.weight"])
    for i in range(c_in):
        w[2 * i, i, 1, 1] = 1.0
        w[2 * i + 1, i, 1, 1] = -1.0
    sd[f"body.{last}.weight"] = w
    sd[f"body.{last}.bias"] = torch.zeros_like(sd[f"body.{last}.bias"])
    slope = 0.2
    c = float(np.sqrt((1 + slope * slope) / 2)) / (1 + slope)
    w_rgb = src.image.to_rgb.weight.detach()  # [3, 16, 1, 1]
    new_rgb = torch.zeros_like(sd["to_rgb.weight"])
    new_rgb[:, 0::2] = c * w_rgb
    new_rgb[:, 1::2] = -c * w_rgb
    sd["to_rgb.weight"] = new_rgb
    sd["to_rgb.bias"] = src.image.to_rgb.bias.detach().clone()
    g.image.load_state_dict(sd)
    return copied


def load_grow_source(path: str | os.PathLike[str]) -> Generator:
    """The 64 generator to grow from: a training checkpoint (its EMA weights) or a shipped ONNX dir."""
    path = Path(path)
    src = Generator(64)
    if path.is_dir():
        n = load_onnx_init(src, path)
        if n != len(src.state_dict()):
            raise SystemExit(f"{path}: only {n} of {len(src.state_dict())} tensors matched a 64 generator")
        return src
    ck = torch.load(path, map_location="cpu", weights_only=False)
    if ck["size"] != 64:
        raise SystemExit(f"{path} is a size {ck['size']} checkpoint; --grow-from needs a 64 one")
    src.load_state_dict(ck["G_ema"])
    return src

