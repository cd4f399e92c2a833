"""History texts in words a user knows ("Blend mode: Multiply", "Flat colour per region on"), not
attribute names: used by the commands that change properties and settings, computed from the values the
command sets so a coalesced slider drag names its final value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paintgan.core.blend import is_blend_mode, resolve_mode

_ON = {True: "on", False: "off"}
_INPUT = {"auto": "Auto", "lineart": "Line art", "gray": "Gray picture"}
_MODE = {"neural": "Neural (model)", "flat": "Flat colours"}


def _blend(mode: str) -> str:
    return resolve_mode(mode).label if is_blend_mode(mode) else str(mode)


def layer_props_text(layer_name: str, props: Mapping[str, Any]) -> str:
    """E.g. "Blend mode: Multiply (Layer 2)", "Hide layer (Paper)", "Rename layer to “Sky”"."""
    parts: list[str] = []
    for k in sorted(props):
        v = props[k]
        if k == "visible":
            parts.append("Show layer" if v else "Hide layer")
        elif k == "opacity":
            parts.append(f"Opacity {round(float(v) * 100)} %")
        elif k == "blend_mode":
            parts.append(f"Blend mode: {_blend(str(v))}")
        elif k == "locked":
            parts.append("Lock layer" if v else "Unlock layer")
        elif k == "name":
            parts.append(f"Rename layer to “{v}”")
        elif k == "isolated":
            parts.append("Isolated group" if v else "Pass-through group")
        elif k == "file_attrs":
            parts.append("Layer file attributes")
        else:
            parts.append(k.replace("_", " ").capitalize())
    text = "; ".join(parts) or "Layer properties"
    return text if set(props) == {"name"} else f"{text} ({layer_name})"


def colorize_settings_text(settings: Mapping[str, Any], palette: bool = False) -> str:
    """E.g. "Flat colour per region on", "Gap closing 3 px", "Colorize mode: Flat colours"."""
    parts: list[str] = []
    for k in sorted(settings):
        v = settings[k]
        if k == "flat_regions":
            parts.append(f"Flat colour per region {_ON[bool(v)]}")
        elif k == "fill_unhinted":
            parts.append(f"Fill regions without hints {_ON[bool(v)]}")
        elif k == "gap_radius":
            parts.append(f"Gap closing {v} px")
        elif k == "mode":
            parts.append(f"Colorize mode: {_MODE.get(str(v), v)}")
        elif k == "input_kind":
            parts.append(f"Colorize input: {_INPUT.get(str(v), v)}")
        elif k == "model":
            parts.append(f"Colorize model: {v}")
        else:
            parts.append(k.replace("_", " ").capitalize())
    if palette:
        parts.append("Palette as global hints")
    return "; ".join(parts) or "Colorize settings"
