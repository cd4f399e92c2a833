"""GanPainter: seeds, caching, edit semantics, errors."""

from __future__ import annotations

import numpy as np
import pytest

from paintgan.errors import ModelError
from paintgan.ganpaint import Edit, EditError, GanPainter, pool_mask, seed_to_z
from paintgan.inference import paths


def test_seed_rule_and_reproducible(tiny_model):
    gp = GanPainter(tiny_model, "cpu")
    np.testing.assert_array_equal(gp.z(42), np.random.default_rng(42).standard_normal(128).astype(np.float32))
    a = gp.generate(42)
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    b = GanPainter(tiny_model, "cpu").generate(42)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, gp.generate(43))


def test_zero_mask_changes_nothing(tiny_model):
    gp = GanPainter(tiny_model, "cpu")
    zero = np.zeros((64, 64), np.float32)
    base = gp.generate(3)
    out = gp.edit(3, [Edit("tree", "draw", zero), Edit("sky", "remove", zero, 1.0, "high")])
    np.testing.assert_array_equal(out, base)
    f = gp.features(3)
    np.testing.assert_array_equal(gp.edit_features(f, [Edit("tree", "draw", zero)]), f)


def test_remove_full_mask_zeroes_units(tiny_model):
    gp = GanPainter(tiny_model, "cpu")
    f = gp.features(5)
    ones = np.ones((64, 64), np.float32)
    out = gp.edit_features(f, [Edit("tree", "remove", ones, 1.0, "high")])
    units = gp.units_for("tree", "high")
    assert len(units) == 15 and len(gp.units_for("tree", "low")) == 4 and len(gp.units_for("tree")) == 10
    assert np.all(out[units] == 0)
    others = np.setdiff1d(np.arange(f.shape[0]), units)
    np.testing.assert_array_equal(out[others], f[others])
    drawn = gp.edit_features(f, [Edit("tree", "draw", ones, 1.0, "low")])
    low = gp.units_for("tree", "low")
    np.testing.assert_allclose(
        drawn[low], np.broadcast_to(gp.dissection.q99[low][:, None, None], drawn[low].shape)
    )
    half = gp.edit_features(f, [Edit("tree", "draw", ones, 0.5, "low")])
    np.testing.assert_allclose(
        half[low], 0.5 * f[low] + 0.5 * gp.dissection.q99[low][:, None, None], rtol=1e-6
    )


def test_local_edit_and_order(tiny_model):
    gp = GanPainter(tiny_model, "cpu")
    f = gp.features(9)
    m = np.zeros((64, 64), np.float32)
    m[0:8, 0:8] = 1.0  # exactly feature cell (0, 0)
    out = gp.edit_features(f, [Edit("sky", "remove", m)])
    units = gp.units_for("sky")
    assert np.all(out[units, 0, 0] == 0)
    np.testing.assert_array_equal(out[units, 1:, :], f[units, 1:, :])
    # order matters: draw then remove == remove; remove then draw == draw
    a = gp.edit_features(f, [Edit("sky", "draw", m), Edit("sky", "remove", m)])
    np.testing.assert_array_equal(a[units, 0, 0], 0)
    b = gp.edit_features(f, [Edit("sky", "remove", m), Edit("sky", "draw", m)])
    np.testing.assert_allclose(b[units, 0, 0], gp.dissection.q99[units])
    img = gp.edit(9, [Edit("sky", "draw", m)])
    assert img.shape == (64, 64, 3) and not np.array_equal(img, gp.generate(9))


def test_stroke_update_uses_cached_features(tiny_model, monkeypatch):
    gp = GanPainter(tiny_model, "cpu")
    gp.generate(11)
    calls = []
    orig = gp.model.run
    monkeypatch.setattr(gp.model, "run", lambda feed, role="model": (calls.append(role), orig(feed, role))[1])
    m = np.ones((64, 64), np.float32)
    for s in (0.2, 0.5, 1.0):
        gp.edit(11, [Edit("grass", "draw", m, s)])
    assert calls == ["features_to_image"] * 3


def test_pool_mask():
    m = np.zeros((64, 64), np.float32)
    m[10, 20] = 0.7
    p = pool_mask(m, (8, 8))
    assert p.shape == (8, 8) and p[1, 2] == pytest.approx(0.7) and p.sum() == pytest.approx(0.7)
    assert pool_mask(np.ones((3, 5)), (8, 8)).min() == 1.0
    p2 = pool_mask(np.pad(np.ones((1, 1)), ((99, 0), (0, 99))), (8, 8))  # 100x100, odd size
    assert p2[7, 0] == 1.0 and p2.sum() == 1.0


def test_errors(tiny_model):
    gp = GanPainter(tiny_model, "cpu")
    assert gp.concepts() == ["tree", "sky", "grass"]
    m = np.ones((64, 64), np.float32)
    with pytest.raises(EditError, match="unknown concept 'water'"):
        gp.edit(1, [Edit("water", "draw", m)])
    with pytest.raises(EditError, match="mode"):
        gp.edit(1, [Edit("tree", "paint", m)])
    with pytest.raises(EditError, match="intensity"):
        gp.edit(1, [Edit("tree", "draw", m, 1.0, "max")])
    with pytest.raises(EditError, match="mask"):
        gp.edit(1, [Edit("tree", "draw", np.ones(5))])
    (tiny_model / "dissection.json").unlink()
    gp2 = GanPainter(tiny_model, "cpu")
    assert gp2.concepts() == []
    with pytest.raises(EditError, match="no dissection"):
        gp2.edit(1, [Edit("tree", "draw", m)])


def test_default_missing_and_found(tiny_model, monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "bundled_models_dir", lambda: None)
    with pytest.raises(ModelError):
        GanPainter.default("cpu")
    monkeypatch.setenv(paths.MODEL_PATH_ENV, str(tiny_model.parent))
    gp = GanPainter.default("cpu")
    assert gp.name == tiny_model.name
    with pytest.raises(ModelError):
        GanPainter(tmp_path / "nope", "cpu")


def test_segment_shapes(tiny_model):
    gp = GanPainter(tiny_model, "cpu")
    img = gp.generate(1)
    lab = gp.segment(img)
    assert lab.shape == (64, 64) and lab.dtype == np.uint8 and lab.max() < 8
    assert gp.segment(np.stack([img, img])).shape == (2, 64, 64)
    assert seed_to_z(1).shape == (128,)
