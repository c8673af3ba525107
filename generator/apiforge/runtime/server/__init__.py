"""The server part of the runtime: the FastAPI app, auth, rate limits, SSE and request validation.

Not shipped itself: generated servers import its modules as `_runtime.server_<name>`.
"""
