"""The fake GitHub answers in GitHub's shapes: every field it returns exists in the official
OpenAPI description (@octokit/openapi, subset in tests/fixtures/openapi/responses.json) with a
compatible type. The fake leaves out fields Steward never reads; it never invents one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.test_service import FILES, job, opened, service  # noqa: F401 (a fixture)

SPEC = json.loads((Path(__file__).parent / "fixtures" / "openapi" / "responses.json").read_text())
TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
}


def _template(method: str, path: str) -> str | None:
    for key in SPEC["operations"]:
        verb, template = key.split(" ", 1)
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", template)
        if template.endswith("{path}"):
            pattern = pattern[: -len("[^/]+")] + ".+"
        if verb == method and re.fullmatch(pattern, path):
            return key
    return None


def problems(value, schema: dict, where: str = "$") -> list[str]:
    """Why `value` does not fit `schema` (empty when it fits)."""
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [problems(value, s, where) for s in schema[key]]
            return [] if any(not p for p in options) else min(options, key=len)
    if "allOf" in schema:
        return [p for s in schema["allOf"] for p in problems(value, s, where)]
    if value is None:
        return [] if schema.get("nullable") or "type" not in schema else [f"{where}: null"]
    kind = schema.get("type")
    if (kind and not isinstance(value, TYPES[kind])) or (
        kind == "integer" and isinstance(value, bool)
    ):
        return [f"{where}: {type(value).__name__} is not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} not in {schema['enum']}"]
    out: list[str] = []
    if isinstance(value, dict) and "properties" in schema:
        for k, v in value.items():
            if k not in schema["properties"]:
                out.append(f"{where}.{k}: not in GitHub's schema")
            else:
                out.extend(problems(v, schema["properties"][k], f"{where}.{k}"))
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value[:5]):
            out.extend(problems(item, schema["items"], f"{where}[{i}]"))
    return out


@pytest.fixture
def exercised(fakehub, request):
    """A review that touches every endpoint the worker uses, with the responses recorded."""
    svc = request.getfixturevalue("service")
    fakehub.repos["acme/mlkit"]["files"]["src/mlkit/new.py"] = "# SPDX-License-Identifier: MIT\n"
    files = [
        *FILES,
        {
            "filename": "src/mlkit/added.py",
            "status": "added",
            "patch": "@@ -0,0 +1,6 @@\n" + "\n".join(f"+x{i} = {i}" for i in range(6)),
        },
    ]
    opened(fakehub, svc, files=files)
    svc.handle(job())
    fakehub.push("acme/mlkit", 5, "b" * 40, FILES)
    svc.memory.delete("checkrun:acme/mlkit@" + "b" * 40)
    svc.handle(job(reason="check_run.rerequested", delivery="again"))
    return fakehub.calls


def test_every_response_fits_githubs_openapi_schema(exercised):
    checked = set()
    for call in exercised:
        if call.status >= 300 or call.response is None:
            continue
        key = _template(call.method, call.path)
        assert key, f"{call.method} {call.path} is not in the extracted OpenAPI subset"
        schema = SPEC["operations"][key]["schema"]
        assert problems(call.response, schema) == [], key
        checked.add(key)
    assert len(checked) >= 7, checked


@pytest.mark.parametrize(
    ("value", "schema", "ok"),
    [
        ({"a": 1}, {"type": "object", "properties": {"a": {"type": "integer"}}}, True),
        ({"b": 1}, {"type": "object", "properties": {"a": {"type": "integer"}}}, False),
        ({"a": "x"}, {"type": "object", "properties": {"a": {"type": "integer"}}}, False),
        (None, {"type": "string", "nullable": True}, True),
        (None, {"type": "string"}, False),
        (True, {"type": "integer"}, False),
        ([{"a": 1}], {"type": "array", "items": {"type": "object", "properties": {}}}, False),
        ("x", {"oneOf": [{"type": "integer"}, {"type": "string"}]}, True),
    ],
)
def test_the_checker_itself(value, schema, ok):
    assert (problems(value, schema) == []) is ok
