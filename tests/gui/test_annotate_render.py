"""The annotation renderer's caches (outline image per view, shapes added onto it, per-item replacement)
draw exactly what a fresh renderer draws for the same state."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from paintgan.gui.annotate.render import AA_LIMIT, RenderItem, ShapeRenderer, qpolygon
from paintgan.gui.view_transform import ViewTransform

W, H = 400, 300


def square(k: int, dx: float = 0.0) -> np.ndarray:
    x, y = 20 + (k % 10) * 38 + dx, 20 + (k // 10) * 38
    return np.array([[x, y], [x + 25, y], [x + 25, y + 25], [x, y + 25]], np.float64)


def item(k: int, version: int = 0, dx: float = 0.0) -> RenderItem:
    colors = [(255, 0, 0), (0, 160, 0), (0, 0, 255)]
    return RenderItem(f"s{k}", "polygon", square(k, dx), colors[k % 3], version)


def render(r: ShapeRenderer, view: ViewTransform, selected: list[int] = ()) -> np.ndarray:  # type: ignore[assignment]
    img = QImage(W, H, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0)
    p = QPainter(img)
    r.paint(p, view, QRectF(0, 0, W, H), selected=selected)
    p.end()
    ptr = img.constBits()
    return np.frombuffer(ptr, np.uint8, img.sizeInBytes()).reshape(H, img.bytesPerLine())[:, :W * 4].copy()


@pytest.fixture
def view() -> ViewTransform:
    return ViewTransform(zoom=0.8, cx=200, cy=150, width=W, height=H)


def fresh(items: list[RenderItem], view: ViewTransform, selected: list[int] = ()) -> np.ndarray:  # type: ignore[assignment]
    r = ShapeRenderer()
    r.set_items([RenderItem(it.key, it.shape_type, it.points, it.color, it.version) for it in items])
    return render(r, view, selected)


def test_qpolygon_matches_points() -> None:
    pts = np.random.default_rng(0).uniform(-1e4, 1e4, (57, 2))
    poly = qpolygon(pts)
    assert poly.size() == 57
    assert np.allclose([(poly.at(i).x(), poly.at(i).y()) for i in range(57)], pts)


def test_cached_image_matches_fresh_render(qapp, view: ViewTransform) -> None:  # type: ignore[no-untyped-def]
    items = [item(k) for k in range(30)]
    r = ShapeRenderer()
    r.set_items(items)
    first = render(r, view, selected=[4])
    assert first.any()
    assert np.array_equal(first, fresh(items, view, [4]))
    rendered = r.stats["rendered"]
    # the selected shape is edited (a vertex drag): the cached image is reused
    items[4] = item(4, version=1, dx=3.0)
    r.replace(4, items[4])
    assert np.array_equal(render(r, view, selected=[4]), fresh(items, view, [4]))
    assert r.stats["rendered"] == rendered
    # deselect it, add a shape: drawn onto the cached image, same pixels as a full render
    items.append(item(30))
    r.set_items(list(items))
    assert np.array_equal(render(r, view), fresh(items, view))
    assert r.stats["rendered"] == rendered and r.stats.get("added", 0) >= 1
    # an unselected shape changes: a full render
    items[7] = item(7, version=1, dx=-4.0)
    r.replace(7, items[7])
    assert np.array_equal(render(r, view), fresh(items, view))
    assert r.stats["rendered"] == rendered + 1
    # panning: the same pixels shifted
    view.cx -= 10
    assert np.array_equal(render(r, view), fresh(items, view))


def test_many_shapes_switch_to_hairlines(qapp, view: ViewTransform) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(1)
    items = [RenderItem(k, "polygon", square(0) + rng.uniform(0, 300, 2), (200, 0, 0), 0)
             for k in range(AA_LIMIT + 50)]
    r = ShapeRenderer()
    r.set_items(items)
    img = render(r, view)
    assert np.array_equal(img, fresh(items, view))
    assert r.stats["drawn"] == len(items)
