"""GAN dissection of a GANPaint model (numpy + ONNX Runtime only).

Following Bau et al. (ICLR 2019): generate `samples` images from seeds 0..samples-1, segment them with the
model's `segmenter` graph, upsample every unit's feature map (bilinear) to a working resolution, and for
each unit and concept pick the activation threshold (searched over quantiles of that unit's activations)
that maximises the IoU between "unit active" and "concept present". The result, written to
`<model>/dissection.json`:

    {"format": 1, "model": NAME, "samples": N, "work_resolution": R, "feature_shape": [C, h, w],
     "classes": [...], "class_pixel_share": {...}, "min_iou": 0.05, "min_units": 4,
     "unit_quantiles": {"q50": [C], "q90": [C], "q99": [C]},
     "units": [{"unit": u, "concept": best, "iou": x}, ...],                   # best concept per unit
     "concepts": {"tree": {"units": [...], "iou": [...], "threshold": [...], "quantile": [...],
                           "n_matched": k, "offered": true}, ...},
     "offered": ["tree", ...]}

A concept is offered when at least `min_units` units match it with IoU > `min_iou`.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from paintgan.inference.ganpaint.engine import DISSECTION_NAME, GanPainter, seed_to_z

QUANTILE_LEVELS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.925, 0.95, 0.97, 0.98, 0.99, 0.995)
UNITS_KEPT = 32  # ranked units stored per concept
NOT_CONCEPTS = ()  # every segmenter class is a candidate concept


def _interp_matrix(n_out: int, n_in: int) -> np.ndarray:
    """Bilinear (align_corners=False) upsampling as an (n_out, n_in) matrix."""
    m = np.zeros((n_out, n_in), np.float32)
    scale = n_in / n_out
    for i in range(n_out):
        x = (i + 0.5) * scale - 0.5
        x0 = int(np.floor(x))
        w1 = x - x0
        for j, w in ((x0, 1 - w1), (x0 + 1, w1)):
            m[i, min(max(j, 0), n_in - 1)] += w
    return m


def generate_samples(
    painter: GanPainter, samples: int, seed_start: int = 0, batch: int = 32
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features [N,C,h,w] float32, images [N,H,W,3] uint8, labels [N,H,W] uint8) for seeds
    seed_start..seed_start+samples-1."""
    from paintgan.inference.ganpaint.engine import to_uint8

    feats: list[np.ndarray] = []
    imgs: list[np.ndarray] = []
    for s in range(seed_start, seed_start + samples, batch):
        seeds = range(s, min(s + batch, seed_start + samples))
        z = np.stack([seed_to_z(i, painter.z_dim) for i in seeds])
        f = painter.features_batch(z)
        raw = painter.render_raw(f)
        feats.append(f)
        imgs.extend(to_uint8(r, painter.value_range) for r in raw)
    images = np.stack(imgs)
    labels = painter.segment(images)
    return np.concatenate(feats, 0), images, labels


def dissect_arrays(
    features: np.ndarray,
    labels: np.ndarray,
    classes: list[str],
    *,
    work_resolution: int = 32,
    min_iou: float = 0.05,
    min_units: int = 4,
    chunk: int = 32,
    quantile_images: int = 200,
) -> dict[str, Any]:
    """The dissection of features [N,C,h,w] against label maps [N,H,W] (ids into `classes`)."""
    N, C, h, w = features.shape
    H, W = labels.shape[1:]
    R = int(min(work_resolution, H, W))
    K = len(classes)
    # labels at R x R: the pixel nearest each work cell's centre
    ry = ((np.arange(R) + 0.5) * H / R).astype(np.int64)
    rx = ((np.arange(R) + 0.5) * W / R).astype(np.int64)
    lab = labels[:, ry][:, :, rx].astype(np.int64)
    Uy, Ux = _interp_matrix(R, h), _interp_matrix(R, w)

    def upsample(f: np.ndarray) -> np.ndarray:  # [n,C,h,w] -> [n*R*R, C]
        up = np.einsum("rh,nchw,sw->nrsc", Uy, f, Ux, optimize=True)
        return up.reshape(-1, C)

    qn = min(N, quantile_images)
    sample = upsample(features[:qn])
    levels = np.asarray(QUANTILE_LEVELS)
    thresholds = np.quantile(sample, levels, axis=0).astype(np.float32)  # [L, C]
    L = len(levels)
    inter = np.zeros((L, C, K), np.float64)
    act = np.zeros((L, C), np.float64)
    lab_count = np.zeros(K, np.float64)
    for s in range(0, N, chunk):
        a = upsample(features[s : s + chunk])
        onehot = np.zeros((a.shape[0], K), np.float32)
        onehot[np.arange(a.shape[0]), lab[s : s + chunk].reshape(-1)] = 1.0
        lab_count += onehot.sum(0)
        for li in range(L):
            m = (a > thresholds[li]).astype(np.float32)
            act[li] += m.sum(0)
            inter[li] += m.T @ onehot
    union = act[:, :, None] + lab_count[None, None, :] - inter
    iou = np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)  # [L, C, K]
    best_level = iou.argmax(0)  # [C, K]
    best_iou = iou.max(0)  # [C, K]
    flat = features.transpose(1, 0, 2, 3).reshape(C, -1)
    q = np.quantile(flat, [0.5, 0.9, 0.99], axis=1).astype(np.float32)
    total = float(lab_count.sum()) or 1.0
    concepts: dict[str, Any] = {}
    offered = []
    for k, name in enumerate(classes):
        order = np.argsort(-best_iou[:, k], kind="stable")[:UNITS_KEPT]
        n_matched = int((best_iou[:, k] > min_iou).sum())
        ok = n_matched >= min_units and name not in NOT_CONCEPTS
        concepts[name] = {
            "units": [int(u) for u in order],
            "iou": [round(float(best_iou[u, k]), 5) for u in order],
            "threshold": [round(float(thresholds[best_level[u, k], u]), 5) for u in order],
            "quantile": [float(levels[best_level[u, k]]) for u in order],
            "n_matched": n_matched,
            "offered": bool(ok),
        }
        if ok:
            offered.append(name)
    unit_best = best_iou.argmax(1)
    units = [
        {
            "unit": int(u),
            "concept": classes[int(unit_best[u])],
            "iou": round(float(best_iou[u, unit_best[u]]), 5),
        }
        for u in range(C)
    ]
    return {
        "format": 1,
        "samples": int(N),
        "work_resolution": R,
        "feature_shape": [int(C), int(h), int(w)],
        "classes": list(classes),
        "class_pixel_share": {c: round(float(lab_count[i]) / total, 5) for i, c in enumerate(classes)},
        "min_iou": float(min_iou),
        "min_units": int(min_units),
        "quantile_levels": [float(x) for x in levels],
        "unit_quantiles": {
            "q50": q[0].round(5).tolist(),
            "q90": q[1].round(5).tolist(),
            "q99": q[2].round(5).tolist(),
        },
        "units": units,
        "concepts": concepts,
        "offered": offered,
    }


def dissect_model(
    model: str | os.PathLike[str],
    samples: int = 1000,
    *,
    device: str = "auto",
    seed_start: int = 0,
    min_iou: float = 0.05,
    min_units: int = 4,
    work_resolution: int = 32,
    out: str | os.PathLike[str] | None = None,
) -> tuple[dict[str, Any], Path]:
    """Dissect a model (name or folder) and write dissection.json (default: into the model folder)."""
    from paintgan.errors import ModelError

    painter = GanPainter(model, device)
    if not painter.has_segmenter:
        raise ModelError(f"model {painter.name} has no segmenter graph to dissect with")
    classes = painter.segmenter_classes
    t0 = time.time()
    feats, _images, labels = generate_samples(painter, samples, seed_start)
    if not classes:
        classes = [f"class{i}" for i in range(int(labels.max()) + 1)]
    data = dissect_arrays(
        feats, labels, classes, work_resolution=work_resolution, min_iou=min_iou, min_units=min_units
    )
    data = {"format": 1, "model": painter.name, "seed_start": int(seed_start), **data}
    data["seconds"] = round(time.time() - t0, 1)
    path = Path(out) if out is not None else painter.folder / DISSECTION_NAME
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return data, path


def summary_lines(data: dict[str, Any]) -> list[str]:
    lines = [f"{'concept':<10} {'share':>6} {'units>iou':>9} {'top iou':>7}  offered  top units"]
    for c, v in data["concepts"].items():
        share = data["class_pixel_share"].get(c, 0.0)
        top = v["iou"][0] if v["iou"] else 0.0
        lines.append(
            f"{c:<10} {share:>6.3f} {v['n_matched']:>9} {top:>7.3f}  {'yes' if v['offered'] else 'no ':<7}  "
            + " ".join(str(u) for u in v["units"][:6])
        )
    return lines
