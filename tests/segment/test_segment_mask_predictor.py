"""PolygonPredictor on a tiny mask model the test makes: adaptive polygons, clicks, drags, inputs, boxes."""

from __future__ import annotations

import numpy as np
import pytest

from paintgan.errors import PaintGANError
from paintgan.inference.segment import SegmentResult
from paintgan.segment import BoxError, PolygonPredictor


@pytest.fixture(scope="module")
def predictor(tiny_mask_dir):
    return PolygonPredictor(tiny_mask_dir, device="cpu")


def _inside(poly, shape):
    h, w = shape[:2]
    return (
        np.all(poly[:, 0] >= 0)
        and np.all(poly[:, 1] >= 0)
        and np.all(poly[:, 0] <= w - 1)
        and np.all(poly[:, 1] <= h - 1)
    )


def test_kind_and_adaptive_polygon(predictor, scene):
    assert predictor.kind == "mask" and predictor.num_points == 0
    poly = predictor.predict(scene["image"], scene["box"])
    assert poly.ndim == 2 and poly.shape[1] == 2 and len(poly) >= 3 and poly.dtype == np.float64
    assert _inside(poly, scene["image"].shape)
    t = predictor.last_timings
    assert {"model_ms", "polygon_ms", "predict_ms"} <= set(t)


def test_predict_clicks_returns_polygons_and_mask(predictor, scene):
    img, box = scene["image"], scene["box"]
    res = predictor.predict_clicks(img, box, [(150.0, 100.0)], [(100.0, 50.0)])
    assert isinstance(res, SegmentResult)
    assert res.mask.shape == img.shape[:2] and res.mask.dtype == bool
    assert len(res.polygons) >= 1 and all(len(p) >= 3 for p in res.polygons)
    assert np.array_equal(np.asarray(res), res.polygons[0])
    with pytest.raises(PaintGANError, match="clicks"):
        predictor.predict_clicks(img, box, [(1.0, 2.0, 3.0)], [])


def test_clicks_change_the_model_input_where_placed(predictor, scene, monkeypatch):
    seen = []
    real = predictor.model.run
    monkeypatch.setattr(
        predictor.model,
        "run",
        lambda inputs, role="model": (seen.append(inputs["input"].copy()), real(inputs, role))[1],
    )
    predictor.clear_cache()
    predictor.predict_clicks(scene["image"], scene["box"], [(150.0, 100.0)], [])
    predictor.predict_clicks(scene["image"], scene["box"], [(150.0, 100.0)], [(100.0, 50.0)])
    assert len(seen) == 4  # each prediction also runs the mirrored crop
    assert np.array_equal(seen[1], seen[0][..., ::-1])
    x0, x1 = seen[0], seen[2]
    assert x0.shape == (1, 8, 128, 128)
    # the box centre (150, 100) is the crop centre: the positive map peaks there
    assert np.unravel_index(np.argmax(x0[0, 3]), (128, 128)) in {(63, 63), (63, 64), (64, 63), (64, 64)}
    assert x0[0, 4].max() == 0 and x1[0, 4].max() > 0.99  # the negative click arrives in its channel
    assert x1[0, 6].max() > 0  # the second click continues from the first mask (RITM)
    # the colour channel: the crop's colours inside the box against the photograph's around it, the
    # same for every click on that box
    from paintgan.inference.segment import geometry as geo
    from paintgan.inference.segment.colour_prior import box_ring_channel, ring_pixels

    b = tuple(float(v) for v in scene["box"])
    crop, _ = geo.crop_image(scene["image"], b, 128, 0.15)
    want = box_ring_channel(crop, ring_pixels(scene["image"], b), 0.15)
    assert np.allclose(x0[0, 7], want) and np.array_equal(x0[0, 7], x1[0, 7])
    assert want.min() >= 0 and want.max() <= 1 and want.std() > 0.05


def test_a_seven_channel_model_gets_no_colour_channel(tmp_path, scene):
    # models exported before the colour channel (models/segment up to 2.3.0) keep working
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from paintgan.training.segment_export import export_onnx, write_manifest
    from paintgan.training.segment_model import MaskNet, count_params

    torch.manual_seed(0)
    net = MaskNet(in_ch=7, widths=(8, 8, 8, 8), feat=8)
    folder = tmp_path / "segment"
    path = export_onnx(net, folder / "mask.onnx")
    write_manifest(folder, path, step=0, parity_diff=0.0, params=count_params(net), in_ch=7)
    pred = PolygonPredictor(folder, device="cpu")
    seen = []
    real = pred.model.run
    pred.model.run = lambda inputs, role="model": (seen.append(inputs["input"].shape), real(inputs, role))[1]
    pred.predict_clicks(scene["image"], scene["box"], [(150.0, 100.0)], [])
    assert seen and all(shape == (1, 7, 128, 128) for shape in seen)


def test_refine_keeps_fixed_points_exactly(predictor, scene):
    img, box = scene["image"], scene["box"]
    poly = predictor.predict(img, box)
    fixed = {
        0: (123.456789, 61.0000001),
        len(poly) // 2: (poly[len(poly) // 2, 0] + 9.5, poly[len(poly) // 2, 1]),
    }
    out = predictor.refine(img, box, poly, fixed)
    for x, y in fixed.values():
        assert np.any((out[:, 0] == x) & (out[:, 1] == y))  # exactly
    assert set(predictor.last_fixed.values()) == set(fixed.values())
    last_i, last_xy = list(fixed.items())[-1]
    if last_i < len(out):  # the last fixed vertex keeps its index (a drag keeps its vertex)
        assert tuple(out[last_i]) == last_xy
    for i, (x, y) in predictor.last_fixed.items():
        assert out[i, 0] == x and out[i, 1] == y
    assert np.array_equal(predictor.refine(img, box, poly, {}), poly)
    with pytest.raises(PaintGANError, match="out of range"):
        predictor.refine(img, box, poly, {len(poly) + 5: (1.0, 2.0)})


def test_predict_extreme(predictor, scene):
    e = np.array([[100.0, 100.0], [150.0, 50.0], [200.0, 100.0], [150.0, 150.0]])
    out = predictor.predict_extreme(scene["image"], e)
    assert len(out) >= 3 and _inside(out, scene["image"].shape)


def test_box_at_the_image_border(predictor, scene):
    img = scene["image"]
    for box in [(-40.0, -30.0, 60.0, 70.0), (250.0, 150.0, 340.0, 230.0), (0.0, 0.0, 299.0, 199.0)]:
        poly = predictor.predict(img, box)
        assert len(poly) >= 3 and _inside(poly, img.shape)


@pytest.mark.parametrize("box", [(10, 10, 13, 50), (20, 20, 22.5, 22.5), (1000, 1000, 1100, 1100)])
def test_tiny_and_outside_boxes_raise_clear_errors(predictor, scene, box):
    with pytest.raises(BoxError) as info:
        predictor.predict(scene["image"], box)
    msg = str(info.value)
    assert "\n" not in msg and ("too small" in msg or "outside" in msg)
    if box[2] - box[0] < 4:
        assert "at least 4 px" in msg


def test_16bit_gray_rgba_and_float_inputs_match_uint8(predictor, scene):
    img, box = scene["image"], scene["box"]
    gray8 = img[..., 0]
    ref_rgb = predictor.predict(img, box)
    ref_gray = predictor.predict(np.repeat(gray8[..., None], 3, axis=2), box)
    rgba = np.concatenate([img, np.full((*img.shape[:2], 1), 77, np.uint8)], axis=2)
    assert np.array_equal(predictor.predict(rgba, box), ref_rgb)
    assert np.array_equal(predictor.predict(img.astype(np.uint16) * 257, box), ref_rgb)
    assert np.array_equal(predictor.predict(img.astype(np.float32) / 255.0, box), ref_rgb)
    assert np.array_equal(predictor.predict(gray8, box), ref_gray)
    assert np.array_equal(predictor.predict(gray8[..., None], box), ref_gray)
    assert np.array_equal(predictor.predict(gray8.astype(np.uint16) * 257, box), ref_gray)
    with pytest.raises(PaintGANError, match="dtype"):
        predictor.predict(img.astype(np.int32), box)


def test_a_live_vertex_drag_runs_the_model_once_and_reuses_the_crop(predictor, scene, monkeypatch):
    """Drags repeat on every mouse move: `live=True` is one model pass (no flip averaging), and the box
    crop of the image is cut once (here by the box prediction) while the drag stays inside the box."""
    from paintgan.inference.segment import geometry as geo

    img, box = scene["image"], scene["box"]
    predictor.clear_cache()
    poly = predictor.predict(img, box)
    runs, crops = [], []
    real_run, real_crop = predictor.model.run, geo.crop_image
    monkeypatch.setattr(
        predictor.model, "run", lambda inputs, role="model": (runs.append(role), real_run(inputs, role))[1]
    )
    monkeypatch.setattr(geo, "crop_image", lambda *a, **k: (crops.append(1), real_crop(*a, **k))[1])
    inside = (box[0] + box[2]) / 2 - 5.0, box[1] + 6.0
    for dx in (0.0, 1.0, 2.0):
        predictor.refine(img, box, poly, {0: (inside[0] + dx, inside[1])}, live=True)
    assert runs == ["mask"] * 3 and not crops  # the box prediction's crop serves every drag
    final = predictor.refine(img, box, poly, {0: inside})  # the release: flip-averaged, like boxes
    assert len(runs) == 5 and tuple(final[0]) == inside
    predictor.predict_clicks(img, box, [(150.0, 100.0)], [])
    assert len(runs) == 7
    other = img.copy()
    other[0, 0] = 255 - other[0, 0]
    predictor.refine(other, box, poly, {0: inside}, live=True)  # another image array: a new crop
    assert len(crops) == 1
    for dx in (1.0, 3.0, 6.0):  # past the box's right edge: it grows in steps of 10 %, one crop
        predictor.refine(img, box, poly, {0: (box[2] + dx, inside[1])}, live=True)
    assert len(crops) == 2


def test_grow_box_exactly_or_in_steps():
    from paintgan.inference.segment.engine import grow_box

    box = (0.0, 0.0, 100.0, 50.0)
    assert grow_box(box, [50.0, 120.0], [10.0, -3.0]) == (0.0, -3.0, 120.0, 50.0)
    assert grow_box(box, [50.0], [10.0], 0.1) == box  # inside: unchanged
    assert grow_box(box, [101.0], [-3.0], 0.1) == (0.0, -5.0, 110.0, 50.0)
    assert grow_box(box, [109.5], [-4.9], 0.1) == (0.0, -5.0, 110.0, 50.0)  # same step, same box
    assert grow_box(box, [110.5], [60.0], 0.1) == (0.0, 0.0, 120.0, 60.0)
