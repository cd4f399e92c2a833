"""Model registry: finds model folders on the search path, validates them, loads them.

A model is a folder `<name>/` holding `manifest.json` and one or more `.onnx` graphs. Search path order
(first folder holding a model name wins): `$PAINTGAN_MODEL_PATH`, the user's data folder `models/`,
the bundled `models/`. Before first use every graph's sha256 is checked (verdict cached by size and
mtime in the user cache dir) and its real inputs/outputs are compared with the manifest. Any problem
refuses that model with a one-line `ModelError`; listing never raises, so the app keeps running without
the model and can say which feature is unavailable.
"""

from __future__ import annotations

import builtins
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from paintgan.errors import InferenceError, ModelError, one_line
from paintgan.inference import manifest as mf
from paintgan.inference.manifest import Manifest, TensorSpec
from paintgan.inference.paths import model_search_path, user_cache_dir, user_models_dir
from paintgan.io.jsonfile import read_json_object_or_none

FEATURE_NAMES = {
    "colorize": "Colorization",
    "segment": "Click segmentation",
    "ganpaint": "GANPaint",
    "dissect": "GAN dissection",
}


def feature_name(task: str) -> str:
    return FEATURE_NAMES.get(task, task.replace("_", " ").replace("-", " ").capitalize() or "Model")


@dataclass
class ModelInfo:
    """One model found on the search path, usable or not (then `error` says why)."""

    name: str
    folder: Path
    manifest: Manifest | None = None
    error: str | None = None  # one line, e.g. "model x failed its checksum (models/x/model.onnx)"
    verified: bool = False  # checksums and graph inputs/outputs checked and good
    size_bytes: int = 0
    shadows: tuple[Path, ...] = ()  # same-named folders later on the search path (ignored)

    @property
    def ok(self) -> bool:
        return self.error is None and self.manifest is not None

    @property
    def task(self) -> str:
        return self.manifest.task if self.manifest else "?"

    @property
    def version(self) -> str:
        return self.manifest.version if self.manifest else "?"

    @property
    def feature_unavailable_message(self) -> str | None:
        """E.g. "Colorization unavailable: model colorize-lineart failed its checksum (models/...)"."""
        if self.error is None:
            return None
        task = self.manifest.task if self.manifest else _guess_task(self.folder)
        return f"{feature_name(task) if task else 'Model ' + self.name} unavailable: {self.error}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "task": self.task,
            "version": self.version,
            "folder": str(self.folder),
            "size_bytes": self.size_bytes,
            "verified": self.verified,
            "ok": self.ok,
            "error": self.error,
            "roles": self.manifest.roles if self.manifest else [],
            "shadows": [str(p) for p in self.shadows],
        }


def _guess_task(folder: Path) -> str | None:
    """Best-effort task of a model whose manifest is broken (for the unavailable message)."""
    data = read_json_object_or_none(folder / mf.MANIFEST_NAME)
    task = data.get("task") if data is not None else None
    return task if isinstance(task, str) and task else None


# --------------------------------------------------------------------------------------- checksum cache


class ChecksumCache:
    """sha256 of files keyed by path, valid while (size, mtime_ns) are unchanged. A small JSON file."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self._path or (user_cache_dir() / "checksums.json")

    def _read(self) -> dict[str, Any]:
        return read_json_object_or_none(self.path) or {}

    def sha256(self, file: Path) -> str:
        st = file.stat()
        key = str(file.resolve())
        with self._lock:
            data = self._read()
            entry = data.get(key)
            if (
                isinstance(entry, dict)
                and entry.get("size") == st.st_size
                and entry.get("mtime_ns") == st.st_mtime_ns
                and isinstance(entry.get("sha256"), str)
            ):
                return str(entry["sha256"])
            digest = mf.sha256_file(file)
            data[key] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}
            self._write(data)
            return digest

    def _write(self, data: dict[str, Any]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".checksums-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, self.path)
        except OSError:  # a read-only cache folder only costs speed
            pass


# --------------------------------------------------------------------------------------- validation


def _folder_size(folder: Path) -> int:
    total = 0
    try:
        for p in folder.rglob("*"):
            if p.is_file():
                total += p.stat().st_size
    except OSError:
        pass
    return total


def inspect_model_dir(
    folder: Path,
    *,
    verify: bool = True,
    checksums: ChecksumCache | None = None,
    expected_name: str | None = None,
) -> ModelInfo:
    """Validate one model folder; never raises (problems land in `ModelInfo.error`)."""
    name = expected_name or folder.name
    info = ModelInfo(name=name, folder=folder)
    try:
        info.manifest = mf.load_manifest(folder)
        if expected_name is not None and info.manifest.name != expected_name:
            raise ModelError(
                f"manifest name '{info.manifest.name}' does not match its folder "
                f"'{expected_name}' ({mf._display(folder / mf.MANIFEST_NAME)})"
            )
        info.size_bytes = _folder_size(folder)
        for f in info.manifest.files:
            p = folder / f.path
            if not p.is_file():
                raise ModelError(f"is missing a file ({mf._display(p)})")
        if verify:
            verify_model_files(folder, info.manifest, checksums or ChecksumCache())
            info.verified = True
    except ModelError as exc:
        msg = str(exc)
        if msg.startswith(("failed its checksum", "is missing a file")):
            info.error = f"model {name} {msg}"
        else:
            info.error = f"model {name} is refused: {msg}"
    except Exception as exc:  # listing never raises
        info.error = f"model {name} is refused: {one_line(exc, with_type=True)}"
    return info


def verify_model_files(folder: Path, manifest: Manifest, checksums: ChecksumCache) -> None:
    """sha256, ONNX parse, external data, inputs/outputs vs manifest. Raises ModelError."""
    for f in manifest.files:
        p = folder / f.path
        where = mf._display(p)
        try:
            root = folder.resolve()
            if root not in p.resolve().parents:
                raise ModelError(f"file path points outside the model folder ({where})")
            digest = checksums.sha256(p)
        except FileNotFoundError:
            raise ModelError(f"is missing a file ({where})") from None
        except OSError as exc:
            raise ModelError(f"cannot read file: {exc.strerror} ({where})") from None
        if digest != f.sha256:
            raise ModelError(f"failed its checksum ({where})")
        io = mf.read_graph_io(p)
        mf.check_external_data(folder, p, io.external_data)
        mf.check_graph_matches(f, io, where)


# --------------------------------------------------------------------------------------- loaded model

_KIND = {
    "float32": "f",
    "float16": "f",
    "float64": "f",
    "bfloat16": "f",
    "int8": "i",
    "int16": "i",
    "int32": "i",
    "int64": "i",
    "uint8": "u",
    "uint16": "u",
    "bool": "b",
}


class LoadedModel:
    """A model with one ONNX Runtime session per graph (role). `run()` is thread-safe."""

    def __init__(self, info: ModelInfo, handles: dict[str, Any], device: str) -> None:
        assert info.manifest is not None
        self.info = info
        self.manifest: Manifest = info.manifest
        self.folder = info.folder
        self.device_setting = device
        self._handles = handles  # role -> runtime.SessionHandle
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def roles(self) -> list[str]:
        return self.manifest.roles

    @property
    def provider(self) -> str:
        """The ONNX Runtime provider actually used (of the first graph), e.g. "CPUExecutionProvider"."""
        return self._handles[self.manifest.files[0].role].provider

    @property
    def device(self) -> str:
        return self._handles[self.manifest.files[0].role].device

    @property
    def fallback_reason(self) -> str | None:
        for h in self._handles.values():
            if h.fallback_reason:
                return str(h.fallback_reason)
        return None

    def session(self, role: str = "model") -> Any:
        return self._handles[self.manifest.file(role).role].session

    def inputs(self, role: str = "model") -> tuple[TensorSpec, ...]:
        return self.manifest.file(role).inputs

    def outputs(self, role: str = "model") -> tuple[TensorSpec, ...]:
        return self.manifest.file(role).outputs

    def run(self, inputs: Mapping[str, np.ndarray], role: str = "model") -> dict[str, np.ndarray]:
        """Run one graph. Inputs are checked against the manifest (names, dtype kind, rank, fixed dims);
        a float64 array is cast to a declared float32 (same kind), other mismatches raise InferenceError."""
        mfile = self.manifest.file(role)
        feed = self._prepare(mfile, inputs)
        handle = self._handles[mfile.role]
        try:
            outs = handle.session.run(None, feed)
        except Exception as exc:
            if handle.device != "cpu" and self.device_setting == "auto":
                outs = self._rerun_on_cpu(mfile, feed, exc)
            else:
                raise InferenceError(f"model {self.name} ({mfile.role}) failed: {_first_line(exc)}") from None
        names = [o.name for o in self._handles[mfile.role].session.get_outputs()]
        return dict(zip(names, outs))

    def _rerun_on_cpu(self, mfile: mf.ModelFile, feed: dict[str, np.ndarray], exc: Exception) -> list[Any]:
        from paintgan.inference.runtime import create_session, device_label

        with self._lock:
            old = self._handles[mfile.role]
            if old.device != "cpu":
                new = create_session(self.folder / mfile.path, "cpu")
                new.fallback_reason = f"{device_label(old.device)} failed while running: {_first_line(exc)}"
                new.requested = "auto"
                self._handles[mfile.role] = new
            handle = self._handles[mfile.role]
        try:
            return list(handle.session.run(None, feed))
        except Exception as exc2:
            raise InferenceError(f"model {self.name} ({mfile.role}) failed: {_first_line(exc2)}") from None

    def _prepare(self, mfile: mf.ModelFile, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        declared = {t.name: t for t in mfile.inputs}
        missing = [n for n in declared if n not in inputs]
        if missing:
            raise InferenceError(f"model {self.name}: missing input '{missing[0]}'")
        extra = [n for n in inputs if n not in declared]
        if extra:
            raise InferenceError(
                f"model {self.name}: unexpected input '{extra[0]}' (inputs: {', '.join(declared)})"
            )
        feed = {}
        for name, spec in declared.items():
            arr = np.asarray(inputs[name])
            want = np.dtype(spec.dtype) if spec.dtype != "bfloat16" else None
            if want is not None and arr.dtype != want:
                if arr.dtype.kind == _KIND.get(spec.dtype) or (arr.dtype.kind in "iu" and want.kind in "iu"):
                    arr = arr.astype(want)
                else:
                    raise InferenceError(
                        f"model {self.name}: input '{name}' must be {spec.dtype}, got {arr.dtype}"
                    )
            if len(spec.shape) != arr.ndim:
                raise InferenceError(
                    f"model {self.name}: input '{name}' must have rank {len(spec.shape)}, "
                    f"got shape {arr.shape}"
                )
            for axis, d in enumerate(spec.shape):
                if isinstance(d, int) and arr.shape[axis] != d:
                    raise InferenceError(
                        f"model {self.name}: input '{name}' dim {axis} must be {d}, got shape {arr.shape}"
                    )
            feed[name] = np.ascontiguousarray(arr)
        return feed

    def __repr__(self) -> str:
        return f"LoadedModel({self.name!r}, provider={self.provider!r})"


def _first_line(exc: BaseException) -> str:
    from paintgan.inference.runtime import _first_line as fl

    return fl(exc)


# --------------------------------------------------------------------------------------- registry


class ModelRegistry:
    """Models on a search path. `search_path=None` uses `paths.model_search_path()` (re-read on each call,
    so $PAINTGAN_MODEL_PATH changes are seen)."""

    def __init__(
        self,
        search_path: Sequence[str | os.PathLike[str]] | None = None,
        *,
        checksums: ChecksumCache | None = None,
    ) -> None:
        self._search_path = [Path(p) for p in search_path] if search_path is not None else None
        self.checksums = checksums or ChecksumCache()

    @property
    def search_path(self) -> list[Path]:
        return list(self._search_path) if self._search_path is not None else model_search_path()

    def _candidates(self) -> dict[str, list[Path]]:
        found: dict[str, list[Path]] = {}
        for root in self.search_path:
            try:
                entries = sorted(root.iterdir())
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith((".", "_")) or not entry.is_dir():
                    continue
                if not (entry / mf.MANIFEST_NAME).exists() and not any(entry.glob("*.onnx")):
                    continue
                found.setdefault(entry.name, []).append(entry)
        return found

    def list(self, verify: bool = True) -> list[ModelInfo]:
        """Every model on the search path (first folder wins per name), broken ones with `error` set.
        Never raises. `verify=False` skips checksums and graph checks (fast, for start-up)."""
        out = []
        for name, folders in sorted(self._candidates().items()):
            info = inspect_model_dir(folders[0], verify=verify, checksums=self.checksums, expected_name=name)
            info.shadows = tuple(folders[1:])
            out.append(info)
        return out

    def get(self, name: str, verify: bool = True) -> ModelInfo:
        """The model called `name` (possibly broken: check `.ok`); ModelError if no such model."""
        folders = self._candidates().get(name)
        if not folders:
            where = ", ".join(str(p) for p in self.search_path) or "(empty search path)"
            raise ModelError(f"no model named '{name}' (searched: {where})")
        info = inspect_model_dir(folders[0], verify=verify, checksums=self.checksums, expected_name=name)
        info.shadows = tuple(folders[1:])
        return info

    def find(self, task: str, verify: bool = True) -> builtins.list[ModelInfo]:
        """Models for a task, usable ones first (then by name)."""
        infos = [
            i
            for i in self.list(verify=verify)
            if (i.manifest is not None and i.task == task)
            or (i.manifest is None and _guess_task(i.folder) == task)
        ]
        return sorted(infos, key=lambda i: (not i.ok, i.name))

    def first_usable(self, task: str) -> ModelInfo:
        """The first usable model for `task`, else ModelError with the feature-unavailable message."""
        infos = self.find(task)
        for info in infos:
            if info.ok:
                return info
        if infos:
            raise ModelError(infos[0].feature_unavailable_message or f"{feature_name(task)} unavailable")
        raise ModelError(
            f"{feature_name(task)} unavailable: no {task} model installed "
            f"(searched: {', '.join(str(p) for p in self.search_path)})"
        )

    def load(
        self,
        name: str,
        device: str = "auto",
        *,
        threads: int | None = None,
        cache_optimized: bool | None = None,
    ) -> LoadedModel:
        """Verify (sha256 before first use, graph vs manifest) and open every graph of a model."""
        from paintgan.inference.runtime import create_session

        info = self.get(name, verify=True)
        if not info.ok:
            raise ModelError(info.feature_unavailable_message or info.error or f"model {name} is broken")
        assert info.manifest is not None
        handles = {}
        for f in info.manifest.files:
            try:
                handles[f.role] = create_session(
                    info.folder / f.path,
                    device,
                    threads=threads,
                    cache_optimized=cache_optimized,
                    sha256=f.sha256,
                )
            except InferenceError as exc:
                if "cannot load the graph" in str(exc):
                    raise ModelError(
                        f"{feature_name(info.task)} unavailable: model {name} is refused: {exc}"
                    ) from None
                raise
        return LoadedModel(info, handles, device)

    # ------------------------------------------------------------------------------- import

    def import_model(
        self, source: str | os.PathLike[str], *, force: bool = False, dest_root: Path | None = None
    ) -> ModelInfo:
        """Validate a model folder and copy it into the user's models folder atomically."""
        return import_model(source, force=force, dest_root=dest_root, checksums=self.checksums)


def import_model(
    source: str | os.PathLike[str],
    *,
    force: bool = False,
    dest_root: Path | None = None,
    checksums: ChecksumCache | None = None,
) -> ModelInfo:
    """Validate `source` (a model folder) and copy it to `<user data>/models/<name>` (temp dir + rename)."""
    src = Path(source)
    if not src.is_dir():
        raise ModelError(f"not a model folder: {src}")
    checksums = checksums or ChecksumCache()
    try:
        manifest = mf.load_manifest(src)
    except ModelError as exc:
        raise ModelError(f"cannot import {src}: {exc}") from None
    info = inspect_model_dir(src, verify=True, checksums=checksums)
    if not info.ok:
        raise ModelError(f"cannot import {src}: {info.error}")
    root = dest_root or user_models_dir()
    root.mkdir(parents=True, exist_ok=True)
    target = root / manifest.name
    if target.exists() and not force:
        raise ModelError(
            f"model {manifest.name} is already installed at {target} (use --force to replace it)"
        )
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".import-{manifest.name}-"))
    try:
        _copy_model(src, tmp)
        copied = inspect_model_dir(tmp, verify=True, checksums=checksums, expected_name=None)
        if not copied.ok:
            raise ModelError(f"cannot import {src}: the copy failed verification: {copied.error}")
        backup = None
        if target.exists():
            backup = root / f".old-{manifest.name}-{int(time.time() * 1000)}"
            os.replace(target, backup)
        os.replace(tmp, target)
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return inspect_model_dir(target, verify=True, checksums=checksums, expected_name=manifest.name)


def _copy_model(src: Path, dst: Path) -> None:
    for item in _walk(src):
        rel = item.relative_to(src)
        out = dst / rel
        if item.is_dir():
            out.mkdir(parents=True, exist_ok=True)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(item, out)


def _walk(root: Path) -> Iterable[Path]:
    for item in sorted(root.rglob("*")):
        rel = item.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or item.is_symlink():
            continue
        yield item
