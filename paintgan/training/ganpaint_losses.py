"""GANPaint adversarial losses (the [train] extra: torch), as `ganpaint_train.train` combines them.

- Hinge loss for the discriminator (`d_hinge_loss`) and the generator (`g_hinge_loss`).
- Lazy R1 on real images (`r1_penalty`): computed every `R1_EVERY` steps and scaled by that interval, so
  its average weight is the configured gamma (0.05 by default).
- The MSGAN mode-seeking term (Mao et al. 2019, `mode_seeking`): mean|z1 - z2| / mean|G(z1) - G(z2)| over
  the two halves of a batch; the generator minimises it (weight 0.1 x --mode-seek), against mode collapse.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

R1_EVERY = 8  # lazy regularisation interval (steps)


def d_hinge_loss(d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    """Discriminator hinge loss: mean relu(1 - D(real)) + mean relu(1 + D(fake))."""
    return F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()


def g_hinge_loss(d_fake: torch.Tensor) -> torch.Tensor:
    """Generator hinge loss: -mean D(G(z))."""
    return -d_fake.mean()


def r1_penalty(d_real: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Mean squared gradient norm of D at the real images (`real` must require grad), differentiable."""
    (grad,) = torch.autograd.grad(d_real.sum(), real, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


def mode_seeking(fake: torch.Tensor, z: torch.Tensor, half: int) -> torch.Tensor:
    """MSGAN ratio between the first `half` samples and the next `half`: latent distance over image
    distance (large when different z give the same image)."""
    dimg = (fake[:half] - fake[half : 2 * half]).abs().mean(dim=(1, 2, 3))
    dz = (z[:half] - z[half : 2 * half]).abs().mean(dim=1)
    return (dz / (dimg + 1e-5)).mean()
