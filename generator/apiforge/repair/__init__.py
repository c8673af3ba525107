"""Harmless mistakes of real documents repaired before models are made, each with a warning."""
