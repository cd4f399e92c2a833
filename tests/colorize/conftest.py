"""Fixtures for colorize tests: user folders in tmp, bundled models hidden, a tiny colorize ONNX model."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ -> `import helpers_onnx`

from colorize_helpers import make_colorize_model
from user_dirs import isolated_user_dirs

from paintgan.inference import paths


@pytest.fixture(autouse=True)
def user_dirs(tmp_path_factory, monkeypatch):
    with isolated_user_dirs(tmp_path_factory.mktemp("user"), monkeypatch):
        yield


@pytest.fixture(scope="session")
def _model_folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("models")
    make_colorize_model(root)
    return root


@pytest.fixture
def model_root(_model_folder, monkeypatch) -> Path:
    """A folder on $PAINTGAN_MODEL_PATH holding the tiny "colorize" model."""
    monkeypatch.setenv(paths.MODEL_PATH_ENV, str(_model_folder))
    return _model_folder


@pytest.fixture
def colorizer(model_root):
    from paintgan.inference.colorize.engine import Colorizer

    return Colorizer("colorize", "cpu")
