"""Where models, caches and user data live.

Every folder PaintGAN writes to comes from here, so tests (and the packaged app's smoke test) can
redirect them with `override_user_dirs()` or the environment variables `PAINTGAN_DATA_DIR` /
`PAINTGAN_CACHE_DIR`, and never touch the real home folder.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

APP_NAME = "paintgan"
MODEL_PATH_ENV = "PAINTGAN_MODEL_PATH"
DATA_DIR_ENV = "PAINTGAN_DATA_DIR"
CACHE_DIR_ENV = "PAINTGAN_CACHE_DIR"

_override_data: Path | None = None
_override_cache: Path | None = None


def set_user_dirs(data_dir: str | os.PathLike[str] | None, cache_dir: str | os.PathLike[str] | None) -> None:
    """Redirect the user data and cache folders (None restores the platform default)."""
    global _override_data, _override_cache
    _override_data = Path(data_dir) if data_dir is not None else None
    _override_cache = Path(cache_dir) if cache_dir is not None else None


@contextlib.contextmanager
def override_user_dirs(data_dir: str | os.PathLike[str], cache_dir: str | os.PathLike[str]) -> Iterator[None]:
    """Context manager form of `set_user_dirs`, restoring the previous folders on exit."""
    global _override_data, _override_cache
    previous = (_override_data, _override_cache)
    set_user_dirs(data_dir, cache_dir)
    try:
        yield
    finally:
        _override_data, _override_cache = previous


def user_data_dir() -> Path:
    """The user's data folder (models imported by the user live in its `models/`)."""
    if _override_data is not None:
        return _override_data
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_cache_dir() -> Path:
    """The user's cache folder (checksum verdicts, optimised models)."""
    if _override_cache is not None:
        return _override_cache
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def user_models_dir() -> Path:
    return user_data_dir() / "models"


def bundled_models_dir() -> Path | None:
    """The models shipped with the app: frozen app, installed package, or repository checkout."""
    candidates: list[Path] = []
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        candidates.append(Path(meipass) / "models")
    package_dir = Path(__file__).resolve().parent.parent  # .../paintgan
    candidates.append(package_dir / "models")  # installed with the package as data
    candidates.append(package_dir.parent / "models")  # repository checkout: <repo>/models
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None


def model_search_path() -> list[Path]:
    """Folders searched for models, first match wins: $PAINTGAN_MODEL_PATH, user data, bundled."""
    path: list[Path] = []
    env = os.environ.get(MODEL_PATH_ENV, "")
    for part in env.split(os.pathsep):
        if part.strip():
            path.append(Path(part.strip()).expanduser())
    path.append(user_models_dir())
    bundled = bundled_models_dir()
    if bundled is not None:
        path.append(bundled)
    unique: list[Path] = []
    for p in path:
        if p not in unique:
            unique.append(p)
    return unique
