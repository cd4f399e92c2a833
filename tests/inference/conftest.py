"""Fixtures for inference tests: user folders redirected to tmp, a temp model path, tiny models."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ -> `import helpers_onnx`

pytest.importorskip("onnx")

from user_dirs import isolated_user_dirs

from paintgan.inference import paths, runtime


@pytest.fixture(autouse=True)
def user_dirs(tmp_path_factory, monkeypatch):
    """Never touch the real home: user data/cache in tmp, bundled models hidden, env cleared."""
    monkeypatch.delenv(runtime.LOG_ENV, raising=False)
    monkeypatch.delenv(runtime.CACHE_OPTIMIZED_ENV, raising=False)
    with isolated_user_dirs(tmp_path_factory.mktemp("user"), monkeypatch) as base:
        data = base / "data"
        yield {"data": data, "cache": base / "cache", "models": data / "models"}


@pytest.fixture
def model_root(tmp_path, monkeypatch):
    """A temp folder on $PAINTGAN_MODEL_PATH."""
    root = tmp_path / "models"
    root.mkdir()
    monkeypatch.setenv(paths.MODEL_PATH_ENV, str(root))
    return root
