"""The colorize layer in the app: background jobs (compute), the controller that keeps colorize layers up to
date, the hint overlay and the "Colorize…" action."""
