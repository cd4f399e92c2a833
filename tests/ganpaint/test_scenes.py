"""The procedural scene renderer: label maps agree with the image."""

from __future__ import annotations

import numpy as np

from paintgan.training.scenes import CONCEPTS, SceneRenderer, colorize_labels, concept_frequencies


def _mean(imgs, labs, name):
    sel = labs == CONCEPTS.index(name)
    return imgs[sel].astype(np.float32).mean(0) if sel.any() else None


def test_labels_consistent_with_image():
    r = SceneRenderer(64)
    imgs, labs = r.batch(np.random.default_rng(0), 60)
    assert imgs.shape == (60, 64, 64, 3) and imgs.dtype == np.uint8 and labs.shape == (60, 64, 64)
    assert labs.max() < len(CONCEPTS)
    grass, water, sun, cloud = (_mean(imgs, labs, c) for c in ("grass", "water", "sun", "cloud"))
    assert grass[1] > grass[0] and grass[1] > grass[2]  # green
    assert water[2] > water[0]  # blue
    assert sun[0] > sun[2] + 60 and sun[1] > sun[2] + 30  # yellow
    assert cloud.min() > 180  # white
    # the top row is sky (or cloud/sun/hill/tree/building on top of it), the bottom row is never sky
    assert (labs[:, -1] != CONCEPTS.index("sky")).all()
    # every concept appears
    freq = concept_frequencies(labs)
    assert all(freq[c] > 0 for c in CONCEPTS), freq
    # object pixels differ from the sky gradient behind them
    sky = labs == 0
    assert imgs[sky][:, 2].mean() > imgs[sky][:, 0].mean()
    assert colorize_labels(labs[0]).shape == (64, 64, 3)


def test_reproducible_and_fallback_without_clipart(tmp_path):
    a = SceneRenderer(64).render(np.random.default_rng(5))
    b = SceneRenderer(64).render(np.random.default_rng(5))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    r = SceneRenderer(32, clipart_root=tmp_path)  # empty folder: procedural trees and houses
    assert r.trees == [] and r.buildings == []
    _, labs = r.batch(np.random.default_rng(1), 20)
    assert (labs == CONCEPTS.index("tree")).any() and (labs == CONCEPTS.index("building")).any()
