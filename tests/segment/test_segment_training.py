"""Mask-model training smoke test: made-up photos, a few steps of a tiny net, export, ONNX parity."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from paintgan.inference.segment.clickmaps import CROP  # noqa: E402
from paintgan.training import segment_train as st  # noqa: E402
from paintgan.training.segment_data import CropGenerator  # noqa: E402
from paintgan.training.segment_export import export_onnx, parity  # noqa: E402
from paintgan.training.segment_model import MaskNet, warm_start_from_polygon_onnx  # noqa: E402


@pytest.fixture
def photos(tmp_path):
    rng = np.random.default_rng(0)
    out = []
    for i in range(2):
        im = cv2.GaussianBlur(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8), (0, 0), 3)
        p = tmp_path / f"photo{i}.jpg"
        cv2.imwrite(str(p), im)
        out.append(p)
    return out


def test_generator_makes_crops_with_masks(photos):
    gen = CropGenerator([], photos, seed=1)
    for _ in range(4):
        crop, mask = gen.sample()
        assert crop.shape == (CROP, CROP, 3) and crop.dtype == np.uint8
        assert mask.shape == (CROP, CROP) and mask.dtype == bool
        assert 0.02 < mask.mean() < 0.95


def test_a_few_training_steps_then_export_with_parity(photos, tmp_path):
    torch.manual_seed(0)
    gen = CropGenerator([], photos, seed=2)
    net = MaskNet(widths=(8, 8, 8, 8), feat=8)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    for _ in range(2):
        crops, gts, colour = st.batch(gen, 2)
        assert colour.shape == gts.shape and colour.min() >= 0 and colour.max() <= 1
        clicks = [st.random_clicks(rng, g) for g in gts]
        prev = st.simulate(net, crops, gts, clicks, 1, colour)  # one RITM click per sample, fed back
        assert all(len(c["pos"]) + len(c["neg"]) >= 1 for c in clicks)
        x = st.make_input(crops, clicks, prev, colour)
        assert x.shape[1] == 8 and torch.equal(x[:, 7], torch.from_numpy(colour))
        loss, parts = st.losses(net, x, torch.from_numpy(gts[:, None].astype(np.float32)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        assert np.isfinite(loss.item()) and set(parts) == {"bce", "dice", "aux"}
    path = export_onnx(net, tmp_path / "mask.onnx")
    assert parity(net, path) < 1e-4


def test_warm_start_copies_the_polygon_encoder():
    from pathlib import Path

    onnx_path = Path(__file__).resolve().parents[2] / "models" / "polygon" / "encoder.onnx"
    if not onnx_path.is_file():
        pytest.skip("shipped polygon model not present")
    net = MaskNet()
    n = warm_start_from_polygon_onnx(net, onnx_path)
    assert n >= 50
    w = net.encoder.stem[0].weight
    assert w.shape[1] == 8 and torch.all(w[:, 3:] == 0) and w[:, :3].abs().sum() > 0


def test_composite_objects_are_one_object_of_labelled_parts(photos):
    gen = CropGenerator([], photos, seed=5)
    for _ in range(8):
        alpha, labels = gen.composite(128)
        assert alpha.shape == labels.shape and alpha.dtype == np.uint8
        assert np.array_equal(labels > 0, alpha > 127)  # every object pixel belongs to exactly one part
        assert len(np.unique(labels[labels > 0])) >= 2
        _, _, stats, _ = cv2.connectedComponentsWithStats((alpha > 127).astype(np.uint8), connectivity=8)
        assert stats[1:, cv2.CC_STAT_AREA].max() >= 0.9 * (alpha > 127).sum()  # the parts touch


def test_part_labels_split_the_mask_and_fill_parts_gives_each_its_own_texture(photos, monkeypatch):
    gen = CropGenerator([], photos, seed=6)
    hard = np.zeros((64, 64), bool)
    hard[8:56, 4:60] = True
    labels = gen.part_labels(hard, 3)
    assert set(np.unique(labels[hard])) == {1, 2, 3} and not labels[~hard].any()
    calls = iter([10.0, 120.0, 240.0])
    monkeypatch.setattr(gen, "_fill", lambda *a: np.full((64, 64, 3), next(calls), np.float32))
    fill = gen.fill_parts(None, None, np.zeros((64, 64, 3), np.uint8), labels)
    for k, v in zip((1, 2, 3), (10.0, 120.0, 240.0), strict=True):
        core = cv2.erode((labels == k).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        assert core.any() and np.allclose(fill[core], v, atol=0.5)


def test_multi_part_targets_keep_the_model_inputs(photos):
    """Resume compatibility: the same crop size, dtype and mask whatever the part mix."""
    gen = CropGenerator([], photos, seed=7)
    gen.composite_p, gen.parts_p = 0.5, 1.0
    for _ in range(6):
        crop, mask = gen.sample()
        assert crop.shape == (CROP, CROP, 3) and crop.dtype == np.uint8
        assert mask.shape == (CROP, CROP) and mask.dtype == bool and 0.02 < mask.mean() < 0.95


def test_the_colour_channel_tells_the_object_from_its_surroundings(photos):
    # on generated scenes the channel is higher on the object than around it, and the ring comes from
    # the scene around the box
    from paintgan.inference.segment.colour_prior import box_ring_channel

    gen = CropGenerator([], photos, seed=8)
    gaps = []
    for _ in range(6):
        crop, mask, ring = gen.sample_with_ring()
        assert ring.ndim == 2 and ring.shape[1] == 3 and len(ring) > 500 and ring.dtype == np.uint8
        ch = box_ring_channel(crop, ring, 0.15)
        gaps.append(ch[mask].mean() - ch[~mask].mean())
    assert np.mean(gaps) > 0.05


def test_a_seven_channel_checkpoint_is_widened_with_zero_weights():
    from paintgan.training.segment_model import input_channels, widen_input

    torch.manual_seed(0)
    old = MaskNet(in_ch=7, widths=(8, 8, 8, 8), feat=8).eval()
    new = MaskNet(widths=(8, 8, 8, 8), feat=8)
    assert widen_input(new, old.state_dict()) == 7 and input_channels(new.state_dict()) == 8
    new.eval()
    x = torch.rand(2, 8, CROP, CROP)
    with torch.no_grad():
        assert torch.allclose(new(x), old(x[:, :7]), atol=1e-6)  # the new channel starts unused
    with pytest.raises(ValueError, match="input channels"):
        widen_input(MaskNet(in_ch=7, widths=(8, 8, 8, 8), feat=8), new.state_dict())


def test_shrunk_scenes_are_magnified_by_the_crop_like_small_boxes(photos):
    gen = CropGenerator([], photos, seed=3)
    gen.lowres_p = 1.0
    for _ in range(4):
        crop, mask, ring = gen.sample_with_ring()
        assert crop.shape == (CROP, CROP, 3) and mask.shape == (CROP, CROP)
        assert 0.02 < mask.mean() < 0.95 and len(ring) > 0
    # the shrink itself: area-averaged, the mask cut at half coverage
    img = np.zeros((176, 176, 3), np.uint8)
    vis = np.zeros((176, 176), bool)
    vis[40:120, 30:150] = True
    img[vis] = 255
    small, m = gen._shrink(img, vis)
    assert small.shape[:2] == m.shape and 24 <= m.shape[0] <= 176 / 1.5 + 1
    assert abs(m.mean() - vis.mean()) < 0.05


def _rgba(path, alpha, colour=(200, 40, 40)):
    """An RGBA PNG of one `colour` (RGB) with `alpha`."""
    im = np.zeros((*alpha.shape, 4), np.uint8)
    im[..., :3] = colour[::-1]  # OpenCV writes BGRA
    im[..., 3] = alpha
    cv2.imwrite(str(path), im)
    return path


def test_sprites_are_one_piece_cut_outs_a_few_frames_a_folder(tmp_path):
    from paintgan.training.segment_data import list_sprites, load_cutout

    one = np.zeros((60, 50), np.uint8)
    cv2.ellipse(one, (25, 30), (20, 26), 0, 0, 360, 255, -1)
    sheet = np.zeros((60, 130), np.uint8)  # a sprite sheet: three frames side by side
    for x in (20, 65, 110):
        cv2.circle(sheet, (x, 30), 16, 255, -1)
    a = _rgba(tmp_path / "a.png", one)
    b = _rgba(tmp_path / "b.png", sheet)
    cut = load_cutout(a, one_piece=True)
    assert cut is not None and cut.shape[2] == 4 and cut.shape[:2] == (53, 41)
    assert tuple(cut[26, 20, :3]) == (200, 40, 40)  # RGB order
    assert load_cutout(b, one_piece=True) is None
    assert load_cutout(b, one_piece=False) is not None  # clip art may have several pieces
    cv2.imwrite(str(tmp_path / "gray.png"), one)
    assert load_cutout(tmp_path / "gray.png") is None  # no alpha
    frames = tmp_path / "unit"
    frames.mkdir()
    for i in range(12):
        _rgba(frames / f"f{i:02d}.png", one)
    found = list_sprites([tmp_path, tmp_path / "missing"], per_folder=5)
    assert len([f for f in found if f.parent == frames]) == 5
    assert list_sprites([tmp_path], per_folder=5) == found  # the same frames every time


def test_generator_uses_sprites_in_their_own_colours(photos, tmp_path, monkeypatch):
    import paintgan.training.segment_data as sd

    one = np.zeros((80, 60), np.uint8)
    cv2.ellipse(one, (30, 40), (26, 36), 0, 0, 360, 255, -1)
    sprite = _rgba(tmp_path / "s.png", one, colour=(255, 0, 255))  # magenta: not in the grey photos
    gen = CropGenerator([], photos, seed=4, sprites=[sprite])
    monkeypatch.setattr(sd, "SPRITE_P", 1.0)
    monkeypatch.setattr(sd, "SPRITE_OWN_P", 1.0)
    alpha, rgb, own_p = gen.silhouette(128)
    assert rgb is not None and own_p == 1.0 and alpha.shape == (73, 53)
    magenta = 0
    for _ in range(6):
        crop, mask = gen.sample()
        c = crop.astype(int)
        magenta += int(((c[..., 0] - c[..., 1] > 60) & (c[..., 2] - c[..., 1] > 60) & mask).sum() > 50)
    assert magenta >= 3


def test_linear_light_blend_brightens_a_half_covered_edge():
    from paintgan.training.segment_data import blend

    bg = np.full((1, 1, 3), 255.0)
    fill = np.zeros((1, 1, 3))
    a = np.full((1, 1), 0.5)
    assert blend(bg, fill, a)[0, 0, 0] == pytest.approx(127.5)
    assert blend(bg, fill, a, linear=True)[0, 0, 0] == pytest.approx(255 * 0.5 ** (1 / 2.2), rel=1e-4)
    assert blend(bg, fill, np.ones((1, 1)), linear=True)[0, 0, 0] == pytest.approx(0.0)
