"""Settings remembered between runs (QSettings, INI format): geometry, dock state, recent files, brush
settings, colours. Tests isolate them with `QSettings.setPath(IniFormat, UserScope, tmp)`."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QSettings

ORGANIZATION = "PaintGAN"
APPLICATION = "PaintGAN"
MAX_RECENT_FILES = 10


def app_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def recent_files(s: QSettings) -> list[str]:
    value = s.value("recent_files", [])
    if isinstance(value, str):
        value = [value] if value else []
    return [str(v) for v in (value or [])]


def add_recent_file(s: QSettings, path: str) -> list[str]:
    files = [path, *[f for f in recent_files(s) if f != path]][:MAX_RECENT_FILES]
    s.setValue("recent_files", files)
    return files


def remove_recent_file(s: QSettings, path: str) -> list[str]:
    files = [f for f in recent_files(s) if f != path]
    s.setValue("recent_files", files)
    return files


def get_json(s: QSettings, key: str, default: Any) -> Any:
    raw = s.value(key)
    if not raw:
        return default
    try:
        return json.loads(str(raw))
    except ValueError:
        return default


def set_json(s: QSettings, key: str, value: Any) -> None:
    s.setValue(key, json.dumps(value))


def history_limit_bytes(s: QSettings) -> int:
    """The undo-memory budget shared by all open documents: setting "history/limit_mb", by default a
    quarter of the machine's memory (between 256 MiB and 4 GiB)."""
    from paintgan.commands.stack import default_history_limit

    try:
        mb = int(s.value("history/limit_mb", 0) or 0)
    except (TypeError, ValueError):
        mb = 0
    return mb << 20 if mb >= 16 else default_history_limit()
