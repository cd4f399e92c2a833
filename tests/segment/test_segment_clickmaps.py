"""Guidance maps encode clicks where they were placed; the RITM click rule picks the worst error."""

from __future__ import annotations

import numpy as np

from paintgan.inference.segment.clickmaps import NUM_MAPS, gaussian_map, guidance, next_click


def test_click_maps_encode_positive_and_negative_clicks_where_placed():
    prev = np.zeros((64, 64), np.float32)
    prev[10:20, 10:20] = 1.0
    maps = guidance([(40.0, 12.0)], [(5.0, 50.0), (60.0, 60.0)], [(32.0, 0.0)], prev, size=64, sigma=3.0)
    assert maps.shape == (NUM_MAPS, 64, 64) and maps.dtype == np.float32
    pos, neg, ext, pm = maps
    assert np.unravel_index(np.argmax(pos), pos.shape) == (12, 40) and pos[12, 40] == 1.0
    assert neg[50, 5] == 1.0 and neg[60, 60] == 1.0 and neg[12, 40] < 1e-6
    assert pos[50, 5] < 1e-6  # a negative click does not leak into the positive channel
    assert ext[0, 32] == 1.0 and np.array_equal(pm, prev)
    assert maps.min() >= 0.0 and maps.max() <= 1.0
    # the blob falls off like a Gaussian of the given sigma
    assert abs(pos[12, 43] - np.exp(-9 / 18)) < 1e-5


def test_clicks_outside_the_crop_and_no_clicks():
    assert not gaussian_map([], 32).any()
    assert not gaussian_map([(-100.0, 5.0)], 32).any()
    m = gaussian_map([(-2.0, 5.0)], 32, sigma=2.0)  # just outside: its tail shows at the border
    assert 0 < m[5, 0] < 1


def test_next_click_goes_to_the_centre_of_the_largest_error():
    gt = np.zeros((50, 50), bool)
    gt[10:40, 10:40] = True
    pred = gt.copy()
    pred[10:40, 25:40] = False  # a missed half: 30x15
    pred[0:4, 0:4] = True  # a small false positive
    x, y, positive = next_click(pred, gt)
    assert positive and 25 <= x <= 39 and 10 <= y <= 39
    assert abs(x - 32) <= 1 and 16 <= y <= 33  # on the ridge of the distance transform
    pred2 = gt.copy()
    pred2[40:50, :] = True  # only a false positive band
    x, y, positive = next_click(pred2, gt)
    assert not positive and y >= 40
    assert next_click(gt, gt) is None
