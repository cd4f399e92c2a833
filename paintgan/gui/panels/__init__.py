"""Dockable panels: palette, layers, history, tool options."""
