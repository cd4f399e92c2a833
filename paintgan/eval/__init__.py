"""Evaluation commands (`python -m paintgan.eval NAME ...`): quality tables against classical baselines.

Each command is a module with `main(argv) -> int`, listed in `paintgan.eval.__main__.COMMANDS`.
"""
