"""Weight averaging and precise batch-norm statistics for the mask model's training and export."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from torch import nn  # noqa: E402

from paintgan.training import segment_export as se  # noqa: E402
from paintgan.training import segment_train as st  # noqa: E402
from paintgan.training.averaging import WeightAverage, precise_bn  # noqa: E402


def test_weight_average_is_an_exponential_average_and_copies_integer_buffers():
    net = nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2))
    avg = WeightAverage(net, decay=0.75)
    w0 = net[0].weight.detach().clone()
    with torch.no_grad():
        net[0].weight.add_(4.0)
        net[1].num_batches_tracked.fill_(7)
    avg.update(net)
    assert torch.allclose(avg.state["0.weight"], w0 + 1.0)  # 0.75 * w0 + 0.25 * (w0 + 4)
    assert int(avg.state["1.num_batches_tracked"]) == 7
    again = WeightAverage(net, 0.75, avg.state_dict())  # resumed from a checkpoint
    assert torch.equal(again.state["0.weight"], avg.state["0.weight"])
    wider = nn.Sequential(nn.Conv2d(3, 2, 1), nn.BatchNorm2d(2))  # another input width: start again
    assert torch.equal(WeightAverage(wider, 0.75, avg.state_dict()).state["0.weight"], wider[0].weight)
    with pytest.raises(ValueError):
        WeightAverage(net, 1.0)


def test_precise_bn_takes_the_plain_average_of_the_batches_statistics():
    bn = nn.BatchNorm2d(1)
    net = nn.Sequential(bn)
    net.eval()
    batches = [torch.full((4, 1, 2, 2), v) + torch.tensor([0.0, 1.0, 2.0, 3.0])[:, None, None, None]
               for v in (0.0, 10.0, 20.0)]
    assert precise_bn(net, iter(batches)) == 3
    assert bn.running_mean.item() == pytest.approx(np.mean([1.5, 11.5, 21.5]))
    assert bn.running_var.item() == pytest.approx(np.var(np.repeat([0, 1, 2, 3], 4), ddof=1), rel=1e-5)
    assert bn.momentum == 0.1 and not net.training  # restored


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(0)
    photos, objects = tmp_path / "photos", tmp_path / "objects"
    photos.mkdir()
    objects.mkdir()
    for i in range(24):  # one wallpaper a folder, as the training's photograph split expects
        (photos / f"w{i}").mkdir()
        im = cv2.GaussianBlur(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8), (0, 0), 3)
        cv2.imwrite(str(photos / f"w{i}" / "photo.jpg"), im)
    return photos, objects


def test_training_keeps_a_weight_average_that_the_export_uses(data, tmp_path):
    photos, objects = data
    out = tmp_path / "ck"
    args = st.build_parser().parse_args([
        "--out", str(out), "--steps", "3", "--batch", "2", "--val-count", "2", "--eval-every", "2",
        "--save-every", "2", "--lr", "1e-3", "--ema-decay", "0.5", "--init-onnx", "", "--fallback-onnx", "",
        "--objects", str(objects), "--backgrounds", str(photos),
    ])
    assert st.train(args) == 0
    ck = torch.load(out / "last.pt", map_location="cpu", weights_only=False)
    assert ck["step"] == 3 and ck["ema_decay"] == 0.5
    name = "enc.0.0.weight" if "enc.0.0.weight" in ck["model"] else next(iter(ck["model"]))
    assert not torch.equal(ck["ema"][name], ck["model"][name])  # an average, not a copy
    net, step, used = se.load_checkpoint(out / "last.pt")
    assert (step, used) == (3, "ema")
    assert torch.equal(net.state_dict()[name], ck["ema"][name])
    assert se.load_checkpoint(out / "last.pt", "model")[2] == "model"
    model_dir = tmp_path / "segment"
    assert se.main(["--ckpt", str(out / "last.pt"), "--out", str(model_dir), "--precise-bn", "2",
                    "--objects", str(objects), "--backgrounds", str(photos)]) == 0
    export = json.loads((model_dir / "manifest.json").read_text())["evaluation"]["export"]
    assert export["weights"] == "ema" and export["precise_bn_batches"] == 2 and export["step"] == 3
    # resuming keeps averaging from the saved average
    args.steps = 1
    assert st.train(args) == 0
    assert torch.load(out / "last.pt", map_location="cpu", weights_only=False)["step"] == 4
