"""Model manifests (`models/<name>/manifest.json`), format 1.

```json
{"format": 1, "name": "colorize-lineart", "task": "colorize", "version": "1.0.0",
 "description": "...",
 "files": [{"path": "model.onnx", "sha256": "<hex>", "role": "model",
            "inputs":  [{"name": "image", "dtype": "float32", "shape": [1, 1, "H", "W"]}],
            "outputs": [{"name": "color", "dtype": "float32", "shape": [1, 3, "H", "W"]}]}],
 "preprocessing": {}, "license": "...", "data_source": "...", "training_command": "...",
 "evaluation": {}, "standard_inputs": {"H": 256, "W": 256}}
```

Required: format, name, task, version, files (each with path, sha256, role, inputs, outputs).
Everything else is optional with an empty default. Unknown fields and wrong types are refused with a
one-line `ModelError`. This module also reads a graph's real inputs/outputs (with onnx when installed,
else ONNX Runtime) and checks them against the manifest; `build_manifest()` writes a manifest from
graphs, and is what `paintgan.training.export.write_manifest` uses. No Qt, no torch.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paintgan.errors import ModelError, one_line
from paintgan.io.jsonfile import read_json_object

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"

Dim = int | str
DTYPES = (
    "float32",
    "float16",
    "float64",
    "bfloat16",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "bool",
)
_ONNX_ELEM_TO_DTYPE = {
    1: "float32",
    2: "uint8",
    3: "int8",
    4: "uint16",
    5: "int16",
    6: "int32",
    7: "int64",
    9: "bool",
    10: "float16",
    11: "float64",
    16: "bfloat16",
}
_ORT_TYPE_TO_DTYPE = {
    "tensor(float)": "float32",
    "tensor(float16)": "float16",
    "tensor(double)": "float64",
    "tensor(bfloat16)": "bfloat16",
    "tensor(int8)": "int8",
    "tensor(int16)": "int16",
    "tensor(int32)": "int32",
    "tensor(int64)": "int64",
    "tensor(uint8)": "uint8",
    "tensor(uint16)": "uint16",
    "tensor(bool)": "bool",
}
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class TensorSpec:
    name: str
    dtype: str
    shape: tuple[Dim, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "shape": list(self.shape)}

    def concrete_shape(self, bindings: dict[str, int]) -> tuple[int, ...]:
        """The shape with symbolic dims bound; raises ModelError naming an unbound dim."""
        out = []
        for d in self.shape:
            if isinstance(d, str):
                if d not in bindings:
                    raise ModelError(
                        f"tensor '{self.name}': symbolic dim '{d}' is not bound in standard_inputs"
                    )
                out.append(int(bindings[d]))
            else:
                out.append(int(d))
        return tuple(out)


@dataclass(frozen=True)
class ModelFile:
    path: str
    sha256: str
    role: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "role": self.role,
            "inputs": [t.to_dict() for t in self.inputs],
            "outputs": [t.to_dict() for t in self.outputs],
        }


@dataclass(frozen=True)
class Manifest:
    format: int
    name: str
    task: str
    version: str
    files: tuple[ModelFile, ...]
    description: str = ""
    preprocessing: dict[str, Any] = field(default_factory=dict)
    license: str = ""
    data_source: str = ""
    training_command: str = ""
    evaluation: dict[str, Any] = field(default_factory=dict)
    standard_inputs: dict[str, int] = field(default_factory=dict)

    def file(self, role: str) -> ModelFile:
        for f in self.files:
            if f.role == role:
                return f
        if role == "model" and len(self.files) == 1:
            return self.files[0]
        raise ModelError(
            f"model {self.name} has no graph with role '{role}' "
            f"(roles: {', '.join(f.role for f in self.files)})"
        )

    @property
    def roles(self) -> list[str]:
        return [f.role for f in self.files]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "name": self.name,
            "task": self.task,
            "version": self.version,
            "description": self.description,
            "files": [f.to_dict() for f in self.files],
            "preprocessing": self.preprocessing,
            "license": self.license,
            "data_source": self.data_source,
            "training_command": self.training_command,
            "evaluation": self.evaluation,
            "standard_inputs": self.standard_inputs,
        }


# ----------------------------------------------------------------------------------------------- parsing

_TOP_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "format": int,
    "name": str,
    "task": str,
    "version": str,
    "files": list,
}
_TOP_OPTIONAL: dict[str, type | tuple[type, ...]] = {
    "description": str,
    "preprocessing": dict,
    "license": str,
    "data_source": str,
    "training_command": str,
    "evaluation": dict,
    "standard_inputs": dict,
}
_FILE_FIELDS: dict[str, type | tuple[type, ...]] = {
    "path": str,
    "sha256": str,
    "role": str,
    "inputs": list,
    "outputs": list,
}
_TENSOR_FIELDS: dict[str, type | tuple[type, ...]] = {"name": str, "dtype": str, "shape": list}


def _err(where: str, problem: str) -> ModelError:
    """A refusal in the house style: '<problem> (<file>)'."""
    return ModelError(f"{problem} ({where})")


def _type_name(t: type | tuple[type, ...]) -> str:
    names = {int: "an integer", str: "a string", list: "a list", dict: "an object", float: "a number"}
    if isinstance(t, tuple):
        return " or ".join(names.get(x, x.__name__) for x in t)
    return names.get(t, t.__name__)


def _is_type(value: Any, t: type | tuple[type, ...]) -> bool:
    if isinstance(value, bool) and t is not bool:  # bool is an int in Python, never in a manifest
        return False
    return isinstance(value, t)


def _check_fields(obj: Any, where: str, required: dict[str, Any], optional: dict[str, Any], src: str) -> None:
    if not isinstance(obj, dict):
        raise _err(src, f"{where} must be an object, not {type(obj).__name__}")
    unknown = sorted(set(obj) - set(required) - set(optional))
    if unknown:
        raise _err(
            src,
            f"unknown field{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(u) for u in unknown)} in {where}",
        )
    for key in required:
        if key not in obj:
            raise _err(src, f"missing field '{key}' in {where}")
    for key, t in {**required, **optional}.items():
        if key in obj and not _is_type(obj[key], t):
            raise _err(
                src, f"field '{key}' in {where} must be {_type_name(t)}, not {type(obj[key]).__name__}"
            )


def _parse_tensor(obj: Any, where: str, src: str) -> TensorSpec:
    _check_fields(obj, where, _TENSOR_FIELDS, {}, src)
    if obj["dtype"] not in DTYPES:
        raise _err(src, f"{where} has unknown dtype '{obj['dtype']}' (one of {', '.join(DTYPES)})")
    shape: list[Dim] = []
    for d in obj["shape"]:
        if (
            isinstance(d, bool)
            or not isinstance(d, int | str)
            or (isinstance(d, int) and d < 0)
            or (isinstance(d, str) and not d)
        ):
            raise _err(
                src, f"{where} shape entries must be non-negative integers or symbolic names, got {d!r}"
            )
        shape.append(d)
    if not obj["name"]:
        raise _err(src, f"{where} has an empty name")
    return TensorSpec(obj["name"], obj["dtype"], tuple(shape))


def _parse_file(obj: Any, index: int, src: str) -> ModelFile:
    where = f"files[{index}]"
    _check_fields(obj, where, _FILE_FIELDS, {}, src)
    rel = obj["path"]
    p = Path(rel)
    if not rel or p.is_absolute() or ".." in p.parts or "\\" in rel or rel.startswith("/"):
        raise _err(src, f"{where} path '{rel}' must be a relative path inside the model folder")
    sha = obj["sha256"]
    if not _SHA_RE.match(sha):
        raise _err(src, f"{where} sha256 must be 64 lowercase hex digits")
    if not obj["role"]:
        raise _err(src, f"{where} has an empty role")
    inputs = tuple(_parse_tensor(t, f"{where}.inputs[{i}]", src) for i, t in enumerate(obj["inputs"]))
    outputs = tuple(_parse_tensor(t, f"{where}.outputs[{i}]", src) for i, t in enumerate(obj["outputs"]))
    if not inputs or not outputs:
        raise _err(src, f"{where} must declare at least one input and one output")
    return ModelFile(rel, sha, obj["role"], inputs, outputs)


def parse_manifest(data: Any, source: str = "manifest.json") -> Manifest:
    """Validate a manifest dict and return it typed; raises ModelError with a one-line reason."""
    _check_fields(data, "the manifest", _TOP_REQUIRED, _TOP_OPTIONAL, source)
    if data["format"] != FORMAT_VERSION:
        raise _err(source, f"manifest format {data['format']} is not supported (expected {FORMAT_VERSION})")
    name = data["name"]
    if not _NAME_RE.match(name):
        raise _err(source, f"model name '{name}' must be letters, digits, '.', '_' or '-'")
    if not data["task"]:
        raise _err(source, "field 'task' is empty")
    if not data["files"]:
        raise _err(source, "field 'files' is empty")
    files = tuple(_parse_file(f, i, source) for i, f in enumerate(data["files"]))
    roles = [f.role for f in files]
    dup = sorted({r for r in roles if roles.count(r) > 1})
    if dup:
        raise _err(source, f"role '{dup[0]}' is used by more than one file")
    paths = [f.path for f in files]
    if len(set(paths)) != len(paths):
        raise _err(source, "a file is listed twice")
    std = data.get("standard_inputs", {})
    for k, v in std.items():
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise _err(source, f"standard_inputs['{k}'] must be a positive integer, got {v!r}")
    return Manifest(
        format=data["format"],
        name=name,
        task=data["task"],
        version=data["version"],
        files=files,
        description=data.get("description", ""),
        preprocessing=dict(data.get("preprocessing", {})),
        license=data.get("license", ""),
        data_source=data.get("data_source", ""),
        training_command=data.get("training_command", ""),
        evaluation=dict(data.get("evaluation", {})),
        standard_inputs=dict(std),
    )


def load_manifest(model_dir: str | os.PathLike[str]) -> Manifest:
    """Read and validate `<model_dir>/manifest.json`."""
    path = Path(model_dir) / MANIFEST_NAME
    src = _display(path)
    data = read_json_object(path, what="manifest", fail=lambda problem, _kind: _err(src, problem))
    return parse_manifest(data, src)


def _display(path: Path) -> str:
    """A short path for messages: `models/<name>/<file>`."""
    parts = path.parts
    return "/".join(parts[-3:]) if len(parts) >= 3 else str(path)


# ------------------------------------------------------------------------------------------- graph reading


def sha256_file(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class GraphIO:
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    external_data: tuple[str, ...] = ()  # locations referenced by initializers (empty if unknown)


def _onnx_available() -> bool:
    try:
        import onnx  # noqa: F401
    except ImportError:
        return False
    return True


def read_graph_io(path: str | os.PathLike[str]) -> GraphIO:
    """The graph's real inputs/outputs (symbolic dims as strings; unknown dims as '?').

    Uses onnx when installed (also lists external-data locations), else an ONNX Runtime CPU session.
    Raises ModelError if the file is not a loadable ONNX graph.
    """
    path = Path(path)
    src = _display(path)
    if not path.is_file():
        raise _err(src, "file missing")
    if _onnx_available():
        return _read_with_onnx(path, src)
    return _read_with_ort(path, src)


def _read_with_onnx(path: Path, src: str) -> GraphIO:
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # DecodeError and friends: truncated or not ONNX
        raise _err(src, f"not a valid ONNX graph (truncated or corrupt: {one_line(exc)[:200]})") from None
    graph = model.graph
    if not graph.output or not graph.node:
        raise _err(src, "not a valid ONNX graph (no nodes or outputs; truncated or corrupt?)")
    init_names = {t.name for t in graph.initializer}

    def spec(vi: Any) -> TensorSpec:
        tt = vi.type.tensor_type
        dims: list[Dim] = []
        for d in tt.shape.dim:
            if d.HasField("dim_value"):
                dims.append(int(d.dim_value))
            elif d.HasField("dim_param") and d.dim_param:
                dims.append(d.dim_param)
            else:
                dims.append("?")
        return TensorSpec(vi.name, _ONNX_ELEM_TO_DTYPE.get(tt.elem_type, f"elem{tt.elem_type}"), tuple(dims))

    locations: list[str] = []
    tensors = list(graph.initializer)
    for node in graph.node:  # Constant nodes may hold external tensors too
        for attr in node.attribute:
            if attr.HasField("t"):
                tensors.append(attr.t)
    for t in tensors:
        if t.data_location == onnx.TensorProto.EXTERNAL:
            for entry in t.external_data:
                if entry.key == "location":
                    locations.append(entry.value)
    return GraphIO(
        tuple(spec(v) for v in graph.input if v.name not in init_names),
        tuple(spec(v) for v in graph.output),
        tuple(locations),
    )


def _read_with_ort(path: Path, src: str) -> GraphIO:
    from paintgan.inference.runtime import ort_module, quiet_ort

    ort = ort_module()
    try:
        with quiet_ort():
            opts = ort.SessionOptions()
            opts.log_severity_level = 4
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
            sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise _err(src, f"not a valid ONNX graph ({one_line(exc)[:200]})") from None

    def spec(arg: Any) -> TensorSpec:
        dims: list[Dim] = []
        for d in arg.shape or []:
            dims.append(d if isinstance(d, int) else (d if isinstance(d, str) and d else "?"))
        return TensorSpec(arg.name, _ORT_TYPE_TO_DTYPE.get(arg.type, arg.type), tuple(dims))

    return GraphIO(tuple(spec(a) for a in sess.get_inputs()), tuple(spec(a) for a in sess.get_outputs()))


def check_external_data(model_dir: Path, file_path: Path, locations: tuple[str, ...]) -> None:
    """Refuse external-data locations that leave the model folder or are missing."""
    root = model_dir.resolve()
    src = _display(file_path)
    for loc in locations:
        target = (file_path.parent / loc).resolve()
        if Path(loc).is_absolute() or (target != root and root not in target.parents):
            raise _err(src, f"external data '{loc}' points outside the model folder")
        if not target.is_file():
            raise _err(src, f"external data file '{loc}' is missing")


def check_graph_matches(mf: ModelFile, io: GraphIO, src: str) -> None:
    """Compare a manifest file entry with the graph's real inputs/outputs; ModelError on mismatch."""
    for kind, declared, real in (("input", mf.inputs, io.inputs), ("output", mf.outputs, io.outputs)):
        real_by_name = {t.name: t for t in real}
        declared_names = [t.name for t in declared]
        missing = [n for n in declared_names if n not in real_by_name]
        extra = [t.name for t in real if t.name not in declared_names]
        if missing:
            raise _err(
                src,
                f"manifest {kind} '{missing[0]}' is not in the graph "
                f"(graph {kind}s: {', '.join(real_by_name) or 'none'})",
            )
        if extra and kind == "input":
            raise _err(src, f"graph input '{extra[0]}' is not declared in the manifest")
        for d in declared:
            r = real_by_name[d.name]
            if d.dtype != r.dtype:
                raise _err(src, f"{kind} '{d.name}' is {r.dtype} in the graph, manifest says {d.dtype}")
            if r.shape and len(d.shape) != len(r.shape):
                raise _err(
                    src,
                    f"{kind} '{d.name}' has rank {len(r.shape)} in the graph, manifest says {len(d.shape)}",
                )
            for axis, (dd, rd) in enumerate(zip(d.shape, r.shape)):
                if isinstance(rd, int) and isinstance(dd, int) and rd != dd:
                    raise _err(src, f"{kind} '{d.name}' dim {axis} is {rd} in the graph, manifest says {dd}")
                if isinstance(rd, int) and isinstance(dd, str):
                    raise _err(
                        src,
                        f"{kind} '{d.name}' dim {axis} is fixed to {rd} in the graph, "
                        f"manifest says symbolic '{dd}'",
                    )


# ------------------------------------------------------------------------------------------- writing


def build_manifest(
    model_dir: str | os.PathLike[str],
    name: str,
    task: str,
    version: str,
    files: list[str | dict[str, Any]],
    **fields: Any,
) -> dict[str, Any]:
    """Make a manifest dict for graphs already in `model_dir` (sha256 and inputs/outputs read from them).

    `files` entries are a relative path (role "model") or `{"path": ..., "role": ...}`; `fields` are the
    optional top-level fields (description, preprocessing, license, data_source, training_command,
    evaluation, standard_inputs). The result is validated with `parse_manifest`.
    """
    model_dir = Path(model_dir)
    unknown = sorted(set(fields) - set(_TOP_OPTIONAL))
    if unknown:
        raise ModelError(f"unknown manifest field(s): {', '.join(unknown)}")
    entries = []
    for i, f in enumerate(files):
        spec = {"path": f} if isinstance(f, str | os.PathLike) else dict(f)
        rel = str(spec.pop("path"))
        role = spec.pop("role", "model" if len(files) == 1 else f"graph{i}")
        if spec:
            raise ModelError(f"unknown file field(s): {', '.join(sorted(spec))}")
        gpath = model_dir / rel
        io = read_graph_io(gpath)
        check_external_data(model_dir, gpath, io.external_data)
        entries.append(
            {
                "path": rel,
                "sha256": sha256_file(gpath),
                "role": role,
                "inputs": [t.to_dict() for t in io.inputs],
                "outputs": [t.to_dict() for t in io.outputs],
            }
        )
    data: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "name": name,
        "task": task,
        "version": version,
        "description": "",
        "files": entries,
        "preprocessing": {},
        "license": "",
        "data_source": "",
        "training_command": "",
        "evaluation": {},
        "standard_inputs": {},
    }
    data.update(fields)
    parse_manifest(data, f"manifest for {name}")
    return data


def dumps_manifest(data: dict[str, Any]) -> str:
    """Indented JSON with lists of scalars (shapes) kept on one line."""
    inline: dict[str, str] = {}

    def pack(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: pack(v) for k, v in obj.items()}
        if isinstance(obj, list):
            if all(not isinstance(x, dict | list) for x in obj):
                token = f"@@inline{len(inline)}@@"
                inline[token] = json.dumps(obj)
                return token
            return [pack(x) for x in obj]
        return obj

    text = json.dumps(pack(data), indent=2)
    for token, value in inline.items():
        text = text.replace(json.dumps(token), value, 1)
    if json.loads(text) != data:  # a string that looked like a token: plain layout
        text = json.dumps(data, indent=2)
    return text + "\n"


def write_manifest_file(model_dir: str | os.PathLike[str], data: dict[str, Any]) -> Path:
    """Write `manifest.json` atomically (temp file + rename)."""
    model_dir = Path(model_dir)
    target = model_dir / MANIFEST_NAME
    tmp = model_dir / f".{MANIFEST_NAME}.tmp"
    tmp.write_text(dumps_manifest(data), encoding="utf-8")
    os.replace(tmp, target)
    return target
