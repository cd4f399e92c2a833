"""The layer tree: a `Layer` base with common properties, raster layers on tiled surfaces, groups.

Layer kinds register with `@layer_kind("name")`. Everything that treats layers generically (compositing,
OpenRaster files, duplication, canvas translation) goes through the methods defined here, so a new kind
(colorize layer, annotation layer, GANPaint layer) plugs in by subclassing `Layer` — no central if-chain.

Persisting a layer uses `export_state()` / `from_state()`: common properties, optional pixels (straight
RGBA uint8 plus their offset; OpenRaster stores them as the layer PNG so other programs see something),
namespaced string attributes for stack.xml and binary blobs stored as extra zip entries.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from paintgan.core.blend import is_blend_mode, resolve_mode, straight_u8_to_premul_f32
from paintgan.core.geometry import Rect
from paintgan.core.tiles import TiledSurface

if TYPE_CHECKING:
    from paintgan.core.document import Document

LAYER_KINDS: dict[str, type[Layer]] = {}
#: `file_attrs`: attributes a file gave the layer that we do not interpret (say Krita's), written back
#: unchanged on save ({attribute name: value}; replaced, never mutated).
COMMON_PROPS = ("name", "visible", "opacity", "blend_mode", "locked", "file_attrs")


def layer_kind(name: str) -> Callable[[type[Layer]], type[Layer]]:
    """Class decorator registering a layer kind under `name` (used by files and duplication)."""

    def register(cls: type[Layer]) -> type[Layer]:
        cls.kind = name
        LAYER_KINDS[name] = cls
        return cls

    return register


@dataclass
class LayerState:
    """A layer's persistent state, independent of any file format."""

    kind: str
    props: dict[str, Any]
    pixels: np.ndarray | None = None  # straight RGBA uint8
    offset: tuple[int, int] = (0, 0)
    attrs: dict[str, str] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    children: list[LayerState] = field(default_factory=list)
    #: Identity kept by files (so layers can refer to each other across save/open); None = a new id.
    layer_id: str | None = None


class Layer:
    kind: ClassVar[str] = "layer"
    #: The properties `props()` reports and `set_props()` accepts (kinds may add their own).
    PROPS: ClassVar[tuple[str, ...]] = COMMON_PROPS

    def __init__(self, name: str = "Layer", *, visible: bool = True, opacity: float = 1.0,
                 blend_mode: str = "normal", locked: bool = False) -> None:
        self.id = uuid.uuid4().hex
        self.name = name
        self.visible = visible
        self.opacity = float(opacity)
        if not is_blend_mode(blend_mode):
            raise ValueError(f"unknown blend mode {blend_mode!r}")
        self.blend_mode = blend_mode
        self.locked = locked
        self.file_attrs: dict[str, str] = {}
        self.parent: GroupLayer | None = None
        self._document: Document | None = None  # set on the root group only

    # -- tree ------------------------------------------------------------------------------------
    @property
    def document(self) -> Document | None:
        node: Layer = self
        while node.parent is not None:
            node = node.parent
        return node._document

    def index_in_parent(self) -> int:
        if self.parent is None:
            return -1
        return self.parent.children.index(self)

    def ancestors_visible(self) -> bool:
        node: Layer | None = self
        while node is not None:
            if not node.visible:
                return False
            node = node.parent
        return True

    # -- properties ------------------------------------------------------------------------------
    def props(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.PROPS}

    def set_props(self, **props: Any) -> None:
        for k, v in props.items():
            if k not in self.PROPS:
                raise KeyError(f"unknown layer property {k!r}")
            if k == "blend_mode" and not is_blend_mode(v):
                raise ValueError(f"unknown blend mode {v!r}")
            if k == "file_attrs":
                v = {str(a): str(b) for a, b in dict(v).items()}
            if k == "opacity":
                v = min(1.0, max(0.0, float(v)))
            setattr(self, k, v)
        self.notify("properties", self.bounds())

    # -- events ----------------------------------------------------------------------------------
    def notify(self, kind: str, rect: Rect | None = None) -> None:
        doc = self.document
        if doc is not None:
            doc.emit(kind, self, rect)

    # -- to override -----------------------------------------------------------------------------
    #: True when the layer's content is an RGBA8 image that `read_u8` returns; displays then composite it
    #: in 8 bits instead of through `render`.
    has_u8_pixels: ClassVar[bool] = False

    def read_u8(self, rect: Rect) -> np.ndarray | None:
        """Straight RGBA uint8 (h, w, 4) of the layer inside `rect`, None when it has nothing there
        (only for kinds with `has_u8_pixels`)."""
        raise NotImplementedError

    def render(self, rect: Rect) -> np.ndarray | None:
        """Premultiplied float32 (h, w, 4) of this layer inside `rect` (document coordinates),
        before the layer's own opacity/blend; None when the layer has nothing there."""
        return None

    def bounds(self) -> Rect | None:
        """Document-space bounds of the content, or None when empty."""
        return None

    def translate(self, dx: int, dy: int) -> None:
        """Move the content by whole pixels (canvas resize/crop)."""

    def nbytes(self) -> int:
        return 0

    def copy(self) -> Layer:
        """An independent duplicate (new id); pixel data is shared copy-on-write where possible."""
        dup = type(self).from_state(self.export_state())
        dup.name = f"{self.name} copy"
        return dup

    def export_state(self) -> LayerState:
        return LayerState(self.kind, self.props())

    @classmethod
    def from_state(cls, state: LayerState) -> Layer:
        layer = cls()
        layer._apply_common(state.props)
        return layer

    def _apply_common(self, props: dict[str, Any]) -> None:
        for k in self.PROPS:
            if k in props:
                setattr(self, k, dict(props[k]) if k == "file_attrs" else props[k])
        if not is_blend_mode(self.blend_mode):
            self.blend_mode = "normal"
        self.opacity = min(1.0, max(0.0, float(self.opacity)))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.id[:6]}>"


@layer_kind("raster")
class RasterLayer(Layer):
    """A paint layer: a tiled RGBA8 surface placed at an integer offset in the document."""

    def __init__(self, name: str = "Layer", **kw: Any) -> None:
        super().__init__(name, **kw)
        self.surface = TiledSurface()
        self.x = 0
        self.y = 0

    @classmethod
    def from_pixels(cls, name: str, pixels: np.ndarray, x: int = 0, y: int = 0, **kw: Any) -> RasterLayer:
        layer = cls(name, **kw)
        layer.surface.write(0, 0, as_rgba8(pixels))
        layer.surface.snapshot()
        layer.x, layer.y = x, y
        return layer

    def to_local(self, rect: Rect) -> Rect:
        return rect.translated(-self.x, -self.y)

    def to_doc(self, rect: Rect) -> Rect:
        return rect.translated(self.x, self.y)

    def read(self, rect: Rect) -> np.ndarray:
        """Straight RGBA uint8 pixels of `rect` in document coordinates."""
        return self.surface.read(self.to_local(rect))

    def write(self, x: int, y: int, pixels: np.ndarray) -> Rect:
        """Write straight RGBA uint8 pixels at document position (x, y) and announce the change."""
        local = self.surface.write(x - self.x, y - self.y, as_rgba8(pixels))
        rect = self.to_doc(local)
        self.notify("pixels", rect)
        return rect

    has_u8_pixels = True

    def read_u8(self, rect: Rect) -> np.ndarray | None:
        buf = np.zeros((rect.h, rect.w, 4), np.uint8)
        if not self.surface.read_into(self.to_local(rect), buf):
            return None
        return buf

    def render(self, rect: Rect) -> np.ndarray | None:
        buf = self.read_u8(rect)
        return None if buf is None else straight_u8_to_premul_f32(buf)

    def bounds(self) -> Rect | None:
        b = self.surface.bbox()
        return None if b is None else self.to_doc(b)

    def translate(self, dx: int, dy: int) -> None:
        self.x += dx
        self.y += dy

    def nbytes(self) -> int:
        return self.surface.nbytes()

    def export_state(self) -> LayerState:
        b = self.surface.content_bbox()
        if b is None:
            return LayerState(self.kind, self.props(), None, (self.x, self.y))
        return LayerState(self.kind, self.props(), self.surface.read(b), (b.x + self.x, b.y + self.y))

    def copy(self) -> RasterLayer:
        dup = RasterLayer(f"{self.name} copy")
        dup._apply_common({k: v for k, v in self.props().items() if k != "name"})
        dup.surface.restore(self.surface.snapshot())
        dup.x, dup.y = self.x, self.y
        return dup

    @classmethod
    def from_state(cls, state: LayerState) -> RasterLayer:
        layer = cls()
        layer._apply_common(state.props)
        if state.pixels is not None:
            layer.surface.write(0, 0, as_rgba8(state.pixels))
            layer.surface.snapshot()
        layer.x, layer.y = state.offset
        return layer


class ResultImageLayer(Layer):
    """Base of model-backed layers (colorize, GANPaint): they show a cached straight-RGBA8 image `result`
    (document-sized, at (0, 0); None: nothing yet) that a computation produced, not painted tiles."""

    result: np.ndarray | None = None
    has_u8_pixels = True

    def read_u8(self, rect: Rect) -> np.ndarray | None:
        if self.result is None:
            return None
        h, w = self.result.shape[:2]
        inter = rect.intersected(Rect(0, 0, w, h))
        if inter.is_empty():
            return None
        out = np.zeros((rect.h, rect.w, 4), np.uint8)
        out[inter.y - rect.y:inter.y1 - rect.y, inter.x - rect.x:inter.x1 - rect.x] = \
            self.result[inter.y:inter.y1, inter.x:inter.x1]
        return out

    def render(self, rect: Rect) -> np.ndarray | None:
        buf = self.read_u8(rect)
        return None if buf is None else straight_u8_to_premul_f32(buf)

    def bounds(self) -> Rect | None:
        if self.result is None:
            return None
        h, w = self.result.shape[:2]
        return Rect(0, 0, w, h)

    #: A stored result placed farther than this from the page origin is dropped (recomputed) rather than
    #: padded: a file could otherwise ask for a terabyte-sized cache with a large offset.
    MAX_RESULT_OFFSET = 1 << 15

    def restore_result(self, state: LayerState, stale: bool) -> None:
        """Take the cached result from a saved state (its pixels at its offset, kept document-anchored at
        (0, 0)); with no usable pixels the layer is stale and will be recomputed."""
        if state.pixels is None:
            self.stale = True
            return
        px = as_rgba8(state.pixels)
        ox, oy = state.offset
        if (ox, oy) != (0, 0):
            if not (0 <= ox <= self.MAX_RESULT_OFFSET and 0 <= oy <= self.MAX_RESULT_OFFSET):
                self.stale = True
                return
            h, w = px.shape[:2]
            full = np.zeros((h + oy, w + ox, 4), np.uint8)
            full[oy:oy + h, ox:ox + w] = px
            px = full
        self.result = px
        self.result_generation = 0
        self.stale = stale


@layer_kind("group")
class GroupLayer(Layer):
    """A group composites its children (bottom first). An isolated group (the default) does so on its own,
    then blends the result as one layer; a pass-through group (`isolated=False`, OpenRaster
    `isolation="auto"`) composites its children straight onto the backdrop, as Krita does: each child's
    opacity times the group's, the group's own blend mode unused."""

    PROPS = (*COMMON_PROPS, "isolated")

    def __init__(self, name: str = "Group", *, isolated: bool = True, **kw: Any) -> None:
        super().__init__(name, **kw)
        self.isolated = bool(isolated)
        self.children: list[Layer] = []  # index 0 is the bottom of the stack

    def insert(self, index: int, layer: Layer) -> None:
        if layer.parent is not None:
            raise ValueError(f"{layer!r} already has a parent")
        if self._is_ancestor_or_self(layer):
            raise ValueError("a group cannot contain itself")
        self.children.insert(index, layer)
        layer.parent = self

    def remove(self, layer: Layer) -> int:
        index = self.children.index(layer)
        del self.children[index]
        layer.parent = None
        return index

    def _is_ancestor_or_self(self, layer: Layer) -> bool:
        node: Layer | None = self
        while node is not None:
            if node is layer:
                return True
            node = node.parent
        return False

    def walk(self) -> Iterator[Layer]:
        """All descendants, depth first, bottom to top (children before later siblings)."""
        for child in self.children:
            yield child
            if isinstance(child, GroupLayer):
                yield from child.walk()

    def render(self, rect: Rect) -> np.ndarray | None:
        return _composite_children(None, self.children, rect, 1.0)

    def bounds(self) -> Rect | None:
        return Rect.union_all(c.bounds() for c in self.children)

    def translate(self, dx: int, dy: int) -> None:
        for c in self.children:
            c.translate(dx, dy)

    def nbytes(self) -> int:
        return sum(c.nbytes() for c in self.children)

    def export_state(self) -> LayerState:
        return LayerState(self.kind, self.props(), children=[c.export_state() for c in self.children])

    def copy(self) -> GroupLayer:
        dup = GroupLayer(f"{self.name} copy")
        dup._apply_common({k: v for k, v in self.props().items() if k != "name"})
        for c in self.children:
            child = c.copy()
            child.name = c.name
            dup.insert(len(dup.children), child)
        return dup

    @classmethod
    def from_state(cls, state: LayerState) -> GroupLayer:
        group = cls()
        group._apply_common(state.props)
        for child_state in state.children:
            group.insert(len(group.children), layer_from_state(child_state))
        return group


def _composite_children(acc: np.ndarray | None, children: list[Layer], rect: Rect, opacity: float
                        ) -> np.ndarray | None:
    """Blend `children` (bottom first, their opacity times `opacity`) onto premultiplied `acc` (None:
    transparent); pass-through groups put their own children straight onto `acc`."""
    for child in children:
        alpha = child.opacity * opacity
        if not child.visible or alpha <= 0.0:
            continue
        if not getattr(child, "isolated", True):
            acc = _composite_children(acc, child.children, rect, alpha)  # type: ignore[attr-defined]
            continue
        src = child.render(rect)
        if src is None:
            continue
        if alpha < 1.0:
            src *= np.float32(alpha)
        mode = resolve_mode(child.blend_mode)
        if acc is None:  # over a transparent backdrop most modes yield the source, the others nothing
            acc = src if mode.over_empty_is_src else None
            continue
        acc = mode.fn(src, acc)
    return acc


def layer_from_state(state: LayerState) -> Layer:
    """Rebuild a layer of any registered kind; unknown kinds load as raster layers with their pixels."""
    cls = LAYER_KINDS.get(state.kind, RasterLayer)
    layer = cls.from_state(state)
    if state.layer_id:
        layer.id = state.layer_id
    return layer


def as_rgba8(pixels: np.ndarray) -> np.ndarray:
    """Accept (h, w), (h, w, 3) or (h, w, 4) uint8 and return (h, w, 4) uint8 straight RGBA."""
    px = np.asarray(pixels)
    if px.dtype != np.uint8:
        raise TypeError(f"expected uint8 pixels, got {px.dtype}")
    if px.ndim == 2:
        px = np.repeat(px[:, :, None], 3, axis=2)
    if px.shape[2] == 3:
        px = np.concatenate([px, np.full((*px.shape[:2], 1), 255, np.uint8)], axis=2)
    if px.shape[2] != 4:
        raise ValueError(f"expected 1, 3 or 4 channels, got shape {px.shape}")
    return np.ascontiguousarray(px)
