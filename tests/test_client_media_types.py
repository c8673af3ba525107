"""The client runtime reads a spec's media type as apiforge does: case and parameters aside."""

from __future__ import annotations

from apiforge.runtime.client.request import encode_body


def test_a_body_is_encoded_by_its_media_type_in_any_case() -> None:
    assert encode_body("hi", "Text/Plain; charset=utf-8") == b"hi"
    form = "Application/X-WWW-Form-URLencoded; charset=utf-8"
    assert encode_body({"a": "1", "b": "x y"}, form) == b"a=1&b=x+y"
    assert encode_body({"a": 1}, "Application/JSON; charset=utf-8") == b'{"a":1}'
