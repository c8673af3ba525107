"""Rendered files -> the output folder: formatted, fingerprinted and written atomically."""
