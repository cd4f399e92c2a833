"""Warm start of the mask model from its BatchNorm-folded ONNX export (tiny nets, fast)."""

from __future__ import annotations

import copy

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from paintgan.inference.segment.clickmaps import CROP  # noqa: E402
from paintgan.training import segment_train as st  # noqa: E402
from paintgan.training.onnx_warm_start import (  # noqa: E402
    ArchitectureMismatch,
    calibrate_identity_bn,
    module_path,
    ort_max_diff,
)
from paintgan.training.segment_data import CropGenerator  # noqa: E402
from paintgan.training.segment_export import export_onnx  # noqa: E402
from paintgan.training.segment_model import IN_CH, MaskNet, warm_start_from_mask_onnx  # noqa: E402

TINY = {"widths": (8, 8, 8, 8), "feat": 8}


def trained_looking(seed: int = 0, in_ch: int = IN_CH) -> MaskNet:
    """A tiny net with non-trivial batch norms (gains, shifts, statistics), as a trained one has."""
    torch.manual_seed(seed)
    net = MaskNet(in_ch, **TINY)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 2.0)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.3, 2.0)
    return net.eval()


def rand_input(n: int, seed: int) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).random((n, IN_CH, CROP, CROP), dtype=np.float32))


@pytest.fixture
def folded(tmp_path):
    src = trained_looking()
    path = export_onnx(src, tmp_path / "mask.onnx")
    return src, path


def test_exported_then_warm_started_matches_onnx_and_the_source(folded):
    src, path = folded
    net = MaskNet(**TINY)
    names = warm_start_from_mask_onnx(net, path)
    assert len(names) == 15  # every conv + BN pair of the model
    bn = net.encoder.stem[1]
    assert torch.all(bn.weight == 1) and torch.all(bn.running_mean == 0)
    assert torch.allclose(bn.running_var, torch.full_like(bn.running_var, 1 - bn.eps))
    net.eval()
    x = rand_input(2, 1)
    assert ort_max_diff(net, path, x.numpy()) < 1e-3
    with torch.no_grad():
        assert float((net(x) - src(x)).abs().max()) < 1e-3
    assert torch.all(net.aux.weight == 0)  # not in the graph: starts silent


def test_calibration_keeps_eval_output_and_makes_train_mode_agree(folded):
    _, path = folded
    net = MaskNet(**TINY)
    names = warm_start_from_mask_onnx(net, path)
    x = rand_input(4, 2)
    net.eval()
    with torch.no_grad():
        before = net(x)
        uncalibrated = copy.deepcopy(net).train()(x)  # train mode also moves the running statistics
    net.train()
    calibrate_identity_bn(net, names, lambda: net(x))
    assert net.training  # the mode is given back
    with torch.no_grad():
        train_out = net(x)
        net.eval()
        after = net(x)
    assert float((after - before).abs().max()) < 1e-4
    assert float((train_out - before).abs().max()) < 1e-3
    assert float((uncalibrated - before).abs().max()) > 1e-2  # why calibration is needed
    assert ort_max_diff(net, path, rand_input(2, 3).numpy()) < 1e-3


def test_a_graph_of_another_architecture_is_refused_and_leaves_the_net_alone(folded):
    _, path = folded
    net = MaskNet(widths=(8, 8, 8, 16), feat=8)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(ArchitectureMismatch, match=r"encoder\.s16"):
        warm_start_from_mask_onnx(net, path)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_module_paths_from_exporter_scope_names():
    assert module_path("/net/encoder/s4/s4.0/s4.0.0/Conv", "net") == "encoder.s4.0.0"
    assert module_path("/net/head/Conv", "net") == "head"
    assert module_path("/encoder/stem/stem.0/Conv", "net") is None


def photo_generator(tmp_path) -> CropGenerator:
    rng = np.random.default_rng(0)
    paths = []
    for i in range(2):
        im = cv2.GaussianBlur(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8), (0, 0), 3)
        p = tmp_path / f"photo{i}.jpg"
        cv2.imwrite(str(p), im)
        paths.append(p)
    return CropGenerator([], paths, seed=3)


def test_training_warm_start_uses_the_mask_graph_or_says_why_not(folded, tmp_path, capsys):
    _, path = folded
    gen = photo_generator(tmp_path)
    net = MaskNet(**TINY)
    how = st.warm_start(net, str(path), None, gen, 2, 0)
    assert "whole model" in how and "15 batch norms" in how
    net.eval()
    assert ort_max_diff(net, path, rand_input(2, 4).numpy()) < 1e-3
    other = MaskNet(widths=(8, 8, 16, 16), feat=8)
    how = st.warm_start(other, str(path), None, gen, 2, 0)
    assert how.startswith("no warm start")
    assert "does not fit this model" in capsys.readouterr().out


def test_a_seven_channel_graph_warm_starts_the_eight_channel_model(tmp_path):
    # models/segment up to 2.3.0 read 7 channels: the colour channel gets zero weights
    src = trained_looking(1, in_ch=7)
    path = export_onnx(src, tmp_path / "mask7.onnx")
    net = MaskNet(**TINY)
    warm_start_from_mask_onnx(net, path)
    assert net.in_ch == 8 and torch.all(net.encoder.stem[0].weight[:, 7] == 0)
    net.eval()
    x = rand_input(2, 3)
    with torch.no_grad():
        assert float((net(x) - src(x[:, :7])).abs().max()) < 1e-3
