"""Helpers for colorize tests: a tiny ONNX model with the colorize network's inputs and outputs, pages."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def tiny_colorize_graph(q: int):
    """Same inputs/outputs as the real network: L = image, ab = hints spread by a 15×15 average,
    dist = 4×4 average pool of a 1×1 conv. Uses `mode` and `palette` (times 0) so they stay inputs."""
    from helpers_onnx import _finish
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    f = TensorProto.FLOAT
    ins = [helper.make_tensor_value_info("image", f, [1, 1, "H", "W"]),
           helper.make_tensor_value_info("hint", f, [1, 3, "H", "W"]),
           helper.make_tensor_value_info("mask", f, [1, 1, "H", "W"]),
           helper.make_tensor_value_info("mode", f, [1, 1]),
           helper.make_tensor_value_info("palette", f, [1, q])]
    outs = [helper.make_tensor_value_info("color", f, [1, 3, "H", "W"]),
            helper.make_tensor_value_info("dist", f, [1, q, "H4", "W4"])]
    sel = np.zeros((3, 4, 1, 1), np.float32)
    sel[0, 0] = 1.0
    sel[1, 2] = 1.0
    sel[2, 3] = 1.0
    inits = [numpy_helper.from_array(sel, "sel"),
             numpy_helper.from_array(np.array(1e-3, np.float32), "eps"),
             numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
             numpy_helper.from_array((rng.standard_normal((q, 5, 1, 1)) * 0.5).astype(np.float32), "wq")]
    pool = {"kernel_shape": [15, 15], "pads": [7, 7, 7, 7], "strides": [1, 1]}
    nodes = [
        helper.make_node("Mul", ["hint", "mask"], ["hm"]),
        helper.make_node("AveragePool", ["hm"], ["num"], **pool),
        helper.make_node("AveragePool", ["mask"], ["den0"], **pool),
        helper.make_node("Add", ["den0", "eps"], ["den"]),
        helper.make_node("Div", ["num", "den"], ["prop"]),
        helper.make_node("Concat", ["image", "prop"], ["cat"], axis=1),
        helper.make_node("Conv", ["cat", "sel"], ["c0"]),
        helper.make_node("ReduceSum", ["palette"], ["ps"], keepdims=1),
        helper.make_node("Add", ["ps", "mode"], ["pm"]),
        helper.make_node("Mul", ["pm", "zero"], ["pm0"]),
        helper.make_node("Add", ["c0", "pm0"], ["color"]),
        helper.make_node("Concat", ["image", "hint", "mask"], ["x"], axis=1),
        helper.make_node("Conv", ["x", "wq"], ["logits"]),
        helper.make_node("AveragePool", ["logits"], ["dist"], kernel_shape=[4, 4], strides=[4, 4]),
    ]
    return _finish(helper.make_graph(nodes, "tiny_colorize", ins, outs, initializer=inits))


def make_colorize_model(root: Path, name: str = "colorize") -> Path:
    from helpers_onnx import make_model_dir

    from paintgan.inference.colorize.color import num_ab_bins

    q = num_ab_bins()
    return make_model_dir(root, name, "colorize", graph=tiny_colorize_graph(q),
                          standard_inputs={"H": 32, "W": 32, "H4": 8, "W4": 8},
                          preprocessing={"size_multiple": 16, "dist_stride": 4, "working_size": 256,
                                         "mode": {"gray": 0.0, "lineart": 1.0}})


def lineart_page(w: int = 120, h: int = 100) -> np.ndarray:
    """White page, a black rectangle split by a vertical line: left box, right box, outside."""
    import cv2

    img = np.full((h, w, 3), 255, np.uint8)
    cv2.rectangle(img, (10, 10), (w // 2 + 10, h - 20), (0, 0, 0), 2)
    cv2.line(img, (35, 10), (35, h - 20), (0, 0, 0), 2)
    return img


CHARACTER_COLOURS = {"head": (240, 200, 160), "body": (40, 80, 200), "arm": (200, 30, 30),
                     "legs": (30, 150, 60), "hat": (250, 220, 0)}


def character(w: int = 240, h: int = 240, *, dx: int = 0, arm_up: bool = False, mirror: bool = False,
              hat: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A simple character (head, shirt, one arm, two legs, optional hat) on white paper, drawn with black
    outlines: (coloured RGB uint8, its line art RGB uint8). `dx` shifts it, `arm_up` (the arm raised to
    level) is a second pose, `mirror` flips it left-right, `hat` adds a region the other poses do not have."""
    import cv2

    col = np.full((h, w, 3), 255, np.uint8)
    line = np.full((h, w, 3), 255, np.uint8)
    u = w / 240.0
    cx = w // 2 + dx

    def X(x: float) -> int:
        return round(cx - (x - cx) if mirror else x)

    def P(*pts: tuple[float, float]) -> np.ndarray:
        return np.array([[X(cx + x * u), round(y * u)] for x, y in pts], np.int32)

    arm = (P((38, 112), (85, 106), (86, 121), (38, 135)) if arm_up
           else P((38, 112), (78, 148), (70, 160), (38, 135)))
    shapes = [("body", P((-38, 105), (38, 105), (38, 190), (-38, 190))), ("arm", arm),
              ("legs", P((-34, 190), (-4, 190), (-4, 228), (-34, 228))),
              ("legs", P((4, 190), (34, 190), (34, 228), (4, 228)))]
    if hat:
        shapes.append(("hat", P((-30, 22), (30, 22), (30, 40), (-30, 40))))
    for name, pts in shapes:
        cv2.fillPoly(col, [pts], CHARACTER_COLOURS[name])
    head_c, head_r = (X(cx), round(72 * u)), round(32 * u)
    cv2.circle(col, head_c, head_r, CHARACTER_COLOURS["head"], -1)
    for img in (col, line):
        for _, pts in shapes:
            cv2.polylines(img, [pts], True, (0, 0, 0), 2)
        cv2.circle(img, head_c, head_r, (0, 0, 0), 2)
    return col, line
