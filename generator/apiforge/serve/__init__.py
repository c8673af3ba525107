"""`apiforge serve`: a generated server run by uvicorn around the deterministic mock model."""

from apiforge.serve.runner import ServeSettings, app_from_environment, load_server_module, serve

__all__ = ["ServeSettings", "app_from_environment", "load_server_module", "serve"]
