"""ONNX export helpers: dynamic H/W export, ORT-vs-torch parity, manifest writing, registry round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from paintgan.errors import ModelError  # noqa: E402
from paintgan.inference import paths  # noqa: E402
from paintgan.inference.registry import ModelRegistry  # noqa: E402
from paintgan.training.export import check_parity, export_onnx, write_manifest  # noqa: E402


class TinyColorizer(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.enc = torch.nn.Conv2d(1, 8, 3, padding=1)
        self.down = torch.nn.Conv2d(8, 8, 3, stride=2, padding=1)
        self.up = torch.nn.ConvTranspose2d(8, 8, 2, stride=2)
        self.out = torch.nn.Conv2d(8, 3, 1)

    def forward(self, image):
        x = torch.relu(self.enc(image))
        x = torch.relu(self.up(torch.relu(self.down(x))))
        return torch.sigmoid(self.out(x))


class TwoHeads(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 2, 1)

    def forward(self, image, mask):
        y = self.conv(image)
        return y * mask, y.mean(dim=(2, 3))


@pytest.fixture(autouse=True)
def user_dirs(tmp_path_factory):
    base = tmp_path_factory.mktemp("user")
    with paths.override_user_dirs(base / "data", base / "cache"):
        yield


def test_export_parity_manifest_and_registry(tmp_path, monkeypatch):
    net = TinyColorizer()
    folder = tmp_path / "models" / "tiny-colorize"
    path = export_onnx(
        net, {"image": torch.rand(1, 1, 32, 32)}, folder / "model.onnx", output_names=["color"]
    )
    assert path.is_file() and not list(folder.glob(".*"))

    diff = check_parity(net, path, {"image": torch.rand(1, 1, 48, 80)}, atol=1e-4)  # another size: dynamic
    assert 0 <= diff < 1e-4

    write_manifest(
        folder,
        "tiny-colorize",
        "colorize",
        "1.0.0",
        files=["model.onnx"],
        standard_inputs={"H": 64, "W": 64},
        license="MIT",
        data_source="synthetic",
        training_command="python -m paintgan.training.colorize --tiny",
        evaluation={"psnr": 20.5},
        preprocessing={"scale": 1 / 255},
    )
    data = json.loads((folder / "manifest.json").read_text())
    (f,) = data["files"]
    assert f["role"] == "model" and len(f["sha256"]) == 64
    assert f["inputs"] == [{"name": "image", "dtype": "float32", "shape": [1, 1, "H", "W"]}]
    assert f["outputs"] == [{"name": "color", "dtype": "float32", "shape": [1, 3, "H", "W"]}]
    assert data["evaluation"] == {"psnr": 20.5} and data["format"] == 1

    monkeypatch.setenv(paths.MODEL_PATH_ENV, str(tmp_path / "models"))
    model = ModelRegistry().load("tiny-colorize", device="cpu")
    x = np.random.default_rng(1).random((1, 1, 40, 24), dtype=np.float32)
    got = model.run({"image": x})["color"]
    with torch.no_grad():
        want = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_check_parity_raises_on_mismatch(tmp_path):
    net = TinyColorizer()
    path = export_onnx(net, {"image": torch.rand(1, 1, 16, 16)}, tmp_path / "m.onnx", output_names=["color"])
    with torch.no_grad():
        net.out.bias.add_(0.5)
    with pytest.raises(AssertionError, match=r"parity failed for m.onnx: max abs diff .* > atol"):
        check_parity(net, path, {"image": torch.rand(1, 1, 16, 16)}, atol=1e-4)


def test_multi_input_output_and_custom_axes(tmp_path):
    net = TwoHeads()
    path = export_onnx(
        net,
        {"image": torch.rand(1, 3, 8, 8), "mask": torch.ones(1, 1, 8, 8)},
        tmp_path / "m" / "model.onnx",
        output_names=["masked", "pooled"],
    )
    check_parity(net, path, {"image": torch.rand(1, 3, 12, 20), "mask": torch.rand(1, 1, 12, 20)}, atol=1e-5)
    write_manifest(tmp_path / "m", "m", "segment", "0.1", standard_inputs={"H": 8, "W": 8})
    f = json.loads((tmp_path / "m" / "manifest.json").read_text())["files"][0]
    assert [o["name"] for o in f["outputs"]] == ["masked", "pooled"]
    assert f["outputs"][1]["shape"] == [1, 2]
    with pytest.raises(ValueError, match="returns 2 outputs but 1"):
        export_onnx(
            net,
            {"image": torch.rand(1, 3, 8, 8), "mask": torch.ones(1, 1, 8, 8)},
            tmp_path / "x.onnx",
            output_names=["only"],
        )


def test_write_manifest_split_roles_and_unknown_field(tmp_path):
    folder = tmp_path / "gan"
    export_onnx(
        torch.nn.Linear(4, 6).eval(),
        {"z": torch.rand(1, 4)},
        folder / "a.onnx",
        output_names=["f"],
        dynamic_axes={},
    )
    export_onnx(
        TinyColorizer(), {"image": torch.rand(1, 1, 16, 16)}, folder / "b.onnx", output_names=["color"]
    )
    write_manifest(
        folder,
        "gan",
        "ganpaint",
        "1.0.0",
        files=[{"path": "a.onnx", "role": "z_to_features"}, {"path": "b.onnx", "role": "features_to_image"}],
        standard_inputs={"H": 16, "W": 16},
    )
    data = json.loads((folder / "manifest.json").read_text())
    assert [f["role"] for f in data["files"]] == ["z_to_features", "features_to_image"]
    assert data["files"][0]["inputs"][0]["shape"] == [1, 4]
    with pytest.raises(ModelError, match="unknown manifest field"):
        write_manifest(folder, "gan", "ganpaint", "1.0.0", files=["a.onnx"], author="me")
