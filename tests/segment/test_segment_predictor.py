"""PolygonPredictor on a tiny randomly initialised model: shapes, fixed vertices, cache, errors."""

from __future__ import annotations

import numpy as np
import pytest

from paintgan.errors import ModelError, PaintGANError
from paintgan.segment import BoxError, PolygonPredictor


@pytest.fixture(scope="module")
def predictor(tiny_model_dir):
    return PolygonPredictor(tiny_model_dir, device="cpu")


def test_predict_returns_points_in_image_coordinates(predictor, scene):
    poly = predictor.predict(scene["image"], scene["box"])
    assert poly.shape == (predictor.num_points, 2) and poly.dtype == np.float64
    x0, y0, x1, y1 = scene["box"]
    w, h = x1 - x0, y1 - y0
    assert np.all(poly[:, 0] > x0 - 0.5 * w) and np.all(poly[:, 0] < x1 + 0.5 * w)
    assert np.all(poly[:, 1] > y0 - 0.5 * h) and np.all(poly[:, 1] < y1 + 0.5 * h)


def test_refine_keeps_fixed_vertices_exactly_and_moves_others(predictor, scene):
    img, box = scene["image"], scene["box"]
    poly = predictor.predict(img, box)
    fixed = {3: (123.456789, 61.0000001), 17: (poly[17, 0] + 9.5, poly[17, 1] - 7.25)}
    out = predictor.refine(img, box, poly, fixed)
    assert out.shape == poly.shape
    for i, (x, y) in fixed.items():
        assert out[i, 0] == x and out[i, 1] == y  # exactly, not approximately
    free = [i for i in range(len(poly)) if i not in fixed]
    assert np.abs(out[free] - poly[free]).max() > 1e-3
    assert np.all(np.isfinite(out))
    # no fixed vertex: the polygon comes back unchanged
    assert np.array_equal(predictor.refine(img, box, poly, {}), poly)


def test_refine_reuses_encoder_features(predictor, scene, monkeypatch):
    img, box = scene["image"], scene["box"]
    poly = predictor.predict(img, box)
    calls = []
    real = predictor.model.run
    monkeypatch.setattr(
        predictor.model, "run", lambda inputs, role="model": (calls.append(role), real(inputs, role))[1]
    )
    predictor.refine(img, box, poly, {0: (150.0, 50.0)})
    predictor.refine(img, box, poly, {0: (150.0, 49.0), 5: (190.0, 80.0)})
    assert calls == ["refine", "refine"]
    other = img.copy()
    other[:10] = 0  # new content -> new features
    predictor.refine(other, box, poly, {0: (150.0, 50.0)})
    assert calls[-2:] == ["encoder", "refine"]


def test_predict_extreme_fixes_the_four_points(predictor, scene):
    e = np.array([[100.0, 100.0], [150.0, 50.0], [200.0, 100.0], [150.0, 150.0]])
    out = predictor.predict_extreme(scene["image"], e)
    for p in e:
        assert np.any(np.all(out == p, axis=1))


@pytest.mark.parametrize("box", [(10, 10, 10, 50), (20, 20, 21, 21), (1000, 1000, 1100, 1100), (5, 5, 5, 5)])
def test_degenerate_boxes(predictor, scene, box):
    with pytest.raises(BoxError) as info:
        predictor.predict(scene["image"], box)
    assert isinstance(info.value, ValueError) and isinstance(info.value, PaintGANError)
    assert "\n" not in str(info.value)


def test_bad_arguments(predictor, scene):
    img, box = scene["image"], scene["box"]
    poly = predictor.predict(img, box)
    with pytest.raises(PaintGANError, match="out of range"):
        predictor.refine(img, box, poly, {99: (1.0, 2.0)})
    with pytest.raises(PaintGANError, match="vertices"):
        predictor.refine(img, box, poly[:10], {0: (1.0, 2.0)})
    with pytest.raises(PaintGANError, match="dtype"):
        predictor.predict(img.astype(np.int32), box)
    with pytest.raises(BoxError):
        predictor.predict_extreme(img, [(5, 5), (5, 5), (5, 5), (5, 5)])


def test_default_without_model_is_a_clear_model_error(monkeypatch):
    from paintgan.inference import paths

    monkeypatch.setattr(paths, "bundled_models_dir", lambda: None)
    with pytest.raises(ModelError, match="Click segmentation unavailable"):
        PolygonPredictor.default()
