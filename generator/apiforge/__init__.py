"""apiforge: validate, generate and guard OpenAPI documents of OpenAI-compatible chat APIs."""

__version__ = "0.1.0"
