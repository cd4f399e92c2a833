"""Keep tests away from the real home: `isolated_user_dirs` for the fixtures of several test folders.

`tests/` is on sys.path (tests/conftest.py sits there), so `from user_dirs import isolated_user_dirs`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from paintgan.inference import paths


@contextlib.contextmanager
def isolated_user_dirs(base: Path, monkeypatch: pytest.MonkeyPatch, *, model_path: Path | None = None,
                       hide_bundled: bool = True) -> Iterator[Path]:
    """User data and cache folders under `base`; $PAINTGAN_MODEL_PATH set to `model_path` (cleared when
    None); the repository's bundled `models/` hidden unless `hide_bundled` is False. Yields `base`."""
    if model_path is None:
        monkeypatch.delenv(paths.MODEL_PATH_ENV, raising=False)
    else:
        monkeypatch.setenv(paths.MODEL_PATH_ENV, str(model_path))
    if hide_bundled:
        monkeypatch.setattr(paths, "bundled_models_dir", lambda: None)
    with paths.override_user_dirs(base / "data", base / "cache"):
        yield base
