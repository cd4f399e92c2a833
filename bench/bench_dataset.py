"""Dataset folder benchmark: opening a folder of 10,000 images for annotation. Prints JSON.

    python bench/bench_dataset.py [--images 10000]

Makes tiny files in a temporary folder (a 1-byte "image" is enough: listing never decodes images), a
LabelMe JSON beside every 4th one, then measures
- open_s: `DatasetFolder(folder)` — list the folder (budget ≤ 1 s for 10,000 images), cold (first call)
  and the median of 5 warm calls;
- status_page_ms: statuses of the first 50 rows (what a file list shows first), JSONs read lazily;
- status_all_s: every status (what a label filter over the whole folder costs);
- export_coco_s / export_yolo_s: exporting the labelled images (images without a LabelMe file are left
  out, as by default).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path


def make_folder(folder: Path, n: int) -> None:
    shape = {"label": "cat", "points": [[1, 1], [20, 1], [10, 15]], "group_id": None, "description": "",
             "shape_type": "polygon", "flags": {}}
    for i in range(n):
        name = f"img_{i:05d}"
        (folder / f"{name}.jpg").write_bytes(b"\xff")
        if i % 4 == 0:
            body = {"version": "5.4.1", "flags": {}, "shapes": [shape] * (1 + i % 3),
                    "imagePath": f"{name}.jpg", "imageData": None, "imageHeight": 16, "imageWidth": 24}
            (folder / f"{name}.json").write_text(json.dumps(body))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=10_000)
    args = ap.parse_args(argv)
    from paintgan.io.dataset import DatasetFolder

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_folder(folder, args.images)
        t0 = time.perf_counter()
        ds = DatasetFolder(folder)
        cold = time.perf_counter() - t0
        assert len(ds) == args.images
        warm = []
        for _ in range(5):
            t0 = time.perf_counter()
            DatasetFolder(folder)
            warm.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        page = [ds.status(i) for i in range(min(50, len(ds)))]
        page_ms = (time.perf_counter() - t0) * 1000
        assert sum(s.state == "labelled" for s in page) == len(page[::4])
        t0 = time.perf_counter()
        labelled = len(ds.labelled())
        all_s = time.perf_counter() - t0
        from paintgan.io.coco import export_coco
        from paintgan.io.yolo import export_yolo

        t0 = time.perf_counter()
        rep = export_coco(folder, folder.parent / f"{folder.name}_instances.json", )
        coco_s = time.perf_counter() - t0
        assert rep.images == labelled, rep.summary()
        t0 = time.perf_counter()
        export_yolo(folder, folder / "yolo")
        yolo_s = time.perf_counter() - t0
        (folder.parent / f"{folder.name}_instances.json").unlink()
    print(json.dumps({
        "images": args.images, "open_s_cold": round(cold, 3),
        "open_s_warm_median": round(statistics.median(warm), 3),
        "budget_open_s": 1.0, "status_page_ms": round(page_ms, 1), "status_all_s": round(all_s, 2),
        "labelled": labelled, "export_coco_s": round(coco_s, 2), "export_yolo_s": round(yolo_s, 2),
        "coco_annotations": rep.annotations,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
