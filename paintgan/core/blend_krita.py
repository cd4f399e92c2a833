"""Krita's blending modes beyond the original eight, so `.ora` files from Krita render as Krita renders them.

Each mode is Krita's own formula (pigment's `KoCompositeOpFunctions.h`, `KoColorSpaceMaths.h`) on straight
colours in [0, 1], put into the W3C source-over formula by `_sc` (Krita's `KoCompositeOpGenericSC` /
`KoCompositeOpGenericHSL`, which do the same). Constants follow Krita's 8-bit documents (the default
for OpenRaster, which Krita opens as 8-bit sRGB): "half" is 127/255 where Krita compares or offsets with
it. The Porter-Duff operators (dst-in, erase, src-atop, dst-atop, xor) work on premultiplied pixels
directly.

Names saved: the svg: names Krita's OpenRaster writer uses where it has one, `krita:<id>` otherwise
(`kis_open_raster_stack_save_visitor.cpp`), so a file round-trips through Krita unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from paintgan.core.blend import BlendFn, _separable, blend_mode

#: B(src, dst) on straight colours (Krita's argument order)
Cf = Callable[[np.ndarray, np.ndarray], np.ndarray]

_HALF = np.float32(127.0 / 255.0)  # Krita's halfValue<quint8>
_ABOVE_HALF = np.float32(127.5 / 255.0)  # "> 127" in 8 bits, safe from float rounding
_BELOW_HALF = np.float32(126.5 / 255.0)  # "< 127" in 8 bits
_EPS = np.float32(1e-6)


def _straight(px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Straight colour (…, 3) in [0, 1] and alpha (…, 1) of premultiplied pixels."""
    a = px[..., 3:4]
    c = np.divide(px[..., :3], a, out=np.zeros((*px.shape[:-1], 3), np.float32), where=a > 0)
    np.clip(c, 0.0, 1.0, out=c)
    return c, a


def _sc(cf: Cf) -> BlendFn:
    """A blend function from Krita's per-channel (or whole-colour) function `cf(Cs, Cb)`."""

    def fn(s: np.ndarray, d: np.ndarray) -> np.ndarray:
        cs, sa = _straight(s)
        cb, da = _straight(d)
        b = np.clip(cf(cs, cb), 0.0, 1.0)
        both = sa * da
        mixed = np.empty_like(s)
        np.multiply(b, both, out=mixed[..., :3])
        mixed[..., 3:4] = both
        return _separable(s, d, mixed)

    fn.__doc__ = cf.__doc__
    return fn


def _register(name: str, ora_op: str, label: str, category: str, krita_id: str | None = None
              ) -> Callable[[Cf], Cf]:
    def deco(cf: Cf) -> Cf:
        blend_mode(name, ora_op, label, category=category, krita_id=krita_id)(_sc(cf))
        return cf

    return deco


def _krita(krita_id: str, label: str, category: str, name: str | None = None) -> Callable[[Cf], Cf]:
    """A mode Krita saves as `krita:<id>`; our name is the id with spaces as underscores."""
    return _register(name or krita_id.replace(" ", "_"), f"krita:{krita_id}", label, category)


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.ones_like(a), where=b > _EPS)


# ---- Lighten / darken ---------------------------------------------------------------------------------
@_register("color_dodge", "svg:color-dodge", "Color Dodge", "Lighten", "dodge")
def color_dodge(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.where(d <= 0.0, 0.0, np.where(s >= 1.0, 1.0, _safe_div(d, 1.0 - s)))


@_register("color_burn", "svg:color-burn", "Color Burn", "Darken", "burn")
def color_burn(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    burnt = 1.0 - np.minimum(_safe_div(1.0 - d, s), 1.0)
    return np.where(d >= 1.0, 1.0, np.where(s < 1.0 - d, 0.0, burnt))


@_register("hard_light", "svg:hard-light", "Hard Light", "Lighten", "hard_light")
def hard_light(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    s2 = s + s
    return np.where(s > 0.5, (s2 - 1.0) + d - (s2 - 1.0) * d, s2 * d)


@_register("soft_light", "svg:soft-light", "Soft Light (SVG)", "Lighten", "soft_light_svg")
def soft_light_svg(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    dd = np.where(d > 0.25, np.sqrt(d), ((16.0 * d - 12.0) * d + 4.0) * d)
    return np.where(s > 0.5, d + (2.0 * s - 1.0) * (dd - d), d - (1.0 - 2.0 * s) * d * (1.0 - d))


@_krita("soft_light", "Soft Light (Photoshop)", "Lighten", name="soft_light_photoshop")
def soft_light_photoshop(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.where(s > 0.5, d + (2.0 * s - 1.0) * (np.sqrt(d) - d), d - (1.0 - 2.0 * s) * d * (1.0 - d))


@_krita("linear_dodge", "Linear Dodge", "Lighten")
def linear_dodge(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return s + d


@_krita("linear_burn", "Linear Burn", "Darken")
def linear_burn(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return s + d - 1.0


@_krita("linear light", "Linear Light", "Lighten")
def linear_light(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return s + s + d - 1.0


@_krita("vivid_light", "Vivid Light", "Lighten")
def vivid_light(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    low = np.where(s <= _EPS, np.where(d >= 1.0, 1.0, 0.0), 1.0 - _safe_div(1.0 - d, s + s))
    high = np.where(s >= 1.0, np.where(d <= 0.0, 0.0, 1.0), _safe_div(d, 2.0 * (1.0 - s)))
    return np.where(s < _BELOW_HALF, low, high)


@_krita("pin_light", "Pin Light", "Lighten")
def pin_light(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    s2 = s + s
    return np.maximum(s2 - 1.0, np.minimum(d, s2))


@_krita("hard mix", "Hard Mix", "Mix")
def hard_mix(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.where(d > _ABOVE_HALF, color_dodge(s, d), color_burn(s, d))


@_krita("hard_mix_photoshop", "Hard Mix (Photoshop)", "Mix")
def hard_mix_photoshop(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    # Krita sums 8-bit values: 1 where s + d > 255
    return np.where(s + d > 1.0 + 0.5 / 255.0, 1.0, 0.0)


@_krita("gamma_dark", "Gamma Dark", "Darken")
def gamma_dark(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.where(s <= 0.0, 0.0, np.power(d, 1.0 / np.maximum(s, _EPS)))


@_krita("gamma_light", "Gamma Light", "Lighten")
def gamma_light(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.power(d, s)


@_krita("gamma_illumination", "Gamma Illumination", "Lighten")
def gamma_illumination(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return 1.0 - gamma_dark(1.0 - s, 1.0 - d)


# ---- Arithmetic / mix / negative -----------------------------------------------------------------------
@_krita("subtract", "Subtract", "Arithmetic")
def subtract(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return d - s


@_krita("inverse_subtract", "Inverse Subtract", "Arithmetic")
def inverse_subtract(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return d - (1.0 - s)


@_krita("divide", "Divide", "Arithmetic")
def divide(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.where(s <= 0.0, np.where(d <= 0.0, 0.0, 1.0), _safe_div(d, s))


@_krita("grain_merge", "Grain Merge", "Mix")
def grain_merge(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return d + s - _HALF


@_krita("grain_extract", "Grain Extract", "Mix")
def grain_extract(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return d - s + _HALF


@_krita("allanon", "Allanon", "Mix")
def allanon(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return (s + d) * _HALF


@_krita("geometric_mean", "Geometric Mean", "Mix")
def geometric_mean(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.sqrt(s * d)


@_krita("parallel", "Parallel", "Mix")
def parallel(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    # Krita 5.1 gives 0 where either value is 0 (its source's "treat 0 as 1" is not what it renders)
    zero = (s <= 0.0) | (d <= 0.0)
    return np.where(zero, 0.0, 2.0 / (1.0 / np.maximum(s, _EPS) + 1.0 / np.maximum(d, _EPS)))


@_krita("hard overlay", "Hard Overlay", "Mix")
def hard_overlay(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.where(s >= 1.0, 1.0, np.where(s > 0.5, _safe_div(d, 2.0 - 2.0 * s), 2.0 * s * d))


@_krita("exclusion", "Exclusion", "Negative")
def exclusion(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return d + s - 2.0 * s * d


@_krita("equivalence", "Equivalence", "Negative")
def equivalence(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.abs(d - s)  # what Krita computes (its comment says 1 − |d − s|)


@_krita("additive_subtractive", "Additive-Subtractive", "Negative")
def additive_subtractive(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.abs(np.sqrt(d) - np.sqrt(s))


@_krita("arc_tangent", "Arcus Tangent", "Negative")
def arc_tangent(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    at = 2.0 * np.arctan(_safe_div(s, d)) / np.pi
    return np.where(d <= 0.0, np.where(s <= 0.0, 0.0, 1.0), at)


@_krita("negation", "Negation", "Negative")
def negation(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return 1.0 - np.abs(1.0 - s - d)


@_krita("xor", "XOR (bitwise)", "Binary", name="bitwise_xor")
def bitwise_xor(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    su = np.rint(s * 255.0).astype(np.uint8)
    du = np.rint(d * 255.0).astype(np.uint8)
    return np.bitwise_xor(su, du).astype(np.float32) / np.float32(255.0)


# ---- quadratic ---------------------------------------------------------------------------------------
def _u8(x: np.ndarray) -> np.ndarray:
    return np.rint(x * 255.0).astype(np.int32)


def _mul8(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Krita's 8-bit multiply (UINT8_MULT): the quadratic modes' rounding is visible, so copy it."""
    t = a * b + 128
    return ((t >> 8) + t) >> 8


def _div8(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Krita's 8-bit divide (UINT8_DIVIDE), unclamped."""
    return (a * 255 + b // 2) // np.maximum(b, 1)


def _glow(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    s8, d8 = _u8(s), _u8(d)
    out = np.minimum(_div8(_mul8(s8, s8), 255 - d8), 255)
    return np.where(d8 >= 255, 1.0, out / np.float32(255.0)).astype(np.float32)


def _heat(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    s8, d8 = _u8(s), _u8(d)
    out = 255 - np.minimum(_div8(_mul8(255 - s8, 255 - s8), d8), 255)
    return np.where(s8 >= 255, 1.0, np.where(d8 <= 0, 0.0, out / np.float32(255.0))).astype(np.float32)


@_krita("glow", "Glow", "Quadratic")
def glow(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return _glow(s, d)


@_krita("reflect", "Reflect", "Quadratic")
def reflect(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return _glow(d, s)


@_krita("heat", "Heat", "Quadratic")
def heat(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return _heat(s, d)


@_krita("freeze", "Freeze", "Quadratic")
def freeze(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return _heat(d, s)


# ---- HSX (non-separable; Krita's HSY is the W3C set with Rec. 601 luma) ----------------------------------
def _max3(c: np.ndarray) -> np.ndarray:
    return np.maximum(np.maximum(c[..., 0:1], c[..., 1:2]), c[..., 2:3])


def _min3(c: np.ndarray) -> np.ndarray:
    return np.minimum(np.minimum(c[..., 0:1], c[..., 1:2]), c[..., 2:3])


def _light_y(c: np.ndarray) -> np.ndarray:
    return 0.299 * c[..., 0:1] + 0.587 * c[..., 1:2] + 0.114 * c[..., 2:3]


def _light_i(c: np.ndarray) -> np.ndarray:
    return (c[..., 0:1] + c[..., 1:2] + c[..., 2:3]) * np.float32(1.0 / 3.0)


def _light_l(c: np.ndarray) -> np.ndarray:
    return (_max3(c) + _min3(c)) * 0.5


_LIGHT = {"y": _light_y, "i": _light_i, "l": _light_l, "v": _max3}


def _sat(kind: str, c: np.ndarray) -> np.ndarray:
    mx, mn = _max3(c), _min3(c)
    chroma = mx - mn
    if kind == "y":
        return chroma
    if kind == "i":
        return np.where(chroma > _EPS, 1.0 - _safe_div(mn, _light_i(c)), 0.0)
    if kind == "l":
        div = 1.0 - np.abs(mx + mn - 1.0)
        return np.where(div > _EPS, _safe_div(chroma, div), 1.0)
    return np.where(mx <= 0.0, 0.0, _safe_div(chroma, mx))


def _add_light(kind: str, c: np.ndarray, light: np.ndarray) -> np.ndarray:
    """Krita's addLightness: shift, then pull out-of-gamut colours back towards their lightness."""
    c = c + light
    lum = _LIGHT[kind](c)
    n, x = _min3(c), _max3(c)
    c = np.where(n < 0.0, lum + (c - lum) * _safe_div(lum, lum - n), c)
    return np.where((x > 1.0) & (x - lum > _EPS), lum + (c - lum) * _safe_div(1.0 - lum, x - lum), c)


def _set_light(kind: str, c: np.ndarray, light: np.ndarray) -> np.ndarray:
    return _add_light(kind, c, light - _LIGHT[kind](c))


def _set_sat(c: np.ndarray, sat: np.ndarray) -> np.ndarray:
    """Krita's setSaturation (for every HSX kind): max → sat, min → 0, mid scaled; grey → black."""
    mn = _min3(c)
    chroma = _max3(c) - mn
    return np.where(chroma > 0.0, (c - mn) * _safe_div(sat, chroma), 0.0)


def _hsx_modes(kind: str, suffix: str, category: str, ids: dict[str, str]) -> None:
    light = _LIGHT[kind]

    def color(s: np.ndarray, d: np.ndarray) -> np.ndarray:
        return _set_light(kind, s, light(d))

    def hue(s: np.ndarray, d: np.ndarray) -> np.ndarray:
        return _set_light(kind, _set_sat(s, _sat(kind, d)), light(d))

    def saturation(s: np.ndarray, d: np.ndarray) -> np.ndarray:
        return _set_light(kind, _set_sat(d, _sat(kind, s)), light(d))

    def inc_saturation(s: np.ndarray, d: np.ndarray) -> np.ndarray:
        sd = _sat(kind, d)
        return _set_light(kind, _set_sat(d, sd + (1.0 - sd) * _sat(kind, s)), light(d))

    def dec_saturation(s: np.ndarray, d: np.ndarray) -> np.ndarray:
        return _set_light(kind, _set_sat(d, _sat(kind, d) * _sat(kind, s)), light(d))

    def lightness(s: np.ndarray, d: np.ndarray) -> np.ndarray:
        return _set_light(kind, d, light(s))

    def inc_lightness(s: np.ndarray, d: np.ndarray) -> np.ndarray:
        return _add_light(kind, d, light(s))

    def dec_lightness(s: np.ndarray, d: np.ndarray) -> np.ndarray:
        return _add_light(kind, d, light(s) - 1.0)

    funcs = {"color": color, "hue": hue, "saturation": saturation, "inc_saturation": inc_saturation,
             "dec_saturation": dec_saturation, "lightness": lightness, "inc_lightness": inc_lightness,
             "dec_lightness": dec_lightness}
    for role, op in ids.items():
        label = role.replace("inc_", "Increase ").replace("dec_", "Decrease ").replace("_", " ").title()
        name = f"{role}{suffix}" if not op.startswith("svg:") else op[4:]
        if role.endswith("lightness"):  # Krita calls the lightness of each model by its own name
            label = label.replace("Lightness", {"y": "Luminosity", "i": "Intensity", "l": "Lightness",
                                                "v": "Value"}[kind])
        _register(name, op, f"{label} ({category})" if kind != "y" else label, category,
                  None if not op.startswith("svg:") else _KRITA_SVG_IDS[op])(funcs[role])


_KRITA_SVG_IDS = {"svg:hue": "hue", "svg:saturation": "saturation", "svg:color": "color",
                  "svg:luminosity": "luminize"}
_hsx_modes("y", "", "HSY", {"color": "svg:color", "hue": "svg:hue", "saturation": "svg:saturation",
                            "lightness": "svg:luminosity", "inc_saturation": "krita:inc_saturation",
                            "dec_saturation": "krita:dec_saturation", "inc_lightness": "krita:inc_luminosity",
                            "dec_lightness": "krita:dec_luminosity"})
for _kind, _names in {"l": ("hsl", "lightness"), "v": ("hsv", "value"), "i": ("hsi", "intensity")}.items():
    _sfx, _light_id = _names
    _hsx_modes(_kind, f"_{_sfx}", _sfx.upper(), {
        "color": f"krita:color_{_sfx}", "hue": f"krita:hue_{_sfx}", "saturation": f"krita:saturation_{_sfx}",
        "inc_saturation": f"krita:inc_saturation_{_sfx}", "dec_saturation": f"krita:dec_saturation_{_sfx}",
        "lightness": f"krita:{_light_id}", "inc_lightness": f"krita:inc_{_light_id}",
        "dec_lightness": f"krita:dec_{_light_id}"})


@_krita("darker color", "Darker Color", "Darken")
def darker_color(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.where(_light_y(d) < _light_y(s), d, s)


@_krita("lighter color", "Lighter Color", "Lighten")
def lighter_color(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.where(_light_y(d) > _light_y(s), d, s)


# ---- Porter-Duff operators (premultiplied) -----------------------------------------------------------------
@blend_mode("dst_in", "svg:dst-in", "Destination In", category="Misc", krita_id="destination-in",
            over_empty_is_src=False)
def _dst_in(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    d *= s[..., 3:4]
    return d


@blend_mode("erase", "svg:dst-out", "Erase", category="Misc", krita_id="erase", over_empty_is_src=False)
def _erase(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    d *= 1.0 - s[..., 3:4]
    return d


@blend_mode("src_atop", "svg:src-atop", "Inherit Alpha (Source Atop)", category="Misc",
            over_empty_is_src=False)
def _src_atop(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    # co = cs·as·ab + cb·ab·(1 − as); the alpha channel comes out as ab (Krita: alpha-locked Normal)
    out = s * d[..., 3:4]
    out += d * (1.0 - s[..., 3:4])
    return out


@blend_mode("dst_atop", "svg:dst-atop", "Destination Atop", category="Misc", krita_id="destination-atop")
def _dst_atop(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    out = s * (1.0 - d[..., 3:4])
    out += d * s[..., 3:4]
    return out


@blend_mode("xor", "svg:xor", "XOR (Porter-Duff)", category="Misc")
def _xor(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    out = s * (1.0 - d[..., 3:4])
    out += d * (1.0 - s[..., 3:4])
    return out
