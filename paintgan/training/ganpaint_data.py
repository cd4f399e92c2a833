"""GANPaint training data (the [train] extra: torch): endless batches of procedurally rendered scenes
(`scenes.SceneRenderer`), as the generator, the discriminator and the segmenter take them.

Images are float tensors [N, 3, S, S] in [-1, 1] (the generator's range; the segmenter takes
``(x + 1) / 2``), labels are int64 tensors [N, S, S] of `scenes.CONCEPTS` indices. A stream is seeded, so
a resumed run (seeded with its step) and a held-out evaluation (a fixed seed) see reproducible scenes.
"""

from __future__ import annotations

import numpy as np
import torch

from paintgan.training.scenes import SceneRenderer


class SceneStream:
    """Endless batches of rendered scenes: images as float tensors in [-1, 1] and label tensors."""

    def __init__(self, size: int, seed: int) -> None:
        self.renderer = SceneRenderer(size)
        self.rng = np.random.default_rng(seed)

    def batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        imgs, labs = self.renderer.batch(self.rng, n)
        x = torch.from_numpy(imgs).permute(0, 3, 1, 2).float() / 127.5 - 1.0
        return x, torch.from_numpy(labs.astype(np.int64))

