"""Warm starts from shipped ONNX graphs: compute accumulates instead of every run starting over.

Two kinds of graph are shipped:

* exported with batch norm kept (the polygon model, `TrainingMode.PRESERVE`): the initializers carry the
  state-dict names (`net.` + key). `read_initializers` + `load_by_name` (+ `load_by_shape` for the
  exporter's anonymous `onnx::...` names) copy them back; an `adapt` hook may widen a tensor (a stem that
  gains input channels gets zeros for them).
* exported in eval mode with constant folding (the mask model): every Conv + BatchNorm pair became one
  Conv with a bias, W' = W * g / sqrt(v + eps), b' = beta - m * g / sqrt(v + eps). The four BN tensors
  cannot be recovered from W', b', but the eval-mode function can: `load_folded` puts W' into the conv and
  makes the following BatchNorm an identity plus b' (gamma 1, beta b', running mean 0, running var
  1 - eps, so (x - 0) / sqrt(1 - eps + eps) * 1 + b' = x + b'). Conv nodes are matched to modules by the
  exporter's scope names (`/net/encoder/s4/s4.0/s4.0.0/Conv` -> `encoder.s4.0.0`), each shape checked;
  anything that does not fit raises `ArchitectureMismatch` with the reason.

Batch norm in train mode normalises by the batch statistics again, so an identity BN would rescale every
channel to unit variance on the first training step and throw the folded gains away.
`calibrate_identity_bn` fixes that without changing the eval function: from one eval pass over a real
batch it sets running mean m and (biased) var v of each BN's input and gamma = sqrt(v + eps),
beta = m + b'. Eval output is unchanged (exactly x + b'), and train mode on that batch gives the same
output, so training can keep its BN layers learning from the first step with no shock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
import torch
from torch import nn

Adapt = Callable[[str, torch.Tensor, torch.Tensor], torch.Tensor | None]


class ArchitectureMismatch(ValueError):
    """The ONNX graph does not describe this PyTorch model (the message says where)."""


def read_initializers(path: str | Path) -> dict[str, np.ndarray]:
    """Every initializer of the ONNX file at `path`, by name, in graph order."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    return {init.name: np.array(numpy_helper.to_array(init)) for init in model.graph.initializer}


def load_by_name(
    state: dict[str, torch.Tensor],
    arrays: Mapping[str, np.ndarray],
    *,
    prefix: str = "net.",
    skip: Iterable[str] = (),
    adapt: Adapt | None = None,
) -> tuple[set[str], list[np.ndarray]]:
    """Copy `arrays` named `prefix + key` into `state[key]` where the shapes agree (or `adapt` returns a
    tensor for a mismatch). Keys in `skip` are not filled. Returns (filled keys, arrays left over)."""
    loaded: set[str] = set(skip)
    leftovers: list[np.ndarray] = []
    for name, arr in arrays.items():
        key = name[len(prefix) :] if name.startswith(prefix) else name
        dst = state.get(key)
        if dst is None or key in loaded:
            leftovers.append(arr)
            continue
        src = torch.from_numpy(arr.copy())
        if tuple(dst.shape) == tuple(src.shape):
            state[key] = src.to(dst.dtype)
            loaded.add(key)
        elif adapt is not None and (got := adapt(key, src, dst)) is not None:
            state[key] = got.to(dst.dtype)
            loaded.add(key)
        else:
            leftovers.append(arr)
    return loaded - set(skip), leftovers


def load_by_shape(
    state: dict[str, torch.Tensor], arrays: Iterable[np.ndarray], keys: Iterable[str], loaded: set[str]
) -> set[str]:
    """Fill the floating-point `keys` not in `loaded` with `arrays`, in order, each into the first key of
    the same shape (the exporter names some initializers `onnx::...`). Returns the keys filled."""
    free = [k for k in keys if k not in loaded and state[k].dtype.is_floating_point]
    filled: set[str] = set()
    for arr in arrays:
        for k in free:
            if k not in filled and tuple(state[k].shape) == arr.shape:
                state[k] = torch.from_numpy(arr.copy()).to(state[k].dtype)
                filled.add(k)
                break
    return filled


def widen_input_channels(key: str) -> Adapt:
    """An `adapt` hook: the conv weight `key` gains input channels; the extra ones start at zero, so the
    model first behaves as before whatever the new channels hold."""

    def adapt(k: str, src: torch.Tensor, dst: torch.Tensor) -> torch.Tensor | None:
        if k != key or src.dim() != 4 or src.shape[0] != dst.shape[0] or src.shape[1] >= dst.shape[1]:
            return None
        if src.shape[2:] != dst.shape[2:]:
            return None
        w = torch.zeros_like(dst)
        w[:, : src.shape[1]] = src
        return w

    return adapt


# ---------------------------------------------------------------------------------- folded batch norm


def module_path(node_name: str, root: str) -> str | None:
    """`/net/encoder/s4/s4.0/s4.0.0/Conv` -> `encoder.s4.0.0` (None when the name is not under `root`)."""
    parts = node_name.strip("/").split("/")
    if len(parts) < 3 or parts[0] != root:
        return None
    out: list[str] = []
    prev = ""
    for seg in parts[1:-1]:
        out.append(seg[len(prev) + 1 :] if prev and seg.startswith(prev + ".") else seg)
        prev = seg
    return ".".join(out)


def _following_bn(net: nn.Module, path: str) -> tuple[str, nn.BatchNorm2d] | None:
    """The BatchNorm2d right after the module at `path` in its parent Sequential, if any."""
    parent_path, _, last = path.rpartition(".")
    parent = net.get_submodule(parent_path) if parent_path else net
    if not isinstance(parent, nn.Sequential) or not last.isdigit():
        return None
    idx = int(last) + 1
    if idx < len(parent) and isinstance(parent[idx], nn.BatchNorm2d):
        return f"{parent_path}.{idx}", parent[idx]
    return None


def load_folded(
    net: nn.Module, onnx_path: str | Path, *, root: str = "net", training_only: Iterable[str] = ()
) -> list[str]:
    """Load a BN-folded ONNX graph into `net` (see the module docstring). Every Conv node must map to a
    Conv2d of `net` with the same weight shape, and every Conv2d outside `training_only` (module-path
    prefixes of parts the graph does not contain, e.g. a deep-supervision head) must be covered.
    Returns the names of the batch norms set to identity. Raises ArchitectureMismatch; `net` is changed
    only when everything fits."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(onnx_path))
    inits = {i.name: i for i in model.graph.initializer}
    convs = {n: m for n, m in net.named_modules() if isinstance(m, nn.Conv2d)}
    state = net.state_dict()
    covered: set[str] = set()
    identity: list[tuple[str, torch.Tensor]] = []
    for node in model.graph.node:
        if node.op_type == "BatchNormalization":
            raise ArchitectureMismatch(f"{Path(onnx_path).name} keeps BatchNormalization nodes (not folded)")
        if node.op_type != "Conv":
            continue
        path = module_path(node.name, root)
        if path is None or path not in convs:
            raise ArchitectureMismatch(f"conv node {node.name!r} names no convolution of the model")
        if path in covered:
            raise ArchitectureMismatch(f"convolution {path} appears twice in the graph")
        conv = convs[path]
        if len(node.input) < 2 or node.input[1] not in inits:
            raise ArchitectureMismatch(f"conv node {node.name!r} has no constant weight")
        w = torch.from_numpy(np.array(numpy_helper.to_array(inits[node.input[1]])))
        if tuple(w.shape) != tuple(conv.weight.shape):
            raise ArchitectureMismatch(
                f"{path}: weight {tuple(w.shape)} in the graph, {tuple(conv.weight.shape)} in the model"
            )
        b = None
        if len(node.input) > 2 and node.input[2]:
            b = torch.from_numpy(np.array(numpy_helper.to_array(inits[node.input[2]])))
        state[f"{path}.weight"] = w.to(conv.weight.dtype)
        covered.add(path)
        if conv.bias is not None:
            bias = b if b is not None else torch.zeros(conv.out_channels)
            state[f"{path}.bias"] = bias.to(conv.bias.dtype)
            continue
        bn = _following_bn(net, path)
        if bn is None:
            if b is not None and bool(b.abs().max() > 0):
                raise ArchitectureMismatch(f"{path} has no bias and no batch norm, but the graph has a bias")
            continue
        identity.append((bn[0], b if b is not None else torch.zeros(conv.out_channels)))
    skip = tuple(training_only)
    missing = [p for p in convs if p not in covered and not p.startswith(skip)]
    if missing:
        raise ArchitectureMismatch(f"the graph has no weights for {', '.join(missing[:4])}")
    for name, bias in identity:
        bn_mod = net.get_submodule(name)
        assert isinstance(bn_mod, nn.BatchNorm2d)
        state[f"{name}.weight"] = torch.ones_like(bn_mod.weight)
        state[f"{name}.bias"] = bias.to(bn_mod.bias.dtype)
        state[f"{name}.running_mean"] = torch.zeros_like(bn_mod.running_mean)
        state[f"{name}.running_var"] = torch.full_like(bn_mod.running_var, 1.0 - bn_mod.eps)
    net.load_state_dict(state)
    return [name for name, _ in identity]


@torch.no_grad()
def calibrate_identity_bn(net: nn.Module, names: Iterable[str], forward: Callable[[], object]) -> None:
    """Re-parametrise the batch norms `names` (from `load_folded`) with real statistics so that train
    mode behaves like eval mode (module docstring). `forward` runs `net` on a representative batch.

    Works for any current BN state: its eval function y = a x + c (a = g / sqrt(v + eps), c = beta - m a)
    is kept exactly, with the batch's mean M and biased variance V as the running statistics,
    gamma = a sqrt(V + eps) and beta = c + a M."""
    mods = {n: net.get_submodule(n) for n in names}
    stats: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}

    def hook(name: str) -> Callable[[nn.Module, tuple[torch.Tensor, ...]], None]:
        def run(_m: nn.Module, inp: tuple[torch.Tensor, ...]) -> None:
            x = inp[0].transpose(0, 1).flatten(1).double()
            stats[name] = (x.mean(1), x.var(1, unbiased=False))

        return run

    was_training = net.training
    handles = [m.register_forward_pre_hook(hook(n)) for n, m in mods.items()]
    try:
        net.eval()
        forward()
    finally:
        for h in handles:
            h.remove()
        net.train(was_training)
    for name, bn in mods.items():
        if name not in stats:
            continue
        assert isinstance(bn, nn.BatchNorm2d)
        mean, var = stats[name]
        a = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
        c = bn.bias.double() - bn.running_mean.double() * a
        bn.weight.copy_(a * torch.sqrt(var + bn.eps))
        bn.bias.copy_(c + a * mean)
        bn.running_mean.copy_(mean)
        bn.running_var.copy_(var)


def ort_max_diff(
    forward: Callable[[torch.Tensor], torch.Tensor], onnx_path: str | Path, x: np.ndarray
) -> float:
    """Max |forward(x) - ONNX Runtime(x)| (first input and output of the graph)."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = sess.run([sess.get_outputs()[0].name], {sess.get_inputs()[0].name: x})[0]
    with torch.no_grad():
        ref = forward(torch.from_numpy(x)).numpy()
    if ref.shape != got.shape:
        raise ArchitectureMismatch(f"output shape {got.shape} in the graph, {ref.shape} in the model")
    return float(np.abs(ref - got).max())


__all__ = [
    "ArchitectureMismatch",
    "calibrate_identity_bn",
    "load_by_name",
    "load_by_shape",
    "load_folded",
    "module_path",
    "ort_max_diff",
    "read_initializers",
    "widen_input_channels",
]
