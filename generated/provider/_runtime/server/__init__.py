"""The server part of the runtime: the FastAPI app, auth, rate limits, SSE and request validation.

Generated servers import its modules by name (`._runtime.server.app`); it exports nothing.
"""
