"""The colour guided filter that finishes the mask model's probability (`segment.guided_filter`)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from paintgan.inference.segment.guided_filter import guided_filter


def test_a_blurred_mask_snaps_to_the_colour_edge():
    guide = np.zeros((64, 64, 3), np.float32)
    guide[:, :30] = (0.9, 0.2, 0.1)  # a red object left of x = 30 on a green ground
    guide[:, 30:] = (0.1, 0.6, 0.2)
    truth = np.zeros((64, 64), np.float32)
    truth[:, :30] = 1.0
    shifted = np.zeros_like(truth)
    shifted[:, :34] = 1.0  # the model's edge 4 px off, and soft
    p = cv2.GaussianBlur(shifted, (0, 0), 3.0)
    q = guided_filter(guide, p)
    assert q.shape == p.shape and q.dtype == np.float32
    err_before = np.abs((p > 0.5) != truth.astype(bool)).sum()
    err_after = np.abs((q > 0.5) != truth.astype(bool)).sum()
    assert err_before >= 4 * 64 and err_after == 0


def test_a_flat_guide_keeps_a_constant_probability():
    q = guided_filter(np.full((20, 20, 3), 0.5, np.float32), np.full((20, 20), 0.7, np.float32), radius=3)
    assert np.allclose(q, 0.7, atol=1e-4)


def test_the_predictor_refuses_an_unknown_finishing_step():
    from paintgan.inference.segment.mask_engine import MaskSegmenter

    with pytest.raises(ValueError, match="guided"):
        MaskSegmenter(object(), finish="magic")


def test_finishing_cuts_the_filtered_probability_at_cut():
    from paintgan.inference.segment.guided_filter import CUT, finish_probability

    crop = np.full((32, 32, 3), 128, np.uint8)  # a flat crop: the filter keeps the probability
    p = np.full((32, 32), CUT + 0.02, np.float32)
    q = finish_probability(crop, p)
    assert (q > 0.5).all() and q.min() >= 0.0 and q.max() <= 1.0
    assert (finish_probability(crop, p - 0.04) < 0.5).all()


def test_the_colour_prior_pulls_in_a_missed_part_of_the_objects_colour():
    from paintgan.inference.segment.colour_prior import colour_log_ratio, with_colour_prior

    crop = np.zeros((40, 40, 3), np.uint8)
    crop[:] = (40, 160, 60)  # green ground
    crop[10:30, 5:35] = (220, 30, 30)  # a red object
    prob = np.zeros((40, 40), np.float32)
    prob[10:30, 5:25] = 0.9  # the network found its left two thirds only
    prob[10:30, 25:35] = 0.35
    ratio = colour_log_ratio(crop, prob)
    assert ratio[20, 30] > 1.0 and ratio[2, 2] < -1.0  # red is the object's colour, green the ground's
    out = with_colour_prior(crop, prob)
    assert out[20, 30] > 0.5 and out[2, 2] < prob[2, 2] + 1e-6
    assert out.dtype == np.float32 and out.shape == prob.shape


def test_the_ring_around_the_box_is_sampled_outside_the_box_only():
    from paintgan.inference.segment.colour_prior import ring_pixels

    image = np.zeros((100, 200, 3), np.uint8)
    image[40:61, 80:121] = 255  # the box's own pixels are white, everything around it black
    ring = ring_pixels(image, (80, 40, 120, 60), grow=0.5)
    assert ring.ndim == 2 and ring.shape[1] == 3 and len(ring) > 0
    assert (ring == 0).all()  # nothing from inside the box
    assert len(ring_pixels(image, (80, 40, 120, 60), grow=0.5, max_pixels=200)) <= 260  # sampled on a grid
    assert len(ring_pixels(image, (0, 0, 199, 99))) == 0  # a box over the whole image has no ring
    big = np.zeros((3000, 4000, 3), np.uint8)
    assert len(ring_pixels(big, (100, 100, 3900, 2900))) <= 20000


def test_the_ring_tells_a_background_the_network_took_from_the_object():
    from paintgan.inference.segment.colour_prior import with_colour_prior

    crop = np.zeros((40, 40, 3), np.uint8)
    crop[:] = (40, 160, 60)
    crop[8:32, 8:32] = (220, 30, 30)  # a red object
    crop[8:32, 28:32] = (90, 90, 200)  # and a blue background strip inside the box the network took
    prob = np.full((40, 40), 0.05, np.float32)
    prob[8:32, 8:32] = 0.6
    blue_ring = np.tile(np.array([[90, 90, 200], [40, 160, 60]], np.uint8), (500, 1))
    without = with_colour_prior(crop, prob)
    with_ring = with_colour_prior(crop, prob, ring=blue_ring)
    assert with_ring[20, 30] < 0.5 < without[20, 30]  # blue goes on outside the box: background
    assert with_ring[20, 12] > 0.5  # red is still the object's


def test_after_clicks_the_filter_is_narrower_and_the_cut_neutral():
    from paintgan.inference.segment.guided_filter import CLICK_CUT, CUT, finish_probability

    crop = np.full((32, 32, 3), 128, np.uint8)
    p = np.full((32, 32), (CUT + CLICK_CUT) / 2, np.float32)  # between the two cuts
    assert (finish_probability(crop, p) > 0.5).all()
    assert (finish_probability(crop, p, clicked=True) < 0.5).all()
