"""A dataset folder for annotation: the image files of a folder, listed fast, with a per-image status read
lazily from the LabelMe file beside each image (or in an output folder).

Listing uses one `os.scandir` and file names only — no image is opened and no JSON read — so a folder of
10,000 images lists in milliseconds (`bench/bench_dataset.py`). `status(i)` reads image i's LabelMe file
on first use and caches the result keyed by the file's (mtime, size), so a file changed on disk is read
again and an unchanged one never twice. A GUI asks for the statuses of the rows it shows.

A status is "unlabelled" (no JSON, or one with no shapes), "labelled" (shape count and labels),
"edited" (changed in this session and not yet saved — the GUI says so with `mark_edited`), or "invalid"
(the JSON is refused: `error` says why, `reason` is the `LabelMeError` reason).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from paintgan.errors import FormatError
from paintgan.io.labelme import LabelMeError, json_path_for, read_labelme

#: Image file extensions listed (lower case). Kept here, not taken from io.images, so listing imports
#: nothing heavy; the same formats io.images reads.
DATASET_IMAGE_EXTS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".jpe"})
STATES = ("unlabelled", "labelled", "edited", "invalid")
_NUM = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting img2 before img10 (case-insensitive)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.lower()) for part in _NUM.split(name) if part)


@dataclass(frozen=True)
class ItemStatus:
    state: str
    shapes: int = 0
    labels: tuple[str, ...] = ()
    error: str | None = None
    reason: str | None = None


UNLABELLED = ItemStatus("unlabelled")


class DatasetFolder:
    def __init__(self, folder: str | os.PathLike[str], output_dir: str | os.PathLike[str] | None = None
                 ) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FormatError(f"Cannot open {self.folder}: not a folder")
        self.output_dir = None if output_dir is None else Path(output_dir)
        self.images: list[Path] = []
        self._index: dict[str, int] = {}
        self._cache: dict[int, tuple[tuple[int, int], ItemStatus]] = {}
        self._edited: set[int] = set()
        self.refresh()

    # -- listing ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """List the folder again (image files only, natural order); statuses are re-read lazily."""
        names: list[str] = []
        try:
            with os.scandir(self.folder) as it:
                for entry in it:
                    name = entry.name
                    dot = name.rfind(".")
                    if dot <= 0 or name[dot:].lower() not in DATASET_IMAGE_EXTS:
                        continue
                    try:
                        if not entry.is_file():
                            continue
                    except OSError:
                        continue
                    names.append(name)
        except OSError as exc:
            raise FormatError(f"Cannot list {self.folder}: {exc.strerror or exc}") from None
        names.sort(key=natural_key)
        self.images = [self.folder / n for n in names]
        self._index = {n: i for i, n in enumerate(names)}
        self._cache.clear()
        self._edited.clear()

    def __len__(self) -> int:
        return len(self.images)

    def name(self, i: int) -> str:
        return self.images[i].name

    def index_of(self, path: str | os.PathLike[str]) -> int:
        """Index of an image of this folder by path or name; KeyError when it is not listed."""
        return self._index[Path(path).name]

    def json_path(self, i: int) -> Path:
        return json_path_for(self.images[i], self.output_dir)

    # -- status ----------------------------------------------------------------------------------
    def status(self, i: int) -> ItemStatus:
        """Image i's status (reads its JSON at most once per change on disk)."""
        js = self.json_path(i)
        try:
            st = os.stat(js)
        except OSError:
            self._cache.pop(i, None)
            return ItemStatus("edited") if i in self._edited else UNLABELLED
        key = (st.st_mtime_ns, st.st_size)
        cached = self._cache.get(i)
        if cached is None or cached[0] != key:
            cached = (key, self._read_status(i, js))
            self._cache[i] = cached
        status = cached[1]
        if i in self._edited and status.state != "invalid":
            return ItemStatus("edited", status.shapes, status.labels)
        return status

    def _read_status(self, i: int, js: Path) -> ItemStatus:
        try:
            f = read_labelme(js, image_path=self.images[i])
        except LabelMeError as exc:
            return ItemStatus("invalid", error=str(exc), reason=exc.reason)
        if not f.shapes:
            return UNLABELLED
        labels = tuple(dict.fromkeys(s.label for s in f.shapes))
        return ItemStatus("labelled", len(f.shapes), labels)

    def mark_edited(self, i: int, edited: bool = True) -> None:
        """The GUI changed image i's shapes and has not saved them (or has: edited=False)."""
        if edited:
            self._edited.add(i)
        else:
            self._edited.discard(i)

    def invalidate(self, i: int | None = None) -> None:
        """Forget cached statuses (one image, or all) so they are read again."""
        if i is None:
            self._cache.clear()
        else:
            self._cache.pop(i, None)

    # -- queries ---------------------------------------------------------------------------------
    def filter(self, name: str = "", label: str | None = None, states: Iterable[str] | None = None
               ) -> list[int]:
        """Indices of images whose name contains `name` (case-insensitive), that have a shape labelled
        `label`, and/or whose state is one of `states`. Only a label or state filter reads JSON files."""
        needle = name.lower()
        out = [i for i, p in enumerate(self.images) if needle in p.name.lower()]
        wanted = None if states is None else set(states)
        if label is None and wanted is None:
            return out
        res = []
        for i in out:
            st = self.status(i)
            if label is not None and label not in st.labels:
                continue
            if wanted is not None and st.state not in wanted:
                continue
            res.append(i)
        return res

    def labels(self) -> dict[str, int]:
        """Label -> number of images using it, over the whole folder (reads every JSON once)."""
        counts: dict[str, int] = {}
        for i in range(len(self.images)):
            for lab in self.status(i).labels:
                counts[lab] = counts.get(lab, 0) + 1
        return counts

    def labelled(self) -> list[int]:
        """Indices of images with a readable LabelMe file holding at least one shape."""
        return [i for i in range(len(self.images)) if self.status(i).shapes > 0
                and self.status(i).state != "invalid"]
