"""load, load_yaml: bytes -> Document, refusing what is unsafe or ambiguous, and pointers -> lines."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apiforge.deep_stack import run_deep
from apiforge.document import load
from apiforge.document.load import Location, load_document, parse_document
from apiforge.findings.diagnostic import Diagnostic, SpecError
from tests.test_real_documents import VENDOR, oas_examples  # noqa: F401 - a fixture


def refused(raw: bytes, name: str = "doc.yaml") -> Diagnostic:
    with pytest.raises(SpecError) as info:
        run_deep(lambda: parse_document(raw, Path(name), name))  # as the CLI runs it
    [diagnostic] = info.value.diagnostics
    assert diagnostic.file == name
    assert diagnostic.rule == "load"
    return diagnostic


BILLION_LAUGHS = b"""\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


# -- YAML refusals ---------------------------------------------------------------------------------


def test_duplicate_key_is_refused_at_the_second_key() -> None:
    d = refused(b"info:\n  title: a\n  title: b\n")
    assert (d.line, d.col, d.pointer) == (3, 3, "#/info/title")
    assert "duplicate key 'title'" in d.message


@pytest.mark.parametrize(
    "raw",
    [
        b"a: !!python/object/apply:os.system ['echo pwned']\n",
        b"!!python/object/apply:os.system ['echo pwned']\n",
        b"a: !!python/name:os.system\n",
        b"a: !custom {b: 1}\n",
        b"a: !!binary aGVsbG8=\n",
        b"a: !!set {b: null}\n",
    ],
)
def test_custom_and_python_tags_are_refused(raw: bytes) -> None:
    d = refused(raw)
    assert "unsupported YAML tag" in d.message


def test_merge_key_is_refused() -> None:
    d = refused(b"base: &base {type: string}\nother:\n  <<: *base\n  minLength: 1\n")
    assert (d.line, d.col) == (3, 3)
    assert "merge keys" in d.message


def test_alias_bomb_is_refused_before_expansion() -> None:
    d = refused(BILLION_LAUGHS)
    assert "alias bomb" in d.message


def test_small_alias_reuse_is_fine() -> None:
    doc = parse_document(b"a: &x {type: string}\nb: *x\n", Path("d.yaml"), "d.yaml")
    assert doc.data == {"a": {"type": "string"}, "b": {"type": "string"}}


@pytest.mark.timeout(10)
@pytest.mark.parametrize("raw", [b"a: &a [*a]\n", b"a: &a {b: {c: *a}}\n"])
def test_alias_to_its_own_ancestor_is_refused(raw: bytes) -> None:
    d = refused(raw)
    assert "contains it" in d.message


def test_non_utf8_bytes_are_refused_with_their_position() -> None:
    d = refused(b"info:\n  title: caf\xe9\n")
    assert (d.line, d.col) == (2, 13)
    assert "not valid UTF-8" in d.message


def test_utf8_bom_is_accepted() -> None:
    assert parse_document(b"\xef\xbb\xbfa: 1\n", Path("d.yaml"), "d").data == {"a": 1}


@pytest.mark.parametrize(
    ("raw", "name", "message"),
    [
        (b"- a\n- b\n", "doc.yaml", "not a mapping"),
        (b"just a string\n", "doc.yaml", "not a mapping"),
        (b"42\n", "doc.yaml", "not a mapping"),
        (b"", "doc.yaml", "empty"),
        (b"# only a comment\n", "doc.yaml", "empty"),
        (b"[1, 2]", "doc.json", "not a mapping"),
        (b'"text"', "doc.json", "not a mapping"),
        (b"null", "doc.json", "not a mapping"),
    ],
)
def test_a_document_must_be_a_mapping(raw: bytes, name: str, message: str) -> None:
    assert message in refused(raw, name).message


def test_nul_character_is_refused() -> None:
    assert "NUL" in refused(b"a: b\x00\n").message


def test_control_character_is_refused_with_its_position() -> None:
    d = refused(b"a: 1\nb: \x07\n")
    assert (d.line, d.col) == (2, 4)
    assert "\n" not in d.message


def test_yaml_nan_and_infinities_are_numbers() -> None:
    """Valid YAML floats (a `default: .nan` is not a mistake), though JSON cannot spell them."""
    data = parse_document(b"a: .nan\nb: [1, -.inf, .Inf]\n", Path("d.yaml"), "d.yaml").data
    assert math.isnan(data["a"]) and data["b"] == [1, -math.inf, math.inf]


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "raw",
    [
        b"a: " + b"[" * 1001 + b"]" * 1001 + b"\n",
        # deep enough to crash a recursive composer if it ever saw it
        b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        b"".join(b"  " * i + b"k:\n" for i in range(1100)),
    ],
    ids=["flow-1001", "flow-100000", "block-1100"],
)
def test_deep_yaml_nesting_is_refused(raw: bytes) -> None:
    """Ours or libyaml's (PyYAML >= 6.0.4 has a limit of its own): the message is ours."""
    d = refused(raw)
    assert d.message == f"document is nested deeper than {load.MAX_DEPTH} levels"
    assert d.line >= 1 and d.col >= 1


@pytest.mark.parametrize(
    ("head", "name", "block"),
    [(b"a: ", "d.yaml", False), (b'{"a": ', "d.json", False), (b"a:\n", "d.yaml", True)],
    ids=["yaml-flow", "json", "yaml-block"],
)
def test_nesting_at_the_limit_is_fine(head: bytes, name: str, block: bool) -> None:
    """1,000 levels below the root load, though libyaml refuses some of them itself."""
    n = load.MAX_DEPTH
    if block:  # a list of lists in block style: `- ` one level deeper per line
        raw = head + b"".join(b"  " * i + b"-\n" for i in range(1, n - 1)) + b"  " * (n - 1)
        raw += b"- []\n"
    else:
        raw = head + b"[" * n + b"]" * n + (b"}" if name.endswith(".json") else b"")
    node = run_deep(lambda: parse_document(raw, Path(name), name)).data["a"]
    for _ in range(n - 1):
        [node] = node
    assert node == []


def test_the_limit_is_at_least_a_thousand_levels() -> None:
    assert load.MAX_DEPTH >= 1000


def test_invalid_yaml_reports_line_and_column() -> None:
    d = refused(b"openapi: 3.1.0\ninfo: [1, 2\npaths: {}\n")
    assert d.message.startswith("invalid YAML:")
    assert (d.line, d.col) == (3, 6)


def test_a_second_yaml_document_is_refused() -> None:
    d = refused(b"a: 1\n---\nb: 2\n")
    assert d.line == 2


def test_yaml_scalars_become_json_values() -> None:
    raw = b"i: 1\nf: 1.5\nb: true\nn: null\nd: 2024-01-01\ns: '200'\n200: ok\non: yes\n"
    data = parse_document(raw, Path("d.yaml"), "d").data
    assert data == {
        "i": 1,
        "f": 1.5,
        "b": True,
        "n": None,
        "d": "2024-01-01",
        "s": "200",
        "200": "ok",
        "on": "yes",
    }


def test_yaml_numbers_are_read_as_yaml_1_2_reads_them() -> None:
    """OpenAPI 3.1 recommends YAML 1.2: `1e-08` is a number there (a string in PyYAML's 1.1)."""
    raw = b"a: [1e-08, 1E3, .5, -1.5e+3, 1., +12, -0, 012, 0o17, 0x1F, +.INF, -.Inf]\n"
    data = parse_document(raw, Path("d.yaml"), "d").data
    assert data["a"] == [1e-08, 1000.0, 0.5, -1500.0, 1.0, 12, 0, 12, 15, 31, math.inf, -math.inf]
    assert [type(v) for v in data["a"][:5]] == [float] * 5


@pytest.mark.parametrize(
    "text", ["yes", "no", "on", "off", "y", "n", "NO", "Yes", "0b1010", "1_000", "1:20", "0o8"]
)
def test_yaml_1_1_only_scalars_stay_strings(text: str) -> None:
    """The Norway problem: `enum: [yes, no]` or a country code `NO` is text, as YAML 1.2 reads it."""
    data = parse_document(f"a: {text}\n{text}: 1\n".encode(), Path("d.yaml"), "d").data
    assert data == {"a": text, text: 1}


def test_yaml_1_2_booleans_and_nulls() -> None:
    raw = b"t: [true, True, TRUE]\nf: [false, False, FALSE]\nn: [~, null, Null, NULL, ]\ne:\n"
    data = parse_document(raw, Path("d.yaml"), "d").data
    assert data == {"t": [True] * 3, "f": [False] * 3, "n": [None] * 4, "e": None}


# -- JSON refusals ---------------------------------------------------------------------------------


def test_invalid_json_reports_line_and_column() -> None:
    d = refused(b'{\n  "openapi": "3.1.0",\n  "info": }\n', "doc.json")
    assert d.message.startswith("invalid JSON:")
    assert (d.line, d.col) == (3, 11)


def test_json_duplicate_key_is_found_in_its_own_object() -> None:
    raw = b'{\n  "a": {"title": 1},\n  "b": {"title": 2,\n        "title": 3}\n}\n'
    d = refused(raw, "doc.json")
    assert "duplicate key 'title'" in d.message
    assert (d.line, d.col) == (4, 9)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_json_numbers_json_cannot_hold_are_refused(token: str) -> None:
    d = refused(b'{\n  "a": ' + token.encode() + b"\n}", "doc.json")
    assert (d.line, d.col) == (2, 8)
    assert "not a JSON number" in d.message


def test_json_integer_too_long_is_a_spec_error() -> None:
    d = refused(b'{"a": ' + b"1" * 5000 + b"}", "doc.json")
    assert "too many digits" in d.message


@pytest.mark.parametrize("depth", [load.MAX_DEPTH + 1, load.MAX_DEPTH + 5, 100_000])
def test_deep_json_nesting_is_refused(depth: int) -> None:
    d = refused(b'{"a": ' + b"[" * depth + b"]" * depth + b"}", "doc.json")
    assert f"nested deeper than {load.MAX_DEPTH} levels" in d.message
    assert d.line == 1 and d.col > load.MAX_DEPTH


def test_json_unpaired_surrogate_is_refused() -> None:
    d = refused(b'{\n  "a": "ok",\n  "b": "x\\ud800"\n}', "doc.json")
    assert (d.line, d.col) == (3, 8)
    assert "surrogate" in d.message


def test_json_surrogate_pair_and_escaped_backslash_are_fine() -> None:
    raw = b'{"a": "\\ud83d\\ude00", "b": "\\\\ud800"}'
    assert parse_document(raw, Path("d.json"), "d").data == {"a": "\U0001f600", "b": "\\ud800"}


# -- files -----------------------------------------------------------------------------------------


def test_file_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "big.yaml"
    spec.write_text("openapi: 3.1.0\n" + "x: " + "a" * 200 + "\n")
    monkeypatch.setattr(load, "MAX_BYTES", 100)
    with pytest.raises(SpecError) as info:
        load_document(spec, "big.yaml")
    assert "over the 100-byte limit" in info.value.diagnostics[0].message


def test_unreadable_path_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_document(tmp_path / "missing.yaml", "missing.yaml")
    assert "cannot read file" in info.value.diagnostics[0].message
    with pytest.raises(SpecError):
        load_document(tmp_path, "dir")


# -- locate ----------------------------------------------------------------------------------------

YAML_DOC = b"""\
openapi: 3.1.0
paths:
  /pets/{id}:
    get:
      parameters:
        - name: id
          in: path
        - name: q
  "a~b":
    x: 1
list:
  - [10, 20]
  - key: value
"""

JSON_DOC = b"""\
{
  "openapi": "3.1.0",
  "paths": {
    "/pets/{id}": {
      "get": {
        "parameters": [
          {"name": "id", "in": "path"},
          {"name": "q, [with] {brackets}: \\"quoted\\""}
        ]
      }
    },
    "a~b": {"x": 1}
  },
  "list": [[10, 20], {"key": "value"}]
}
"""


@pytest.mark.parametrize(
    ("pointer", "yaml_at", "json_at"),
    [
        ("#", (1, 1), (1, 1)),
        ("", (1, 1), (1, 1)),
        ("#/openapi", (1, 10), (2, 14)),
        ("#/paths/~1pets~1{id}", (4, 5), (4, 19)),
        ("#/paths/~1pets~1{id}/get/parameters/0", (6, 11), (7, 11)),
        ("#/paths/~1pets~1{id}/get/parameters/0/in", (7, 15), (7, 32)),
        ("#/paths/~1pets~1{id}/get/parameters/1/name", (8, 17), (8, 20)),
        ("#/paths/a~0b/x", (10, 8), (12, 18)),
        ("#/list/0/1", (12, 10), (14, 17)),
        ("#/list/1/key", (13, 10), (14, 30)),
        # a pointer that goes past what exists stops at the deepest node found
        ("#/paths/~1pets~1{id}/get/parameters/9", (6, 9), (6, 23)),
        ("#/nope/deeper", (1, 1), (1, 1)),
        ("not a pointer", (1, 1), (1, 1)),
    ],
)
def test_locate_yaml_and_json(
    pointer: str, yaml_at: tuple[int, int], json_at: tuple[int, int]
) -> None:
    ydoc = parse_document(YAML_DOC, Path("spec.yaml"), "spec.yaml")
    jdoc = parse_document(JSON_DOC, Path("spec.json"), "spec.json")
    assert ydoc.locate(pointer) == Location("spec.yaml", *yaml_at)
    assert jdoc.locate(pointer) == Location("spec.json", *json_at)


def test_yaml_and_json_parse_to_the_same_data() -> None:
    ydoc = parse_document(YAML_DOC, Path("spec.yaml"), "spec.yaml").data
    jdoc = parse_document(JSON_DOC, Path("spec.json"), "spec.json").data
    assert ydoc["paths"]["a~b"] == jdoc["paths"]["a~b"] == {"x": 1}
    assert ydoc["list"] == jdoc["list"]


# -- never anything but a dict or a SpecError --------------------------------------------------------

_YAMLISH = st.text(alphabet=st.sampled_from(list("ab:- \n\t[]{},&*!|>'\"#?%@`~.0123456789\\")))


def _parse(raw: bytes, suffix: str) -> None:
    try:
        doc = parse_document(raw, Path("fuzz" + suffix), "fuzz" + suffix)
    except SpecError as exc:
        assert exc.diagnostics and all(d.line >= 1 and d.col >= 1 for d in exc.diagnostics)
    else:
        assert isinstance(doc.data, dict)
        json.dumps(doc.data)  # JSON-compatible through and through


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(max_size=300), suffix=st.sampled_from([".yaml", ".json"]))
def test_arbitrary_bytes_parse_or_raise_spec_error(raw: bytes, suffix: str) -> None:
    _parse(raw, suffix)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300) | _YAMLISH, suffix=st.sampled_from([".yaml", ".json"]))
def test_arbitrary_text_parses_or_raises_spec_error(text: str, suffix: str) -> None:
    _parse(text.encode("utf-8", "surrogatepass"), suffix)


# -- the event builder against PyYAML's own composer -----------------------------------------------


class _Yaml12(yaml.CSafeLoader):
    """PyYAML's reading with YAML 1.2's core schema, written here from the spec (section 10.3.2)
    rather than taken from load_yaml.py: booleans, nulls, ints and floats as 1.2 spells them; every
    other plain scalar (dates, `yes`, `0b1`) is text."""


_Yaml12.yaml_implicit_resolvers = {}
for _tag, _regex in [
    ("bool", r"true|True|TRUE|false|False|FALSE"),
    ("int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"),
    (
        "float",
        r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)",
    ),
    ("null", r"~|null|Null|NULL|"),
]:
    _Yaml12.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}",
        re.compile(f"^(?:{_regex})$"),
        list("-+.0123456789tTfFnN~") + [""],
    )


def _int_12(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    return int(text, 0) if text[:2] in ("0o", "0x") else int(text)  # `012` is twelve in 1.2


_Yaml12.add_constructor("tag:yaml.org,2002:int", _int_12)


def _pyyaml_data(raw: bytes) -> object:
    return json.loads(json.dumps(yaml.load(raw, Loader=_Yaml12)))  # noqa: S506 - a safe loader


def _composed_position(root: yaml.Node, tokens: list[str]) -> tuple[int, int]:
    """Where PyYAML's node tree puts a pointer: the deepest node on its path."""
    node = root
    for token in tokens:
        nxt = None
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if str(k.value) == token), None)
        elif isinstance(node, yaml.SequenceNode) and int(token) < len(node.value):
            nxt = node.value[int(token)]
        if nxt is None:
            break
        node = nxt
    return node.start_mark.line + 1, node.start_mark.column + 1


def _pointers(data: object, tokens: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [tokens]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _pointers(value, (*tokens, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _pointers(value, (*tokens, str(index)))
    return found


REPO_YAML = sorted(
    p
    for folder in ("spec", "tests/data")
    for p in (Path(__file__).parent.parent / folder).rglob("*.yaml")
)


@pytest.mark.parametrize("path", REPO_YAML, ids=lambda p: p.name)
def test_events_give_safe_loads_data_and_the_composers_positions(path: Path) -> None:
    raw = path.read_bytes()
    try:
        doc = parse_document(raw, path, path.name)
    except SpecError:
        return  # refusals are tested above; parity is about what loads
    assert doc.data == _pyyaml_data(raw)
    root = yaml.compose(raw, Loader=yaml.SafeLoader)
    for tokens in _pointers(doc.data):
        pointer = "#" + "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)
        assert (doc.locate(pointer).line, doc.locate(pointer).col) == _composed_position(
            root, list(tokens)
        ), pointer


def test_an_undefined_alias_is_refused_at_its_place() -> None:
    d = refused(b"a: 1\nb: *nowhere\n")
    assert (d.line, d.col) == (2, 4)
    assert "undefined alias" in d.message


def test_an_aliased_scalar_may_be_a_key_and_an_aliased_mapping_may_not() -> None:
    doc = parse_document(b"a: &k name\n*k : 2\n", Path("d.yaml"), "d.yaml")
    assert doc.data == {"a": "name", "name": 2}
    d = refused(b"a: &m {x: 1}\n? *m\n: 2\n")
    assert "plain scalars" in d.message


def test_an_aliased_value_is_a_copy_of_its_own() -> None:
    doc = parse_document(b"a: &x {type: string}\nb: *x\n", Path("d.yaml"), "d.yaml")
    doc.data["a"]["type"] = "integer"
    assert doc.data["b"] == {"type": "string"}


def test_real_yaml_documents_load_as_pyyaml_reads_them(oas_examples: Path) -> None:  # noqa: F811
    """oas-examples' YAML documents: safe_load's data, and the positions PyYAML's composer gives."""
    compared = 0
    for path in sorted(oas_examples.glob("3.*/yaml/*.yaml")):
        try:
            doc = parse_document(path.read_bytes(), path, path.name)
        except SpecError:
            continue
        assert doc.data == _pyyaml_data(path.read_bytes()), path.name
        root = yaml.compose(path.read_bytes(), Loader=yaml.CSafeLoader)
        for tokens in _pointers(doc.data)[::7]:
            pointer = "#" + "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)
            at = doc.locate(pointer)
            assert (at.line, at.col) == _composed_position(root, list(tokens)), (path, pointer)
        compared += 1
    assert compared >= 40


@pytest.mark.parametrize("name", ["openai_official", "anthropic"])
def test_vendor_yaml_loads_as_pyyaml_reads_it(name: str) -> None:
    path = VENDOR[name]
    doc = parse_document(path.read_bytes(), path, name)
    assert doc.data == _pyyaml_data(path.read_bytes())
    root = yaml.compose(path.read_bytes(), Loader=yaml.CSafeLoader)
    for tokens in _pointers(doc.data)[::251]:
        pointer = "#" + "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)
        at = doc.locate(pointer)
        assert (at.line, at.col) == _composed_position(root, list(tokens)), pointer


@pytest.mark.parametrize("extra", [4, 5])
def test_an_alias_nests_no_deeper_than_written_text_may(extra: int) -> None:
    """An anchored value 995 levels deep, used `extra` levels down: refused exactly where the
    same nesting written out is (the copy would otherwise reach stages that cannot go deeper)."""
    n = load.MAX_DEPTH - 5
    deep = "[" * n + "1" + "]" * n
    aliased = f"a: &x {deep}\nb: " + "[" * extra + "*x" + "]" * extra + "\n"
    written = "b: " + "[" * (n + extra) + "1" + "]" * (n + extra) + "\n"
    outcomes = []
    for text in (aliased, written):
        try:
            run_deep(lambda text=text: parse_document(text.encode(), Path("d.yaml"), "d.yaml"))
            outcomes.append("loaded")
        except SpecError as exc:
            assert "nested deeper than" in exc.diagnostics[0].message
            outcomes.append("refused")
    assert outcomes == (["loaded", "loaded"] if extra == 4 else ["refused", "refused"])


@pytest.mark.parametrize(
    "raw",
    [b'a: !!int ""\n', b"a: !!int _\n", b'a: !!float ""\n', b"a: !!bool maybe\n", b"a: !!bool\n"],
)
def test_an_explicitly_tagged_scalar_that_is_not_one_is_refused_at_its_place(raw: bytes) -> None:
    d = refused(raw)
    assert d.message.startswith("invalid scalar")
    assert (d.line, d.col) == (1, 4)


@pytest.mark.parametrize("raw", [b"a: &x [&x 1, *x]\n", b"a: &x 1\nb: &x 2\nc: *x\n"])
def test_a_second_anchor_of_one_name_is_refused_as_pyyaml_does(raw: bytes) -> None:
    with pytest.raises(yaml.YAMLError):
        yaml.compose(raw, Loader=yaml.SafeLoader)
    assert "duplicate anchor" in refused(raw).message
