"""The ASGI side of a streamed answer: send the encoder's bytes, stop the handler when the client goes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio
from pydantic import BaseModel
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .errors import ApiError, ErrorEnvelope, error_json, internal_error
from .sse import ChunkEncoder

__all__ = ["EventStreamResponse", "aclose_quietly", "start_stream"]

logger = logging.getLogger(__name__)


async def aclose_quietly(iterator: object) -> None:
    """Close an async iterator that may have a resource open (an async generator's `finally`)."""
    close = getattr(iterator, "aclose", None)
    if close is not None:
        with anyio.CancelScope(shield=True):
            try:
                await close()
            except Exception:
                logger.exception("closing the handler's stream failed")


async def start_stream(
    chunks: AsyncIterator[BaseModel], encoder: ChunkEncoder, envelope: ErrorEnvelope
) -> EventStreamResponse:
    """Wait for the first chunk before answering, so an error raised before it is a plain HTTP error."""
    try:
        first: BaseModel | None = await chunks.__anext__()
    except StopAsyncIteration:
        first = None
    except BaseException:
        await aclose_quietly(chunks)
        raise
    return EventStreamResponse(chunks, encoder, envelope, first)


class EventStreamResponse(Response):
    """`text/event-stream` of the chunks; a handler error becomes an error event, never a hang."""

    media_type = "text/event-stream"

    def __init__(
        self,
        chunks: AsyncIterator[BaseModel],
        encoder: ChunkEncoder,
        envelope: ErrorEnvelope,
        first: BaseModel | None = None,
    ) -> None:
        self.status_code = 200
        self.background = None
        self.chunks = chunks
        self.encoder = encoder
        self.envelope = envelope
        self.first = first
        self.init_headers({"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(_cancel_on_disconnect, receive, group.cancel_scope)
                await self._send_events(send)
                group.cancel_scope.cancel()
        except* OSError:  # the client went away while we were sending
            pass
        finally:
            await aclose_quietly(self.chunks)

    async def _send_events(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        while True:
            data, last = await self._next_event()
            if last:
                await send({"type": "http.response.body", "body": data, "more_body": False})
                return
            if data:
                await send({"type": "http.response.body", "body": data, "more_body": True})

    async def _next_event(self) -> tuple[bytes, bool]:
        """The next bytes to send and whether they end the stream; handler errors end it too."""
        try:
            if self.first is not None:
                chunk, self.first = self.first, None
            else:
                chunk = await self.chunks.__anext__()
            return self.encoder.encode(chunk), False
        except StopAsyncIteration:
            return self.encoder.finish(), True
        except ApiError as exc:
            return self.encoder.error(error_json(self.envelope, exc)), True
        except Exception:
            logger.exception("the handler's stream failed")
            return self.encoder.error(error_json(self.envelope, internal_error())), True


async def _cancel_on_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while True:
        message: Any = await receive()
        if message["type"] == "http.disconnect":
            scope.cancel()
            return
