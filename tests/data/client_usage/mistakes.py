"""Deliberate mistakes in using the generated provider client: mypy --strict flags each marked line."""

from __future__ import annotations

from generated.provider.client import Client


def mistakes(client: Client) -> None:
    client.create_chat_completion(
        model="gpt-4o",
        messages=[{"role": "robot", "content": "hi"}],  # E: no such role
    )
    client.create_chat_completion(
        model="gpt-4o",
        messages=[{"role": "user", "contnet": "hi"}],  # E: misspelt key
    )
    client.create_chat_completion(  # E: misspelt parameter
        model="gpt-4o",
        messages=[{"role": "user", "content": "hi"}],
        temprature=0.2,
    )
    client.create_chat_completion(  # E: messages is required
        model="gpt-4o",
    )
    client.create_chat_completion(  # E: not one of the spec's values
        model="gpt-4o",
        messages=[{"role": "user", "content": "hi"}],
        reasoning_effort="maximal",
    )
    client.create_chat_completion(  # E: stream takes a bool
        model="gpt-4o",
        messages=[{"role": "user", "content": "hi"}],
        stream="yes",
    )
