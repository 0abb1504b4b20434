"""Rendering: templates in, verified workflow text out. Nothing here writes files."""
