"""Pydantic models through datamodel-code-generator: its input, its process, its cache, our patches."""
