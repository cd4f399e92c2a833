"""Colorization: numpy-only colour conversions and line-art helpers (engine code lives beside them)."""
