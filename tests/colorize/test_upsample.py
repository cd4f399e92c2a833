from __future__ import annotations

import numpy as np

from paintgan.inference.colorize.upsample import region_upsample


def test_no_bleed_across_region_boundary():
    labels = np.ones((64, 64), np.int32)
    labels[:, 30:] = 2  # boundary at x = 30, not on the low-resolution grid
    low = np.zeros((8, 8, 1), np.float32)
    low[:, 4:] = 1.0  # low-res samples: centres at x = 4, 12, ...; region 2 from sample 4 (x = 36)
    low[:, 3] = 0.0
    up = region_upsample(labels, low)
    assert up.shape == (64, 64, 1)
    assert np.allclose(up[:, :30], 0.0)  # region 1 never takes region 2's colour
    # region 2 pixels between x = 30 and 36 have no region-2 sample on their left: they take region 2's
    # own samples or its mean colour, never region 1's
    assert np.allclose(up[:, 30:], 1.0)


def test_pure_pixels_are_plain_bilinear_and_out_size():
    import cv2

    labels = np.ones((40, 60), np.int32)
    low = np.random.default_rng(0).random((10, 15, 3)).astype(np.float32)
    up = region_upsample(labels, low)
    assert np.allclose(up, cv2.resize(low, (60, 40), interpolation=cv2.INTER_LINEAR), atol=1e-5)
    assert region_upsample(labels[::2, ::2], low, out_size=(60, 40)).shape == (40, 60, 3)
