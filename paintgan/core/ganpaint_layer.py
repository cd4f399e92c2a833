"""The GANPaint layer: a generated scene (model + seed) and the ordered GAN edit strokes painted into it,
with a cached rendered result and a stale flag (like the colorize layer). Qt-free.

A `GanStroke` is one pen-down..pen-up of the GAN brush: concept, mode ("draw" | "remove"), intensity
(low/medium/high = how many units move), strength in [0, 1] and its mask, uint8 at the model's image
resolution (H, W) — the engine max-pools it to the feature grid anyway — plus the brush path and width in
document pixels (kept for reference; the mask is what counts). Strokes are immutable; the layer holds a
tuple of them, so a command's before/after states share the masks.

Commands (`paintgan.commands.ganpaint`) change the scene only through `set_scene()`, which bumps
`generation`, marks the layer stale and emits a "hints" change (the change kind model-backed layers use for
"my inputs changed, no pixels yet"); whoever owns a `GanPainter` (the GUI's worker, the CLI) computes the
image for that generation — `job()` snapshots the inputs and returns a function for any thread, `compute()`
runs it — and stores it with `set_result()`, which ignores results of older generations. The layer renders
its cached result: the model image scaled to the document size.

Persistence (OpenRaster through `export_state()` / `from_state()`): attributes `model`, `seed`,
`image-size` ("WxH"), `stale`; blob `ganpaint.json` `{"version": 1, "model", "seed", "image_size": [W, H],
"strokes": [{"concept", "mode", "intensity", "strength", "width", "points": [[x, y], ...], "mask": i}]}`
and blob `masks.npz` (numpy `savez_compressed`, array `masks` uint8 [N, H, W], loaded without pickle);
the cached result is stored as the layer's pixels, so Krita and GIMP show the picture.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from paintgan import limits
from paintgan.core.engines import engine as provided
from paintgan.core.engines import plain_model_name
from paintgan.core.geometry import Rect
from paintgan.core.layers import LayerState, ResultImageLayer, as_rgba8, layer_kind

if TYPE_CHECKING:
    from paintgan.core.document import Document

MODES = ("draw", "remove")
INTENSITIES = ("low", "medium", "high")
STATE_BLOB = "ganpaint.json"
MASKS_BLOB = "masks.npz"
FORMAT = 1
DISPLAY_LONG_SIDE = 512  # a new scene's document: the model image times an integer factor, about this big


class GanPaintFormatError(ValueError):
    pass


def display_factor(image_size: tuple[int, int], long_side: int = DISPLAY_LONG_SIDE) -> int:
    """The integer scale from model pixels to document pixels for a new scene (128² -> 4, 64² -> 8)."""
    return max(1, round(long_side / max(image_size)))


_DIGESTS: dict[int, tuple[np.ndarray, bytes]] = {}  # frozen mask -> digest, for masks many strokes share


def _mask_digest(m: np.ndarray) -> bytes:
    """A digest of a frozen mask's bytes, computed once per mask object (a file may give hundreds of strokes
    the same mask; hashing it for each would cost seconds). The few newest masks are remembered."""
    hit = _DIGESTS.get(id(m))
    if hit is not None and hit[0] is m:
        return hit[1]
    digest = hashlib.blake2b(memoryview(m).cast("B"), digest_size=16).digest()
    if len(_DIGESTS) >= 8:
        del _DIGESTS[next(iter(_DIGESTS))]
    _DIGESTS[id(m)] = (m, digest)
    return digest


@dataclass(frozen=True, eq=False)
class GanStroke:
    concept: str
    mode: str
    intensity: str
    strength: float
    mask: np.ndarray  # uint8 (H, W) at the model's image resolution
    points: tuple[tuple[float, float], ...] = ()
    width: float = 0.0
    key: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"GAN stroke mode must be draw or remove, got {self.mode!r}")
        if self.intensity not in INTENSITIES:
            raise ValueError(f"intensity must be low, medium or high, got {self.intensity!r}")
        m = np.asarray(self.mask)
        if m.ndim != 2 or m.size == 0:
            raise ValueError(f"a GAN stroke mask must be 2-D, got shape {m.shape}")
        if m.dtype != np.uint8:
            m = (np.clip(m.astype(np.float32), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        if m.flags.writeable or m.base is not None or not m.flags.c_contiguous:
            m = np.array(m, copy=True)  # our own frozen copy; one that already is one stays shared
            m.setflags(write=False)
        object.__setattr__(self, "mask", m)
        object.__setattr__(self, "strength", float(np.clip(float(self.strength), 0.0, 1.0)))
        object.__setattr__(self, "points", tuple((float(x), float(y)) for x, y in self.points))
        h = hashlib.blake2b(_mask_digest(m), digest_size=12)
        h.update(repr((self.concept, self.mode, self.intensity, self.strength, m.shape)).encode())
        object.__setattr__(self, "key", h.hexdigest())

    def to_edit(self) -> Any:
        """The engine's `Edit` (mask as float in [0, 1])."""
        return provided("ganpaint.edit")(self.concept, self.mode, self.mask.astype(np.float32) / 255.0,
                                         self.strength, self.intensity)

    def describe(self) -> str:
        return f"{self.mode} {self.concept}"


# ----------------------------------------------------------------------------------------- masks
def paint_segment(mask: np.ndarray, p0: tuple[float, float], p1: tuple[float, float], radius: float
                  ) -> Rect | None:
    """Paint an anti-aliased capsule (segment p0-p1, `radius`) into float32 `mask` (model pixels, pixel
    centres at i + 0.5) in place with max(); returns the touched rectangle or None."""
    h, w = mask.shape
    r = max(0.5, float(radius))
    x0, y0 = p0
    x1, y1 = p1
    bx0 = max(0, int(np.floor(min(x0, x1) - r - 1)))
    by0 = max(0, int(np.floor(min(y0, y1) - r - 1)))
    bx1 = min(w, int(np.ceil(max(x0, x1) + r + 1)))
    by1 = min(h, int(np.ceil(max(y0, y1) + r + 1)))
    if bx1 <= bx0 or by1 <= by0:
        return None
    ys = np.arange(by0, by1, dtype=np.float32)[:, None] + 0.5
    xs = np.arange(bx0, bx1, dtype=np.float32)[None, :] + 0.5
    dx, dy = x1 - x0, y1 - y0
    ll = dx * dx + dy * dy
    if ll > 1e-12:
        t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / ll, 0.0, 1.0)
        d = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))
    else:
        d = np.hypot(xs - x0, ys - y0)
    cover = np.clip(r + 0.5 - d, 0.0, 1.0).astype(np.float32)
    view = mask[by0:by1, bx0:bx1]
    np.maximum(view, cover, out=view)
    return Rect(bx0, by0, bx1 - bx0, by1 - by0)


def stroke_mask(points: Sequence[tuple[float, float]], width: float, image_size: tuple[int, int],
                scale: float = 1.0) -> np.ndarray:
    """uint8 (H, W) mask of a brush path: `points` and `width` (diameter) in document pixels, `scale`
    document pixels per model pixel."""
    m = np.zeros(image_size, np.float32)
    pts = [(x / scale, y / scale) for x, y in points]
    r = width / 2.0 / scale
    if len(pts) == 1:
        paint_segment(m, pts[0], pts[0], r)
    for a, b in itertools.pairwise(pts):
        paint_segment(m, a, b, r)
    return (m * 255.0 + 0.5).astype(np.uint8)


def upscale(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(h, w, 3|4) uint8 -> (H, W) = size, bicubic (nearest when the size is unchanged)."""
    H, W = size
    if image.shape[:2] == (H, W):
        return image
    import cv2

    return np.ascontiguousarray(cv2.resize(image, (W, H), interpolation=cv2.INTER_CUBIC))


# ----------------------------------------------------------------------------------------- layer
@layer_kind("ganpaint")
class GanPaintLayer(ResultImageLayer):
    def __init__(self, name: str = "GANPaint", *, model: str = "ganpaint", seed: int = 0,
                 image_size: tuple[int, int] = (64, 64), strokes: Sequence[GanStroke] = (),
                 **kw: Any) -> None:
        super().__init__(name, **kw)
        self.model = str(model)
        self.seed = int(seed)
        self.image_size = (int(image_size[0]), int(image_size[1]))  # (H, W) of the model's images
        self.strokes: tuple[GanStroke, ...] = tuple(strokes)
        self.result: np.ndarray | None = None  # straight RGBA uint8, document-sized, at (0, 0)
        self.image: np.ndarray | None = None  # (H, W, 3) uint8 at model resolution, matching `result`
        self.result_generation = -1
        self.stale = True
        self.generation = 0

    # -- scene ----------------------------------------------------------------------------------
    def scene(self) -> tuple[int, tuple[GanStroke, ...]]:
        return self.seed, self.strokes

    def set_scene(self, seed: int, strokes: Sequence[GanStroke]) -> None:
        """Replace seed and strokes, mark the result stale and announce a "hints" change."""
        self.seed = int(seed)
        self.strokes = tuple(strokes)
        self.mark_stale()

    def mark_stale(self) -> None:
        self.generation += 1
        self.stale = True
        self.notify("hints", None)

    def scene_key(self) -> tuple[Any, ...]:
        """Identifies the image the scene renders to (for result caches)."""
        return (self.model, self.seed, self.image_size, tuple(s.key for s in self.strokes))

    def display_size(self, doc: Document | None = None) -> tuple[int, int]:
        """(H, W) of the cached result: the document's size, else the model's image size."""
        doc = doc or self.document
        return (doc.height, doc.width) if doc is not None else self.image_size

    def display_scale(self, doc: Document | None = None) -> tuple[float, float]:
        """Document pixels per model pixel (sy, sx)."""
        h, w = self.display_size(doc)
        return h / self.image_size[0], w / self.image_size[1]

    def edits(self, extra: Sequence[GanStroke] = ()) -> list[Any]:
        return [s.to_edit() for s in (*self.strokes, *extra)]

    # -- result ---------------------------------------------------------------------------------
    def set_result(self, image: np.ndarray | None, generation: int | None = None, *,
                   rgba: np.ndarray | None = None, live: bool = False) -> bool:
        """Store the rendered model image (H, W, 3) for `generation` (default: the current one) and its
        document-sized RGBA (computed here when not given). Older generations are ignored (False).
        `live=True`: a preview of a stroke in progress — shown, but the layer stays stale."""
        gen = self.generation if generation is None else int(generation)
        if gen < self.generation:
            return False
        old = self.bounds()
        if image is None:
            self.image = None
            self.result = None
        else:
            self.image = np.ascontiguousarray(image[..., :3])
            if rgba is None:
                rgba = as_rgba8(upscale(self.image, self.display_size()))
            self.result = as_rgba8(np.asarray(rgba))
        self.result_generation = gen
        self.stale = live or gen != self.generation
        self.notify("pixels", Rect.union_all([old, self.bounds()]))
        return True

    def job(self, painter: Any = None, extra: Sequence[GanStroke] = (),
            size: tuple[int, int] | None = None) -> tuple[int, Callable[[], tuple[np.ndarray, np.ndarray]]]:
        """(generation, fn): the scene snapshotted now, and a function for any thread returning
        (image (H, W, 3), document-sized RGBA). `painter` is a `GanPainter` (made from the layer's model
        name when None); `extra` strokes (the one being painted) are applied after the layer's own."""
        seed, strokes, model = self.seed, (*self.strokes, *extra), self.model
        size = size or self.display_size()

        def run() -> tuple[np.ndarray, np.ndarray]:
            eng = painter if painter is not None else provided("ganpaint.painter")(model)
            edits = [s.to_edit() for s in strokes]
            image = eng.edit(seed, edits) if edits else eng.generate(seed)
            return image, as_rgba8(upscale(image, size))

        return self.generation, run

    def compute(self, painter: Any = None) -> np.ndarray:
        """Render synchronously and store the result; returns the model-resolution image."""
        gen, fn = self.job(painter)
        image, rgba = fn()
        self.set_result(image, gen, rgba=rgba)
        return image

    # -- layer protocol (read_u8/render/bounds come from ResultImageLayer) -----------------------
    def translate(self, dx: int, dy: int) -> None:
        """Canvas resize/crop: the scene is re-rendered at the new page size (the strokes live in model
        pixels, so they do not move)."""
        self.result = None
        self.result_generation = -1
        self.mark_stale()

    def nbytes(self) -> int:
        n = sum(int(s.mask.nbytes) + 64 for s in self.strokes)
        for arr in (self.result, self.image):
            if arr is not None:
                n += int(arr.nbytes)
        return n

    # -- persistence ----------------------------------------------------------------------------
    def export_state(self) -> LayerState:
        h, w = self.image_size
        attrs = {"model": self.model, "seed": str(self.seed), "image-size": f"{w}x{h}",
                 "stale": "true" if self.stale else "false"}
        blobs = {STATE_BLOB: dump_scene(self.model, self.seed, self.image_size, self.strokes)}
        if self.strokes:
            blobs[MASKS_BLOB] = dump_masks(self.strokes)
        return LayerState(self.kind, self.props(), None if self.result is None else self.result.copy(),
                          (0, 0), attrs, blobs)

    @classmethod
    def from_state(cls, state: LayerState) -> GanPaintLayer:
        a = state.attrs
        layer = cls()
        layer._apply_common(state.props)
        layer.model = plain_model_name(a.get("model"), "ganpaint")
        with contextlib.suppress(ValueError):
            layer.seed = int(a.get("seed", "0"))
        with contextlib.suppress(ValueError):
            w, h = (int(v) for v in a.get("image-size", "").lower().split("x"))
            layer.image_size = (h, w)
        blob = state.blobs.get(STATE_BLOB)
        if blob:
            model, seed, size, strokes = parse_scene(blob, state.blobs.get(MASKS_BLOB),
                                                     f"layer {layer.name!r}")
            layer.model, layer.seed, layer.image_size, layer.strokes = model, seed, size, strokes
        layer.restore_result(state, stale=a.get("stale", "false") == "true")
        return layer

    def copy(self) -> GanPaintLayer:
        dup = GanPaintLayer.from_state(self.export_state())
        dup.name = f"{self.name} copy"
        dup.image = None if self.image is None else self.image.copy()
        return dup


# ----------------------------------------------------------------------------------------- files
def dump_scene(model: str, seed: int, image_size: tuple[int, int], strokes: Sequence[GanStroke]) -> bytes:
    h, w = image_size
    body = {
        "version": FORMAT, "model": model, "seed": int(seed), "image_size": [w, h],
        "strokes": [{"concept": s.concept, "mode": s.mode, "intensity": s.intensity,
                     "strength": round(s.strength, 4), "width": round(s.width, 3),
                     "points": [[round(x, 2), round(y, 2)] for x, y in s.points], "mask": i}
                    for i, s in enumerate(strokes)],
    }
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def dump_masks(strokes: Sequence[GanStroke]) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, masks=np.stack([s.mask for s in strokes]).astype(np.uint8))
    return buf.getvalue()


def parse_scene(blob: bytes, masks_blob: bytes | None, what: str = "GANPaint layer"
                ) -> tuple[str, int, tuple[int, int], tuple[GanStroke, ...]]:
    """Inverse of `dump_scene` / `dump_masks`; GanPaintFormatError with a readable message on bad data."""
    try:
        body = json.loads(blob.decode("utf-8"))
        if not isinstance(body, dict):
            raise ValueError("not a JSON object")
        if int(body.get("version", 1)) > FORMAT:
            raise ValueError(f"written by a newer PaintGAN (format {body['version']})")
        model = plain_model_name(body.get("model"), "ganpaint")
        seed = int(body.get("seed", 0))
        w, h = (int(v) for v in body["image_size"])
        side = limits.limit("GAN_IMAGE_SIDE")
        if not (0 < w <= side and 0 < h <= side):
            raise ValueError(f"image_size {w}×{h} is outside 1..{side:.0f} (limit GAN_IMAGE_SIDE)")
        items = list(body.get("strokes") or [])
        limits.check("GAN_STROKES", len(items), what, "the number of strokes")
        masks: np.ndarray | None = None
        if items:
            if not masks_blob:
                raise ValueError(f"{len(items)} strokes but no {MASKS_BLOB}")
            masks = _load_masks(masks_blob, (h, w), what)
        strokes = []
        shared: dict[int, np.ndarray] = {}  # strokes naming the same mask share one array
        for item in items:
            assert masks is not None
            i = int(item["mask"])
            if not 0 <= i < len(masks):
                raise ValueError(f"stroke refers to mask {i} of {len(masks)}")
            if i not in shared:
                shared[i] = np.array(masks[i])
                shared[i].setflags(write=False)
            pts = tuple((float(p[0]), float(p[1])) for p in item.get("points", []))
            strokes.append(GanStroke(str(item["concept"]), str(item.get("mode", "draw")),
                                     str(item.get("intensity", "medium")), float(item.get("strength", 1.0)),
                                     shared[i], pts, float(item.get("width", 0.0))))
    except GanPaintFormatError:
        raise
    except (ValueError, KeyError, TypeError, IndexError, OSError, UnicodeDecodeError, ArithmeticError,
            RecursionError, EOFError, zipfile.BadZipFile) as exc:
        raise GanPaintFormatError(f"GANPaint data of {what} is malformed: {exc}") from None
    return model, seed, (h, w), tuple(strokes)


def _load_masks(blob: bytes, size: tuple[int, int], what: str) -> np.ndarray:
    """The [N, H, W] uint8 masks of a masks.npz, refused from its header (before inflating anything) when
    the shape is not N masks of the model's image size or the data would exceed GAN_MASK_BYTES."""
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        if "masks.npy" not in z.namelist():
            raise ValueError("masks.npz has no 'masks' array")
        with z.open("masks.npy") as f:
            version = np.lib.format.read_magic(f)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, _fortran, dtype = read_header(f)  # the header only: nothing inflated yet
    if dtype != np.uint8 or len(shape) != 3 or tuple(shape[1:]) != size:
        raise ValueError(f"masks must be uint8 [N, {size[0]}, {size[1]}], got {dtype} {tuple(shape)}")
    limits.check("GAN_MASK_BYTES", int(np.prod(shape, dtype=np.float64)), what, "the masks' size (bytes)")
    with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
        masks = np.asarray(npz["masks"])
    if masks.dtype != np.uint8 or masks.shape != tuple(shape):
        raise ValueError(f"masks.npz does not hold what its header says ({masks.dtype} {masks.shape})")
    return masks


def ganpaint_layers(doc: Document) -> list[GanPaintLayer]:
    return [lay for lay in doc.layers() if isinstance(lay, GanPaintLayer)]


def target_layer(doc: Document) -> GanPaintLayer | None:
    """The GANPaint layer tools work on: the active one, else the topmost one."""
    active = doc.active_layer
    if isinstance(active, GanPaintLayer):
        return active
    layers = ganpaint_layers(doc)
    return layers[-1] if layers else None
