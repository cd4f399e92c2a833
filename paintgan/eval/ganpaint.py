"""`python -m paintgan.eval ganpaint [--model ganpaint] [--seeds 50] [--json]`

For each concept the model offers, over `--seeds` held-out seeds (default 10000.., not the dissection's
0..999), measured with the model's own segmenter:

* draw: a random ellipse mask (10-30 % of the image); rise of the concept's pixel share inside the mask,
  success = rise >= 0.10; the same with as many *random* units (control: what any unit change does);
* remove: on seeds where the concept covers >= 1 % of the image, the mask is its segment dilated by
  a few pixels (as a user paints over it); fall of the concept's share inside the mask, success =
  share at most half of before;
* leakage: mean absolute change (0-255) of the pixels outside the mask, draw and remove.

Also the concept frequencies (pixel shares) of generated images vs rendered training scenes (ground truth
labels, and the segmenter on those renders, the fair comparison); the training-scene numbers are measured
at export time and read from the manifest's evaluation["training_scenes"] (eval never imports training).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from paintgan.inference.ganpaint.engine import Edit, GanPainter


def random_ellipse_mask(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    area = rng.uniform(0.10, 0.30) * h * w
    aspect = rng.uniform(0.6, 1.6)
    ax = np.sqrt(area / np.pi * aspect)
    ay = area / (np.pi * ax)
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    cv2.ellipse(m, (int(cx), int(cy)), (max(1, int(ax)), max(1, int(ay))), 0, 0, 360, 1, -1)
    return m.astype(np.float32)


def _share(labels: np.ndarray, k: int, mask: np.ndarray) -> float:
    sel = mask > 0.5
    return float((labels[sel] == k).mean()) if sel.any() else 0.0


def _leak(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    out = mask <= 0.0
    if not out.any():
        return 0.0
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean(axis=2)[out].mean())


def evaluate(
    painter: GanPainter,
    seeds: int = 50,
    seed_start: int = 10000,
    intensity: str = "medium",
    control: bool = True,
) -> dict[str, Any]:
    classes = painter.segmenter_classes
    rng = np.random.default_rng(1234)
    seed_list = list(range(seed_start, seed_start + seeds))
    base_imgs = {s: painter.generate(s) for s in seed_list}
    base_labels = {s: painter.segment(base_imgs[s]) for s in seed_list}
    H, W = next(iter(base_imgs.values())).shape[:2]
    rows: dict[str, Any] = {}
    t0 = time.time()
    n_units = 0
    for concept in painter.concepts():
        k = classes.index(concept)
        units = painter.units_for(concept, intensity)
        n_units = len(units)
        rises, rises_ctrl, leaks_d, falls, leaks_r = [], [], [], [], []
        succ_d = succ_ctrl = succ_r = n_r = 0
        for s in seed_list:
            feats = painter.features(s)
            mask = random_ellipse_mask(rng, H, W)
            img = painter.render(painter.edit_features(feats, [Edit(concept, "draw", mask, 1.0, intensity)]))
            lab = painter.segment(img)
            rise = _share(lab, k, mask) - _share(base_labels[s], k, mask)
            rises.append(rise)
            succ_d += rise >= 0.10
            leaks_d.append(_leak(img, base_imgs[s], mask))
            if control:
                assert painter.dissection is not None
                ru = rng.choice(feats.shape[0], len(units), replace=False)
                f2 = np.array(feats, copy=True)
                from paintgan.inference.ganpaint.engine import pool_mask

                a = pool_mask(mask, feats.shape[1:])[None]
                f2[ru] = f2[ru] * (1 - a) + painter.dissection.q99[ru][:, None, None] * a
                lab2 = painter.segment(painter.render(f2))
                rc = _share(lab2, k, mask) - _share(base_labels[s], k, mask)
                rises_ctrl.append(rc)
                succ_ctrl += rc >= 0.10
            present = base_labels[s] == k
            if present.mean() >= 0.01:
                n_r += 1
                rmask = cv2.dilate(present.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(np.float32)
                img_r = painter.render(
                    painter.edit_features(feats, [Edit(concept, "remove", rmask, 1.0, intensity)])
                )
                lab_r = painter.segment(img_r)
                before, after = _share(base_labels[s], k, rmask), _share(lab_r, k, rmask)
                falls.append(before - after)
                succ_r += after <= 0.5 * before
                leaks_r.append(_leak(img_r, base_imgs[s], rmask))
        mean = lambda xs: round(float(np.mean(xs)), 4) if xs else None  # noqa: E731
        rows[concept] = {
            "units": n_units,
            "draw_rise": mean(rises),
            "draw_success": round(succ_d / len(seed_list), 3),
            "draw_rise_random_units": mean(rises_ctrl) if control else None,
            "draw_success_random_units": round(succ_ctrl / len(seed_list), 3) if control else None,
            "draw_leak": mean(leaks_d),
            "remove_trials": n_r,
            "remove_fall": mean(falls),
            "remove_success": round(succ_r / n_r, 3) if n_r else None,
            "remove_leak": mean(leaks_r),
        }
    gen_labels = np.stack(list(base_labels.values()))
    freq_gen = {c: round(float((gen_labels == i).mean()), 4) for i, c in enumerate(classes)}
    # training-scene statistics are measured at export time (eval must not import paintgan.training)
    stats = (painter.model.manifest.evaluation or {}).get("training_scenes", {})
    freq_train = stats.get("label_frequencies", {})
    freq_train_seg = stats.get("segmenter_frequencies", {})
    seg_acc = stats.get("segmenter_pixel_acc")
    return {
        "model": painter.name,
        "seeds": seeds,
        "seed_start": seed_start,
        "intensity": intensity,
        "image_size": [H, W],
        "concepts": rows,
        "frequencies": {
            "generated": freq_gen,
            "training_labels": freq_train,
            "training_segmenter": freq_train_seg,
        },
        "segmenter_pixel_acc_on_training_scenes": seg_acc,
        "seconds": round(time.time() - t0, 1),
    }


def format_table(res: dict[str, Any]) -> str:
    lines = [
        f"GANPaint evaluation: model {res['model']}, {res['seeds']} seeds from {res['seed_start']}, "
        f"intensity {res['intensity']}",
        "",
        f"{'concept':<9} {'units':>5} {'draw rise':>9} {'succ':>5} {'ctrl rise':>9} {'ctrl succ':>9} "
        f"{'leak':>5} | {'rm n':>4} {'rm fall':>7} {'succ':>5} {'leak':>5}",
    ]
    f = lambda v, fmt: format(v, fmt) if v is not None else "-"  # noqa: E731
    for c, r in res["concepts"].items():
        lines.append(
            f"{c:<9} {r['units']:>5} {f(r['draw_rise'], '9.3f')} {f(r['draw_success'], '5.2f')} "
            f"{f(r['draw_rise_random_units'], '9.3f')} {f(r['draw_success_random_units'], '9.2f')} "
            f"{f(r['draw_leak'], '5.1f')} | {r['remove_trials']:>4} {f(r['remove_fall'], '7.3f')} "
            f"{f(r['remove_success'], '5.2f')} {f(r['remove_leak'], '5.1f')}"
        )
    fr = res["frequencies"]
    lines += ["", f"{'concept':<9} {'generated':>9} {'train(gt)':>9} {'train(seg)':>10}"]
    for c, v in fr["generated"].items():
        lines.append(
            f"{c:<9} {v:>9.3f} {f(fr['training_labels'].get(c), '9.3f')} "
            f"{f(fr['training_segmenter'].get(c), '10.3f')}"
        )
    if res.get("segmenter_pixel_acc_on_training_scenes") is not None:
        lines.append(
            "segmenter pixel accuracy on training scenes: "
            f"{res['segmenter_pixel_acc_on_training_scenes']:.3f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m paintgan.eval ganpaint")
    p.add_argument("--model", default=None, help="model name or folder (default: the shipped ganpaint model)")
    p.add_argument("--seeds", type=int, default=50)
    p.add_argument("--seed-start", type=int, default=10000)
    p.add_argument("--intensity", default="medium", choices=("low", "medium", "high"))
    p.add_argument("--no-control", action="store_true", help="skip the random-units control")
    p.add_argument("--device", default="cpu")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(list(argv) if argv is not None else None)
    painter = GanPainter.default(args.device) if args.model is None else GanPainter(args.model, args.device)
    res = evaluate(painter, args.seeds, args.seed_start, args.intensity, control=not args.no_control)
    print(json.dumps(res, indent=2) if args.json else format_table(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
