"""Holes of the predicted mask are filled when coloured like the object, kept when they show the
photograph around the box or when a negative click says so."""

from __future__ import annotations

import cv2
import numpy as np

from paintgan.inference.segment.colour_prior import HOLE_MARGIN, box_ring_channel, fill_object_coloured_holes


def ring_prob(s: int = 128) -> np.ndarray:
    """A disc's outline taken for the object: a ring around a hole, and a small extra hole."""
    p = np.zeros((s, s), np.float32)
    cv2.circle(p, (64, 64), 40, 0.95, -1)
    cv2.circle(p, (64, 64), 32, 0.1, -1)
    return p


def test_an_object_coloured_hole_is_filled_and_the_outside_never():
    p = ring_prob()
    colour = np.full(p.shape, 0.2, np.float32)  # around the object: background colours
    cv2.circle(colour, (64, 64), 40, 0.9, -1)  # the disc's inside: the object's colours
    out = fill_object_coloured_holes(p, colour)
    assert out[64, 64] > 0.5 and out[64, 30] > 0.5  # the hole is filled
    assert out[5, 5] == p[5, 5] and out[64, 120] == p[64, 120]  # background that reaches the border stays
    assert (out >= p).all()


def test_a_hole_showing_the_background_stays_a_hole():
    p = ring_prob()
    colour = np.full(p.shape, 0.2, np.float32)
    cv2.circle(colour, (64, 64), 40, 0.9, -1)
    cv2.circle(colour, (64, 64), 32, 0.5 + HOLE_MARGIN / 2, -1)  # a doughnut: the photograph shows through
    assert fill_object_coloured_holes(p, colour) is p


def test_a_negative_click_in_a_hole_keeps_it():
    p = ring_prob()
    colour = np.full(p.shape, 0.9, np.float32)
    out = fill_object_coloured_holes(p, colour, negative=np.array([[64.0, 60.0], [500.0, -3.0]]))
    assert out[64, 64] < 0.5


def test_the_colour_channel_tells_a_filled_outline_from_a_ring():
    """End to end with the real colour channel: a yellow disc with a dark outline on a blue photograph
    (the crop is the box plus 15 % context on every side)."""
    s, ctx = 128, 0.15
    rng = np.random.default_rng(0)
    crop = np.zeros((s, s, 3), np.uint8)
    crop[:] = (40, 60, 160)
    crop = np.clip(crop + rng.normal(0, 6, crop.shape), 0, 255).astype(np.uint8)
    cv2.circle(crop, (64, 64), 44, (20, 20, 20), -1)
    cv2.circle(crop, (64, 64), 38, (230, 200, 40), -1)
    ring = crop[:8].reshape(-1, 3)  # the photograph around the box: blue
    colour = box_ring_channel(crop, ring, ctx)
    p = np.zeros((s, s), np.float32)
    cv2.circle(p, (64, 64), 44, 0.9, -1)
    cv2.circle(p, (64, 64), 38, 0.2, -1)  # the network took the outline alone
    assert fill_object_coloured_holes(p, colour)[64, 64] > 0.5
