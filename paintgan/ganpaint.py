"""Public GANPaint API (implementation in `paintgan.inference.ganpaint`).

    from paintgan.ganpaint import GanPainter, Edit
    gp = GanPainter.default()                     # the shipped model; ModelError when absent
    gp.concepts()                                 # e.g. ['sky', 'tree', 'grass', ...]
    img = gp.generate(7)                          # (H, W, 3) uint8; seeds reproduce images exactly
    out = gp.edit(7, [Edit("tree", "draw", mask, strength=1.0, intensity="medium")])

Seeds: z = np.random.default_rng(seed).standard_normal(128).astype(np.float32). Edits are applied in
order on the generator's 8x8x256 feature layer; z -> features is cached per seed, so a stroke update
runs only the features -> image graph.
"""

from paintgan.inference.ganpaint.engine import (
    INTENSITY_UNITS,
    Dissection,
    Edit,
    EditError,
    GanPainter,
    pool_mask,
    seed_to_z,
)

__all__ = ["INTENSITY_UNITS", "Dissection", "Edit", "EditError", "GanPainter", "pool_mask", "seed_to_z"]
