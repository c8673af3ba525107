"""The generated provider client, used the way the openai SDK's README uses the SDK.

Run by tests/test_client_usage.py against `apiforge serve provider`, and checked by
`mypy --strict`: every call here must type-check as written, dicts and all.
"""

from __future__ import annotations

import asyncio

from generated.provider import models
from generated.provider.client import APIConnectionError, APIStatusError, AsyncClient, Client


def main(base_url: str, api_key: str) -> list[str]:
    """Each step's result, in order, for the test to check."""
    seen: list[str] = []
    client = Client(base_url=base_url, api_key=api_key)

    # a plain call: messages as dicts
    completion = client.create_chat_completion(
        model="gpt-4o",
        messages=[
            {"role": "developer", "content": "Talk like a pirate."},
            {"role": "user", "content": "How do I check if an object is an instance of a class?"},
        ],
    )
    seen.append(completion.choices[0].message.content or "")

    # a stream
    stream = client.create_chat_completion(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Say this is a test"}],
        stream=True,
    )
    with stream:
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    seen.append(text)

    # tool calls: tools as models here and as dicts below; the assistant's message goes back
    # as the model it came as, beside dicts
    tools: list[models.Tool] = [
        models.Tool.model_validate(
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "parameters": {
                        "type": "object",
                        "properties": {"city": {"type": "string"}},
                        "required": ["city"],
                    },
                },
            }
        )
    ]
    asked = client.create_chat_completion(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=tools,
    )
    message = asked.choices[0].message
    call = (message.tool_calls or [])[0]
    seen.append(call.function.name if call.function else "")
    answered = client.create_chat_completion(
        model="gpt-4o",
        messages=[
            {"role": "user", "content": "Weather in Paris?"},
            message,
            {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 21 degrees"},
        ],
        tools=[{"type": "function", "function": {"name": "get_weather"}}],
    )
    seen.append(answered.choices[0].message.content or "")

    # the raw response: status, headers, then the parsed result
    response = client.with_raw_response.create_chat_completion(
        model="gpt-4o", messages=[{"role": "user", "content": "raw"}]
    )
    seen.append(str(response.status_code))
    seen.append(response.parse().object)

    # extra_body: properties the method does not name, sent as given
    extra = client.create_chat_completion(
        model="gpt-4o",
        messages=[{"role": "user", "content": "extra"}],
        extra_body={"user": "user-1234"},
    )
    seen.append(extra.object)

    # error handling: a strict server refuses a property it does not know
    try:
        client.create_chat_completion(
            model="gpt-4o",
            messages=[{"role": "user", "content": "hi"}],
            extra_body={"no_such_property": True},
        )
    except APIConnectionError as error:
        seen.append(f"connection: {error.message}")
    except APIStatusError as error:
        seen.append(f"{error.status_code} {type(error).__name__}")
    client.close()

    seen.append(asyncio.run(async_main(base_url, api_key)))
    return seen


async def async_main(base_url: str, api_key: str) -> str:
    """An async stream: awaited once, then iterated; `async with` closes it."""
    async with AsyncClient(base_url=base_url, api_key=api_key) as client:
        stream = await client.create_chat_completion(
            model="gpt-4o",
            messages=[{"role": "user", "content": "Say this is a test"}],
            stream=True,
        )
        pieces: list[str] = []
        async with stream:
            async for chunk in stream:
                if chunk.choices:
                    pieces.append(chunk.choices[0].delta.content or "")
        return "".join(pieces)
