"""Tiny ONNX graphs and model folders for tests (needs the `onnx` package from the [test] extra).

    from helpers_onnx import make_model_dir
    folder = make_model_dir(tmp_path, "tiny-colorize", task="colorize")   # tmp_path/tiny-colorize/

`tests/` is put on sys.path by tests/inference/conftest.py; other test folders can do the same.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from paintgan.inference.manifest import build_manifest, write_manifest_file

OPSET = 17


def conv_graph(
    in_ch: int = 1,
    out_ch: int = 3,
    input_name: str = "image",
    output_name: str = "color",
    dims: Sequence[int | str] = ("H", "W"),
    batch: int | str = 1,
    seed: int = 0,
    dtype: int = TensorProto.FLOAT,
) -> onnx.ModelProto:
    """input [batch, in_ch, *dims] -> 3x3 Conv (pad 1) -> Sigmoid -> output [batch, out_ch, *dims]."""
    rng = np.random.default_rng(seed)
    w = numpy_helper.from_array((rng.standard_normal((out_ch, in_ch, 3, 3)) * 0.2).astype(np.float32), "w")
    b = numpy_helper.from_array(np.zeros(out_ch, np.float32), "b")
    x = helper.make_tensor_value_info(input_name, dtype, [batch, in_ch, *dims])
    y = helper.make_tensor_value_info(output_name, TensorProto.FLOAT, [batch, out_ch, *dims])
    nodes = [
        helper.make_node("Conv", [input_name, "w", "b"], ["c"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
        helper.make_node("Sigmoid", ["c"], [output_name]),
    ]
    graph = helper.make_graph(nodes, "tiny_conv", [x], [y], initializer=[w, b])
    return _finish(graph)


def matmul_graph(
    in_dim: int = 8, out_dim: int = 16, input_name: str = "z", output_name: str = "features", seed: int = 1
) -> onnx.ModelProto:
    """[1, in_dim] -> MatMul -> Relu -> [1, out_dim] (the first half of a split model)."""
    rng = np.random.default_rng(seed)
    w = numpy_helper.from_array(rng.standard_normal((in_dim, out_dim)).astype(np.float32), "w")
    x = helper.make_tensor_value_info(input_name, TensorProto.FLOAT, [1, in_dim])
    y = helper.make_tensor_value_info(output_name, TensorProto.FLOAT, [1, out_dim])
    nodes = [
        helper.make_node("MatMul", [input_name, "w"], ["m"]),
        helper.make_node("Relu", ["m"], [output_name]),
    ]
    return _finish(helper.make_graph(nodes, "tiny_matmul", [x], [y], initializer=[w]))


def nan_graph(input_name: str = "image", output_name: str = "color") -> onnx.ModelProto:
    """Outputs log(-1 - x) = NaN for x >= 0: a model whose selftest must fail."""
    x = helper.make_tensor_value_info(input_name, TensorProto.FLOAT, [1, 1, "H", "W"])
    y = helper.make_tensor_value_info(output_name, TensorProto.FLOAT, [1, 1, "H", "W"])
    one = numpy_helper.from_array(np.array(-1.0, np.float32), "m1")
    nodes = [
        helper.make_node("Sub", ["m1", input_name], ["s"]),
        helper.make_node("Log", ["s"], [output_name]),
    ]
    return _finish(helper.make_graph(nodes, "nan", [x], [y], initializer=[one]))


def _finish(graph: onnx.GraphProto) -> onnx.ModelProto:
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="paintgan-tests"
    )
    model.ir_version = 8  # readable by every ONNX Runtime >= 1.14
    onnx.checker.check_model(model)
    return model


def make_model_dir(
    root: str | Path,
    name: str = "tiny",
    task: str = "colorize",
    *,
    graph: onnx.ModelProto | None = None,
    version: str = "1.0.0",
    standard_inputs: dict[str, int] | None = None,
    **fields: Any,
) -> Path:
    """Write `root/name/model.onnx` (default: `conv_graph()`) and a valid manifest; return the folder."""
    folder = Path(root) / name
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(graph if graph is not None else conv_graph(), str(folder / "model.onnx"))
    data = build_manifest(
        folder,
        name,
        task,
        version,
        ["model.onnx"],
        standard_inputs=standard_inputs if standard_inputs is not None else {"H": 32, "W": 32},
        description=f"tiny test model {name}",
        license="MIT",
        data_source="synthetic",
        training_command="none",
        **fields,
    )
    write_manifest_file(folder, data)
    return folder


def make_split_model_dir(root: str | Path, name: str = "tiny-gan", task: str = "ganpaint") -> Path:
    """A two-graph model: roles "z_to_features" (z -> features) and "features_to_image"."""
    folder = Path(root) / name
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(matmul_graph(8, 16), str(folder / "z_to_features.onnx"))
    onnx.save(
        conv_graph(in_ch=3, out_ch=3, input_name="feat_image", output_name="image"),
        str(folder / "features_to_image.onnx"),
    )
    data = build_manifest(
        folder,
        name,
        task,
        "0.1.0",
        [
            {"path": "z_to_features.onnx", "role": "z_to_features"},
            {"path": "features_to_image.onnx", "role": "features_to_image"},
        ],
        standard_inputs={"H": 16, "W": 16},
    )
    write_manifest_file(folder, data)
    return folder


def read_manifest(folder: str | Path) -> dict[str, Any]:
    return json.loads((Path(folder) / "manifest.json").read_text())


def write_raw_manifest(folder: str | Path, data: dict[str, Any] | str) -> None:
    """Write a manifest as given (no validation): for bad-input tests."""
    text = data if isinstance(data, str) else json.dumps(data, indent=2)
    (Path(folder) / "manifest.json").write_text(text)


def external_data_graph(location: str) -> onnx.ModelProto:
    """A conv graph whose weight is stored externally at `location` (relative to the graph file)."""
    w = TensorProto()
    w.name = "w"
    w.data_type = TensorProto.FLOAT
    w.dims.extend([1, 1, 1, 1])
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", "4")):
        entry = w.external_data.add()
        entry.key, entry.value = k, v
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, "H", "W"])
    y = helper.make_tensor_value_info("color", TensorProto.FLOAT, [1, 1, "H", "W"])
    graph = helper.make_graph(
        [helper.make_node("Conv", ["image", "w"], ["color"])], "ext", [x], [y], initializer=[w]
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    return model


def save_raw(model: onnx.ModelProto, path: str | Path) -> None:
    """Serialize without onnx.save's external-data handling (it refuses paths outside the folder)."""
    Path(path).write_bytes(model.SerializeToString())
