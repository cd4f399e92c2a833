"""Plane geometry of annotation shapes, numpy only (no Qt, no OpenCV): area, bounding boxes, hit tests,
clipping to the image, validity checks and simplification.

Points are (x, y) in document pixels (origin top-left, y down), as LabelMe stores them; a polygon is its
vertex list without repeating the first vertex. Everything accepts any (n, 2) sequence and never mutates
its input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Point = tuple[float, float]
Points = Sequence[Sequence[float]] | np.ndarray

#: Default quality floor for `simplify_polygon`: the simplified polygon covers the original with IoU ≥ this.
SIMPLIFY_MIN_IOU = 0.98


def as_points(points: Points) -> np.ndarray:
    """(n, 2) float64 copy of `points` (an empty (0, 2) array for no points)."""
    arr = np.asarray(points, dtype=np.float64)
    if arr.size == 0:
        return np.zeros((0, 2), np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"points must be a list of (x, y) pairs, got shape {arr.shape}")
    return arr.copy()


def polygon_area(points: Points) -> float:
    """Unsigned area of a simple polygon (shoelace formula); 0 for fewer than 3 points."""
    p = as_points(points)
    if len(p) < 3:
        return 0.0
    x, y = p[:, 0], p[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def bbox(points: Points) -> tuple[float, float, float, float] | None:
    """(x0, y0, x1, y1) of the points, None when there are none."""
    p = as_points(points)
    if len(p) == 0:
        return None
    return float(p[:, 0].min()), float(p[:, 1].min()), float(p[:, 0].max()), float(p[:, 1].max())


def point_in_polygon(x: float, y: float, points: Points) -> bool:
    """Even-odd rule (ray casting): True when (x, y) lies inside the polygon."""
    p = as_points(points)
    if len(p) < 3:
        return False
    x0, y0 = p[:, 0], p[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    crosses = (y0 > y) != (y1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    return bool(np.count_nonzero(crosses & (x < xi)) % 2)


def nearest_vertex(points: Points, x: float, y: float, radius: float = math.inf) -> int | None:
    """Index of the vertex closest to (x, y) within `radius`, or None."""
    p = as_points(points)
    if len(p) == 0:
        return None
    d2 = (p[:, 0] - x) ** 2 + (p[:, 1] - y) ** 2
    i = int(np.argmin(d2))
    return i if d2[i] <= radius * radius else None


def nearest_edge(points: Points, x: float, y: float, radius: float = math.inf, closed: bool = True
                 ) -> tuple[int, float, float] | None:
    """(i, t, distance) of the edge points[i] -> points[i + 1] (wrapping when `closed`) closest to (x, y)
    within `radius`; t in [0, 1] is the position of the closest point along the edge. None when none."""
    p = as_points(points)
    if len(p) < 2:
        return None
    a = p if closed else p[:-1]
    b = np.roll(p, -1, axis=0) if closed else p[1:]
    d = b - a
    ll = (d ** 2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(ll > 0, ((x - a[:, 0]) * d[:, 0] + (y - a[:, 1]) * d[:, 1]) / ll, 0.0)
    t = np.clip(t, 0.0, 1.0)
    cx, cy = a[:, 0] + t * d[:, 0], a[:, 1] + t * d[:, 1]
    dist = np.hypot(cx - x, cy - y)
    i = int(np.argmin(dist))
    if dist[i] > radius:
        return None
    return i, float(t[i]), float(dist[i])


def rectangle_corners(points: Points) -> np.ndarray:
    """The 4 corners (clockwise from the top-left) of a LabelMe rectangle given by two opposite corners."""
    p = as_points(points)
    if len(p) < 2:
        raise ValueError("a rectangle needs two corner points")
    x0, x1 = sorted((p[0, 0], p[1, 0]))
    y0, y1 = sorted((p[0, 1], p[1, 1]))
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)


def circle_polygon(points: Points, segments: int = 32) -> np.ndarray:
    """A LabelMe circle (centre, a point on the circle) approximated by a regular polygon."""
    p = as_points(points)
    if len(p) < 2:
        raise ValueError("a circle needs a centre and a point on it")
    r = float(np.hypot(*(p[1] - p[0])))
    a = np.linspace(0.0, 2.0 * math.pi, segments, endpoint=False)
    return np.stack([p[0, 0] + r * np.cos(a), p[0, 1] + r * np.sin(a)], axis=1)


def clip_polygon(points: Points, width: float, height: float) -> np.ndarray:
    """The polygon clipped to the image [0, width] × [0, height] (Sutherland–Hodgman; exact for convex
    clip windows). May return fewer than 3 points when the polygon lies outside."""
    out = as_points(points)
    if len(out) and out.min() >= 0.0 and (out[:, 0] <= width).all() and (out[:, 1] <= height).all():
        return out  # already inside (the common case): nothing to clip
    # each clip edge: keep points where coord*sign <= limit*sign
    for axis, limit, keep_below in ((0, 0.0, False), (0, float(width), True),
                                    (1, 0.0, False), (1, float(height), True)):
        if len(out) == 0:
            break
        inside = out[:, axis] <= limit if keep_below else out[:, axis] >= limit
        prev = np.roll(out, 1, axis=0)
        prev_in = np.roll(inside, 1)
        res: list[np.ndarray] = []
        for cur, pin, cin, pv in zip(out, prev_in, inside, prev):
            if cin != pin:  # the edge crosses the clip line
                t = (limit - pv[axis]) / (cur[axis] - pv[axis])
                q = pv + t * (cur - pv)
                q[axis] = limit
                res.append(q)
            if cin:
                res.append(cur)
        out = np.array(res, np.float64).reshape(-1, 2)
    if len(out):  # drop consecutive duplicates the clipping may create
        keep = np.any(np.abs(out - np.roll(out, 1, axis=0)) > 1e-9, axis=1)
        if not keep.any():
            keep[0] = True
        out = out[keep]
    return out


def clip_points(points: Points, width: float, height: float) -> np.ndarray:
    """Points clamped into the image (for rectangles, points and line strips)."""
    p = as_points(points)
    p[:, 0] = np.clip(p[:, 0], 0.0, float(width))
    p[:, 1] = np.clip(p[:, 1], 0.0, float(height))
    return p


def self_intersects(points: Points) -> bool:
    """True when two non-adjacent edges of the closed polygon cross (touching endpoints included).
    Edge pairs whose bounding boxes overlap are found for blocks of edges at once, then tested exactly."""
    p = as_points(points)
    n = len(p)
    if n < 4:
        return False
    a, b = p, np.roll(p, -1, axis=0)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    j = np.arange(n)[None, :]
    block = max(1, min(n, 4_000_000 // n))
    for i0 in range(0, n, block):
        i = np.arange(i0, min(n, i0 + block))[:, None]
        # non-adjacent pairs only, each once (j > i + 1, not first with last), whose boxes overlap
        cand = (j > i + 1) & ~((i == 0) & (j == n - 1))
        blo, bhi = lo[i0:i0 + block, None], hi[i0:i0 + block, None]
        for k in (0, 1):
            cand &= (lo[None, :, k] <= bhi[..., k]) & (blo[..., k] <= hi[None, :, k])
        ii, jj = np.nonzero(cand)
        if len(ii) and _segments_cross(a[ii + i0], b[ii + i0], a[jj], b[jj]).any():
            return True
    return False


def segment_crosses_polygon(a: Points, b: Points, points: Points, skip: int = -1) -> bool:
    """True when the segment a-b crosses or touches an edge of the closed polygon, leaving out the two
    edges at vertex `skip` (the vertex the segment starts from; -1: none)."""
    p = as_points(points)
    n = len(p)
    if n < 2:
        return False
    keep = np.ones(n, bool)
    if 0 <= skip < n:
        keep[[skip, (skip - 1) % n]] = False  # edge i runs from vertex i to vertex i + 1
    e0, e1 = p[keep], np.roll(p, -1, axis=0)[keep]
    sa = np.broadcast_to(np.asarray(a, np.float64), e0.shape)
    sb = np.broadcast_to(np.asarray(b, np.float64), e0.shape)
    return bool(_segments_cross(sa, sb, e0, e1).any())


def polygons_cross(points: Points, other: Points) -> bool:
    """True when an edge of one closed polygon crosses or touches an edge of the other."""
    p, q = as_points(points), as_points(other)
    if len(p) < 2 or len(q) < 2:
        return False
    a, b = p[:, None], np.roll(p, -1, axis=0)[:, None]
    c, d = q[None], np.roll(q, -1, axis=0)[None]
    shape = (len(p), len(q), 2)
    args = (np.broadcast_to(x, shape) for x in (a, b, c, d))
    return bool(_segments_cross(*args).any())


def _segments_cross(p1: np.ndarray, p2: np.ndarray, q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    def orient(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        return ((b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1])
                - (b[..., 1] - a[..., 1]) * (c[..., 0] - a[..., 0]))

    d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
    d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
    proper = (d1 * d2 < 0) & (d3 * d4 < 0)
    collinear_touch = ((d1 == 0) & _on_segment(q1, q2, p1)) | ((d2 == 0) & _on_segment(q1, q2, p2)) | \
        ((d3 == 0) & _on_segment(p1, p2, q1)) | ((d4 == 0) & _on_segment(p1, p2, q2))
    return proper | collinear_touch


def _on_segment(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return ((lo[..., 0] <= c[..., 0]) & (c[..., 0] <= hi[..., 0])
            & (lo[..., 1] <= c[..., 1]) & (c[..., 1] <= hi[..., 1]))


def polygon_problem(points: Points, *, min_points: int = 3) -> str | None:
    """Why the points are not a usable polygon ("fewer than 3 points", "not finite", "zero area",
    "self-intersecting"), or None when they are."""
    p = np.asarray(points, dtype=np.float64) if len(points) else np.zeros((0, 2))
    if p.ndim != 2 or (len(p) and p.shape[1] != 2):
        return "points are not (x, y) pairs"
    if len(p) < min_points:
        return f"fewer than {min_points} points ({len(p)})"
    if not np.isfinite(p).all():
        return "a coordinate is not a finite number"
    if self_intersects(p):
        return "self-intersecting"
    if polygon_area(p) <= 1e-9:
        return "zero area"
    return None


# --------------------------------------------------------------------------------- rasterizing
def rasterize(points: Points, origin: tuple[float, float], scale: float, shape: tuple[int, int]
              ) -> np.ndarray:
    """Boolean (h, w) mask of the polygon (even-odd) sampled at pixel centres of a grid whose pixel (0, 0)
    covers `origin` and whose pixels are 1/`scale` document pixels wide."""
    h, w = shape
    p = (as_points(points) - np.asarray(origin, np.float64)) * scale
    if len(p) < 3:
        return np.zeros((h, w), bool)
    x0, y0 = p[:, 0], p[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    ys = np.arange(h, dtype=np.float64) + 0.5
    cross = (y0[None, :] > ys[:, None]) != (y1[None, :] > ys[:, None])  # (h, E)
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = x0[None, :] + (ys[:, None] - y0[None, :]) * (x1 - x0)[None, :] / (y1 - y0)[None, :]
    r, e = np.nonzero(cross)
    # pixel j of row r is inside when an odd number of crossings lie left of its centre j + 0.5
    col = np.clip(np.floor(xi[r, e] - 0.5).astype(np.int64) + 1, 0, w)
    acc = np.zeros((h, w + 1), np.int32)
    np.add.at(acc, (r, col), 1)
    mask = (np.cumsum(acc, axis=1)[:, :w] & 1).astype(bool)
    return mask


def polygon_iou(a: Points, b: Points, resolution: int = 384) -> float:
    """Intersection over union of two polygons, measured on a grid with `resolution` cells along the
    longer side of their common bounding box (good to about 1/resolution)."""
    pa, pb = as_points(a), as_points(b)
    if len(pa) < 3 or len(pb) < 3:
        return 0.0
    allp = np.concatenate([pa, pb])
    lo = allp.min(axis=0)
    span = max(float((allp.max(axis=0) - lo).max()), 1e-9)
    scale = resolution / span
    size = (math.ceil((allp[:, 1].max() - lo[1]) * scale) + 1,
            math.ceil((allp[:, 0].max() - lo[0]) * scale) + 1)
    ma = rasterize(pa, (lo[0], lo[1]), scale, size)
    mb = rasterize(pb, (lo[0], lo[1]), scale, size)
    union = np.count_nonzero(ma | mb)
    return 1.0 if union == 0 else np.count_nonzero(ma & mb) / union


# --------------------------------------------------------------------------------- simplifying
def douglas_peucker(points: Points, epsilon: float, closed: bool = True) -> np.ndarray:
    """Ramer–Douglas–Peucker: the subset of vertices within `epsilon` of the original outline. A closed
    polygon is split at its two mutually farthest-apart vertices first, so the result does not depend on
    where the vertex list starts."""
    p = as_points(points)
    n = len(p)
    if n <= 2 or epsilon <= 0:
        return p
    if not closed:
        keep = np.zeros(n, bool)
        _dp_mark(p, 0, n - 1, epsilon, keep)
        return p[keep]
    i0 = 0
    i1 = int(np.argmax(((p - p[i0]) ** 2).sum(axis=1)))
    i0 = int(np.argmax(((p - p[i1]) ** 2).sum(axis=1)))
    ring = np.roll(p, -i0, axis=0)
    k = (i1 - i0) % n
    keep = np.zeros(n + 1, bool)
    loop = np.concatenate([ring, ring[:1]])
    _dp_mark(loop, 0, k, epsilon, keep)
    _dp_mark(loop, k, n, epsilon, keep)
    out = ring[keep[:n]]
    if len(out) < 3:  # keep a triangle: the farthest vertex from the chord
        far = _farthest_from_chord(ring, 0, k)
        idx = sorted({0, k, far})
        out = ring[idx] if len(idx) == 3 else ring[: min(3, n)]
    return out


def _dp_mark(p: np.ndarray, i: int, j: int, eps: float, keep: np.ndarray) -> None:
    keep[i] = keep[j] = True
    stack = [(i, j)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        seg = p[a + 1:b]
        d = _dist_to_segment(seg, p[a], p[b])
        k = int(np.argmax(d))
        if d[k] > eps:
            m = a + 1 + k
            keep[m] = True
            stack.append((a, m))
            stack.append((m, b))


def _farthest_from_chord(ring: np.ndarray, i: int, j: int) -> int:
    d = _dist_to_segment(ring, ring[i], ring[j])
    d[[i, j]] = -1.0
    return int(np.argmax(d))


def _dist_to_segment(q: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = b - a
    ll = float(d @ d)
    if ll == 0.0:
        return np.hypot(q[:, 0] - a[0], q[:, 1] - a[1])
    t = np.clip(((q - a) @ d) / ll, 0.0, 1.0)
    c = a + t[:, None] * d
    return np.hypot(q[:, 0] - c[:, 0], q[:, 1] - c[:, 1])


def visvalingam_order(points: Points) -> list[int]:
    """Visvalingam–Whyatt on a closed polygon: vertex indices in the order they are removed (smallest
    effective triangle area first), the last 3 never listed. Keeping all but the first k of this order
    gives the polygon with n - k vertices."""
    import heapq

    p = as_points(points)
    n = len(p)
    if n <= 3:
        return []
    prev = [(i - 1) % n for i in range(n)]
    nxt = [(i + 1) % n for i in range(n)]

    def tri(i: int) -> float:
        a, b, c = p[prev[i]], p[i], p[nxt[i]]
        return abs((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])) / 2.0

    version = [0] * n
    heap = [(tri(i), 0, i) for i in range(n)]
    heapq.heapify(heap)
    alive = n
    order: list[int] = []
    last = 0.0
    while alive > 3 and heap:
        area, ver, i = heapq.heappop(heap)
        if ver != version[i]:
            continue
        last = max(last, area)  # effective area never decreases (Visvalingam's rule)
        order.append(i)
        alive -= 1
        a, c = prev[i], nxt[i]
        nxt[a], prev[c] = c, a
        version[i] = -1
        for j in (a, c):
            version[j] += 1
            heapq.heappush(heap, (max(tri(j), last), version[j], j))
    return order


def simplify_polygon(points: Points, min_iou: float = SIMPLIFY_MIN_IOU, tolerance: float | None = None
                     ) -> np.ndarray:
    """Fewer vertices for the same outline. With `tolerance` (pixels): Douglas–Peucker at that tolerance.
    Otherwise the fewest vertices that keep the IoU with the original ≥ `min_iou`: a binary search over
    how many vertices Visvalingam–Whyatt removes (it spreads vertices evenly along curves, where
    Douglas–Peucker halves them), checked by `polygon_iou`. Always at least 3 vertices, never more than
    given, vertex order kept."""
    p = as_points(points)
    if len(p) <= 3:
        return p
    if tolerance is not None:
        return douglas_peucker(p, float(tolerance))
    order = visvalingam_order(p)

    def keep(k: int) -> np.ndarray:  # the polygon after removing the first k vertices of `order`
        mask = np.ones(len(p), bool)
        mask[order[:k]] = False
        return p[mask]

    lo, hi = 0, len(order)  # removing lo vertices is fine; find the largest such
    if polygon_iou(p, keep(hi)) >= min_iou:
        return keep(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if polygon_iou(p, keep(mid)) >= min_iou:
            lo = mid
        else:
            hi = mid
    return keep(lo)
