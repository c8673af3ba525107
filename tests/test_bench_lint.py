"""The lint bench's own logic, without npm: families, places, verdicts and the parsers.

bench/lint.py judges apiforge against Redocly and Spectral; a mistake here would count a real miss
as matched (or the reverse), so the mapping, the place matching and the example verdicts are
checked on small constructed findings and documents.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.helpers import REPO

sys.path.insert(0, str(REPO / "bench"))
from lint_families import (  # noqa: E402
    Finding,
    apiforge_family,
    matched,
    peer_family,
    pointer_from_path,
    same_place,
)
from lint_tools import Run, as_json, from_json, parse  # noqa: E402
from lint_verdicts import judge_document  # noqa: E402

FILE = "/specs/api.json"


def peer(family: str, pointer: str, tool: str = "redocly", message: str = "") -> Finding:
    return Finding(tool, "rule", family, FILE, pointer, message)


def ours(family: str, pointer: str) -> Finding:
    return Finding("apiforge", "rule", family, FILE, pointer, "")


def test_peer_rules_land_in_the_issue_families() -> None:
    assert peer_family("redocly", "no-unused-components", "", "#/components/schemas/A") == (
        "unused-components"
    )
    assert peer_family("spectral", "oas3-unused-component", "", "#") == "unused-components"
    assert peer_family("redocly", "no-required-schema-properties-undefined", "", "#") == (
        "required-not-defined"
    )
    assert peer_family("redocly", "operation-summary", "", "#") == ""
    # Redocly's catch-all struct rule joins a family only for 3.0's nullable in a 3.1 document
    nullable = "Property `nullable` is not expected here."
    assert peer_family("redocly", "struct", nullable, "#") == "version-keywords"
    assert peer_family("redocly", "struct", "Property `optional` is not expected here.", "#") == ""
    # Spectral's path-params rule says four things; its message tells which
    required = 'Path parameter "id" must have "required" property that is set to "true".'
    assert peer_family("spectral", "path-params", required, "#") == "path-param-required"
    twins = 'Paths "/a/{x}" and "/a/{y}" must not be equivalent.'
    assert peer_family("spectral", "path-params", twins, "#") == "ambiguous-paths"
    twice = 'Path parameter "id" must not be defined multiple times.'
    assert peer_family("spectral", "path-params", twice, "#") == "duplicate-params"
    # Spectral checks defaults with its example rule
    at_default = "#/components/schemas/A/default"
    assert peer_family("spectral", "oas3-valid-schema-example", "", at_default) == "defaults"


def test_apiforge_rules_land_in_families_by_id_or_by_name() -> None:
    assert apiforge_family("required-properties", "#") == "required-not-defined"
    assert apiforge_family("openapi", "#/components/schemas/A/example") == "examples"
    assert apiforge_family("openapi", "#/components/schemas/A/properties/b/default") == "defaults"
    assert apiforge_family("openapi", "#/components/schemas/A/required") == ""
    # the OpenAPI schema's refusal of a parameter: `in: path` without `required: true`
    assert apiforge_family("openapi", "#/paths/~1a/get/parameters/0") == "path-param-required"
    # rule ids the lint branch may add are placed by their words
    assert apiforge_family("unused-components", "#") == "unused-components"
    assert apiforge_family("server-trailing-slash", "#") == "server-trailing-slash"
    assert apiforge_family("path-trailing-slash", "#") == "trailing-slash"
    assert apiforge_family("default-in-enum", "#") == "default-outside-enum"
    assert apiforge_family("stream-tool-call-index", "#") == ""


def test_spectral_paths_become_pointers() -> None:
    path = ["paths", "/a/{id}", "get", "responses", "200", "content", "application/json"]
    assert (
        pointer_from_path(path) == "#/paths/~1a~1{id}/get/responses/200/content/application~1json"
    )
    assert pointer_from_path(["components", "schemas", "a~b"]) == "#/components/schemas/a~0b"


def test_places_match_inside_one_operation_or_component_only() -> None:
    operation = "#/paths/~1a/get"
    assert same_place(operation, operation + "/responses")
    assert same_place(operation + "/responses", operation)
    assert not same_place(operation, "#/paths/~1a/post/responses")
    assert not same_place("#/paths/~1a", operation + "/responses")  # the path item is wider
    schema = "#/components/schemas/A"
    assert same_place(schema, schema + "/required/1")
    assert not same_place(schema + "/properties/x/example", schema + "/properties/y/example")
    assert not same_place("#/components/schemas", schema)
    assert not same_place("#/components/schemas/A", "#/components/schemas/AB")


def test_a_match_needs_the_same_family_and_file() -> None:
    finding = peer("unused-components", "#/components/schemas/A")
    assert matched(finding, [ours("unused-components", "#/components/schemas/A")])
    assert not matched(finding, [ours("examples", "#/components/schemas/A")])
    elsewhere = Finding("apiforge", "r", "unused-components", "/other.json", finding.pointer, "")
    assert not matched(finding, [elsewhere])
    # Redocly's ambiguous pair names the other path: apiforge may report either one
    pair = Finding("redocly", "r", "ambiguous-paths", FILE, "#/paths/~1b", "", ("#/paths/~1a",))
    assert matched(pair, [ours("ambiguous-paths", "#/paths/~1a")])
    # so does Spectral's, in double quotes
    said = 'Paths "/a/{x}" and "/a/{y}" must not be equivalent.'
    spectral = [
        {"code": "path-params", "message": said, "path": ["paths", "/a/{y}"], "source": FILE}
    ]
    [equivalent] = parse("spectral", Run(1, json.dumps(spectral), "", 0.1, 1), Path("/"))
    assert matched(equivalent, [ours("ambiguous-paths", "#/paths/~1a~1{x}")])


def test_peers_places_are_widened_where_they_name_a_part_of_one_thing() -> None:
    # an example whose check errored: Redocly points at the schema beside it
    errored = {"ruleId": "no-invalid-media-type-examples", "message": "Example validation errored",
               "location": [{"source": {"ref": FILE}, "pointer": "#/components/schemas/A/schema"}]}  # fmt: skip
    [beside] = parse("redocly", Run(1, json.dumps({"problems": [errored]}), "", 0.1, 1), Path("/"))
    assert matched(beside, [ours("examples", "#/components/schemas/A/example")])
    assert not matched(beside, [ours("examples", "#/components/schemas/A/properties/b/example")])
    # the peers name each key beside a $ref; apiforge may name the node, or another key of it
    sibling = ["components", "schemas", "A", "properties", "b", "nullable"]
    spectral = [{"code": "no-$ref-siblings", "message": "m", "path": sibling, "source": FILE}]
    [key] = parse("spectral", Run(1, json.dumps(spectral), "", 0.1, 1), Path("/"))
    assert matched(key, [ours("ref-siblings", "#/components/schemas/A/properties/b/description")])
    assert not matched(key, [ours("ref-siblings", "#/components/schemas/A/properties/c/type")])


DOCUMENT = {
    "openapi": "3.0.3",
    "paths": {
        "/pets": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Pet"},
                            "example": {"name": "Rex"},
                        }
                    }
                },
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/pets/": {},
        "/lonely/": {},
    },
    "components": {
        "schemas": {
            "Pet": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "name": {"type": "string", "nullable": True},
                },
            },
            "Tag": {"type": "string", "nullable": True, "example": None},
            "Age": {"type": "integer", "example": "old"},
            "Animal": {"type": "object", "discriminator": {"propertyName": "kind"}},
            "Cat": {"allOf": [{"$ref": "#/components/schemas/Animal"}]},
            "Rock": {"allOf": [{"$ref": "#/components/schemas/Age"}]},
            "Id": {"type": "string", "format": "uuid", "example": "not-a-uuid"},
            "Pointer": {"type": "string", "format": "json-pointer", "example": "no-slash"},
            "OneOfTwo": {
                "type": "object",
                "properties": {"url": {"type": "string"}, "file": {"type": "string"}},
                "not": {"required": ["url", "missing"]},
            },
            "Budget": {"nullable": False, "properties": {"a": {"nullable": True}}},
        }
    },
}
MEDIA = "#/paths/~1pets/post/requestBody/content/application~1json/example"


def verdicts(*findings: Finding) -> list[tuple[str, str]]:
    judged = judge_document(list(findings), [], lambda: DOCUMENT)
    return [(j.verdict, j.reason) for j in judged]


def test_examples_valid_as_generated_code_reads_them_are_named_false_alarms() -> None:
    # readOnly `id` is required, yet a request never sends it: the peer's alarm is false
    [(verdict, reason)] = verdicts(peer("examples", MEDIA))
    assert verdict == "false-alarm" and "readOnly" in reason
    [(verdict, reason)] = verdicts(peer("examples", "#/components/schemas/Tag/example"))
    assert verdict == "false-alarm" and "nullable" in reason


def test_examples_apiforge_refuses_too_are_misses() -> None:
    [(verdict, reason)] = verdicts(peer("examples", "#/components/schemas/Age/example"))
    assert verdict == "miss" and "'old' is not of type 'integer'" in reason


def test_matched_findings_are_not_judged_and_outside_ones_are_skipped() -> None:
    unused = peer("unused-components", "#/components/schemas/Age")
    judged = judge_document(
        [unused, peer("", "#/info")], [ours("unused-components", unused.pointer)], lambda: None
    )
    assert [(j.verdict, j.finding) for j in judged] == [("matched", unused)]


def test_a_lone_trailing_slash_is_a_false_alarm_and_a_twin_a_miss() -> None:
    lone = peer("trailing-slash", "#/paths/~1lonely~1")
    twin = peer("trailing-slash", "#/paths/~1pets~1")
    assert [v for v, _ in verdicts(lone, twin)] == ["false-alarm", "miss"]


def test_reports_parse_into_findings_with_absolute_files(tmp_path: Path) -> None:
    spec = tmp_path / "api.json"
    redocly = {
        "problems": [
            {
                "ruleId": "no-ambiguous-paths",
                "message": "Found two ambiguous paths: `/a/{x}` and `/a/b`.",
                "location": [{"source": {"ref": "api.json"}, "pointer": "#/paths/~1a~1b"}],
            }
        ]
    }
    [r] = parse("redocly", Run(1, json.dumps(redocly), "", 0.1, 1), tmp_path)
    assert (r.family, r.file, r.also) == (
        "ambiguous-paths",
        str(spec),
        ("#/paths/~1a~1{x}", "#/paths/~1a~1b"),
    )
    spectral = [{"code": "oas3-unused-component", "message": "m", "path": ["components", "schemas", "A"],
                 "source": str(spec)}]  # fmt: skip
    [s] = parse("spectral", Run(1, json.dumps(spectral), "", 0.1, 1), tmp_path)
    assert (s.family, s.pointer, s.file) == (
        "unused-components",
        "#/components/schemas/A",
        str(spec),
    )
    text = "api.json:3:5: error: name 'x' is required but not defined [required-properties] "
    text += "(at #/components/schemas/A/required/0)\napiforge: 0 of 1 document(s) valid\n"
    [a] = parse("apiforge", Run(1, "", text, 0.1, 1), tmp_path)
    assert (a.family, a.pointer, a.file) == (
        "required-not-defined",
        "#/components/schemas/A/required/0",
        str(spec),
    )


def test_journaled_findings_take_their_family_afresh() -> None:
    stale = Finding("spectral", "oas3-unused-component", "", FILE, "#/components/schemas/A", "m")
    [fresh] = from_json(as_json([stale]))
    assert fresh.family == "unused-components"


def test_formats_are_annotations_as_the_models_read_them() -> None:
    """The generator keeps only KEPT_FORMATS (numbers, binary): a uuid is a plain str there."""
    said = 'Example value must conform to the schema: must match format "{}".'
    uuid = peer("examples", "#/components/schemas/Id/example", message=said.format("uuid"))
    pointer = peer(
        "examples", "#/components/schemas/Pointer/example", message=said.format("json-pointer")
    )
    [(uuid_kind, uuid_reason), (plain, reason)] = verdicts(uuid, pointer)
    assert uuid_kind == "false-alarm" and uuid_reason.startswith("format uuid")
    assert plain == "false-alarm" and reason.startswith("format json-pointer")


def test_a_reduced_example_keeps_the_way_to_the_finding() -> None:
    from lint_verdicts import reduced

    pointer = "#/components/schemas/Pet/properties/name/nullable"
    text = reduced(DOCUMENT, pointer)
    assert json.loads(text) == {
        "type": "object",
        "required": "...",
        "properties": {"id": "...", "name": {"type": "string", "nullable": True}},
    }


def test_an_allof_child_of_a_discriminated_base_is_used() -> None:
    cat = peer("unused-components", "#/components/schemas/Cat")
    rock = peer("unused-components", "#/components/schemas/Rock")
    [(cat_verdict, reason), (rock_verdict, _)] = verdicts(cat, rock)
    assert cat_verdict == "false-alarm" and reason.startswith("discriminator")
    assert rock_verdict == "miss"


def test_the_report_counts_each_peer_finding_once_per_verdict() -> None:
    from lint_report import Header, render

    def redocly(rule: str, family: str, pointer: str) -> Finding:
        return Finding("redocly", rule, family, FILE, pointer, "")

    unused = redocly("no-unused-components", "unused-components", "#/components/schemas/Age")
    lone = redocly("no-path-trailing-slash", "trailing-slash", "#/paths/~1lonely~1")
    missed = redocly("path-not-include-query", "query-in-path", "#/paths/~1a?b")
    mine = Finding("apiforge", "unused-components", "unused-components", FILE, unused.pointer, "")
    tools = {
        "apiforge": {"findings": as_json([mine])},
        "redocly": {"findings": as_json([unused, lone, missed])},
        "spectral": {"findings": []},
    }
    for entry in tools.values():
        entry |= {"code": 1, "seconds": 0.5, "peak_kb": 1024}
    results = [{"document": "api/x.json", "path": FILE, "tools": tools}]
    judged = [
        judge_document(
            [unused, lone, missed], from_json(tools["apiforge"]["findings"]), lambda: DOCUMENT
        )
    ]
    header = Header(
        {"apiforge": "src", "redocly": "1", "spectral": "2"}, "abc", None, 1, (0.0, 0.0, 0.0)
    )
    rows = {
        line.split()[0]: line.split()
        for line in render(header, results, judged, None).splitlines()
        if line
    }
    # family, apiforge, alone | redocly: found, ours, false, miss | spectral: ...
    assert rows["unused-components"][1:9] == ["1", "0", "|", "1", "1", "0", "0", "|"]
    assert rows["trailing-slash"][4:8] == ["1", "0", "1", "0"]
    assert rows["query-in-path"][4:8] == ["1", "0", "0", "1"]
    assert (
        "issue 23's bar (every peer finding in the families matched or named): not met: 1 misses"
        in (render(header, results, judged, None))
    )


def test_schema_rule_alarms_named_false_only_where_the_document_says_so() -> None:
    required = "#/components/schemas/OneOfTwo/not/required"
    [(url, reason), (missing, _)] = verdicts(
        peer("required-not-defined", f"{required}/0"), peer("required-not-defined", f"{required}/1")
    )
    assert url == "false-alarm" and reason.startswith("required inside not") and missing == "miss"
    budget = "#/components/schemas/Budget"
    [(false, reason), (true, _)] = verdicts(
        peer("nullable-without-type", f"{budget}/nullable"),
        peer("nullable-without-type", f"{budget}/properties/a/nullable"),
    )
    assert false == "false-alarm" and reason.startswith("nullable: false") and true == "miss"
    [(in_30, _)] = verdicts(peer("array-items", "#/components/schemas/Age"))
    assert in_30 == "miss"  # 3.0 requires items; only a 3.1 document's is a false alarm


def test_nullable_beside_a_ref_is_one_finding_of_two_families() -> None:
    place = "#/components/schemas/Pet/properties/name/nullable"
    ref_sibling = peer("ref-siblings", place)
    assert matched(ref_sibling, [ours("nullable-without-type", place)])
    other = peer("ref-siblings", "#/components/schemas/Pet/properties/name/description")
    assert not matched(other, [ours("nullable-without-type", place)])
