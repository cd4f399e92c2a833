"""Inference layer: ONNX Runtime sessions, model registry + manifests, async request service.

Qt-free and torch-free; onnxruntime is imported lazily. Public names are loaded on first use so that
`import paintgan.inference` stays cheap at start-up.
"""

from __future__ import annotations

import importlib
from typing import Any

from paintgan.inference import engines as _engines  # noqa: F401 - provides core's model-backed layers

_EXPORTS = {
    "ModelRegistry": "registry",
    "ModelInfo": "registry",
    "LoadedModel": "registry",
    "import_model": "registry",
    "feature_name": "registry",
    "Manifest": "manifest",
    "ModelFile": "manifest",
    "TensorSpec": "manifest",
    "load_manifest": "manifest",
    "parse_manifest": "manifest",
    "build_manifest": "manifest",
    "InferenceService": "service",
    "Result": "service",
    "Ticket": "service",
    "current_request_cancelled": "service",
    "create_session": "runtime",
    "SessionHandle": "runtime",
    "diagnose_cuda": "runtime",
    "resolve_device": "runtime",
    "DEVICES": "runtime",
    "SELFTEST_EXTRA_CHECKS": "bench",
    "model_search_path": "paths",
    "override_user_dirs": "paths",
    "set_user_dirs": "paths",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'paintgan.inference' has no attribute '{name}'")
    return getattr(importlib.import_module(f"paintgan.inference.{module}"), name)
