"""Extract the response schemas of the operations the fake implements from @octokit/openapi.

    mkdir -p /tmp/oa && cd /tmp/oa && npm install @octokit/openapi
    python tests/fakegithub/extract_openapi.py /tmp/oa/node_modules/@octokit/openapi

Reads `generated/api.github.com.deref.json` (OpenAPI 3.0, every $ref already inlined), keeps
the success response of each operation in OPERATIONS, turns OpenAPI's `nullable` into JSON
Schema (`"type": [..., "null"]`), reads an installation's `account`, which the description
gives as `allOf: [Simple User, Enterprise]` (no real account fits both), as `anyOf`, keeps only the keywords that describe shape, and cuts the
tree at MAX_DEPTH nested schemas (deeper parts accept anything) so the file stays small.
Writes tests/fixtures/openapi/fakegithub.json, which `jsonschema` validates against directly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "openapi" / "fakegithub.json"
MAX_DEPTH = 6
KEEP = {"type", "properties", "items", "required", "enum", "oneOf", "anyOf", "allOf",
        "additionalProperties", "nullable"}  # fmt: skip
OPERATIONS = [
    "GET /app",
    "GET /app/installations",
    "GET /app/installations/{installation_id}",
    "POST /app/installations/{installation_id}/access_tokens",
    "GET /repos/{owner}/{repo}/installation",
    "GET /installation/repositories",
    "GET /app/hook/deliveries",
    "POST /app/hook/deliveries/{delivery_id}/attempts",
    "GET /app/hook/config",
    "POST /app-manifests/{code}/conversions",
    "GET /rate_limit",
    "GET /repos/{owner}/{repo}",
    "GET /repos/{owner}/{repo}/pulls/{pull_number}",
    "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
    "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits",
    "GET /repos/{owner}/{repo}/contents/{path}",
    "GET /repos/{owner}/{repo}/git/trees/{tree_sha}",
    "GET /repos/{owner}/{repo}/git/blobs/{file_sha}",
    "GET /repos/{owner}/{repo}/collaborators/{username}/permission",
    "GET /repos/{owner}/{repo}/commits/{ref}",
    "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
    "GET /repos/{owner}/{repo}/issues/{issue_number}",
    "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
    "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
    "GET /repos/{owner}/{repo}/issues/comments/{comment_id}",
    "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
    "DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}",
    "GET /repos/{owner}/{repo}/labels",
    "GET /repos/{owner}/{repo}/labels/{name}",
    "POST /repos/{owner}/{repo}/labels",
    "GET /repos/{owner}/{repo}/issues/{issue_number}/labels",
    "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
    "PUT /repos/{owner}/{repo}/issues/{issue_number}/labels",
    "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
    "POST /repos/{owner}/{repo}/check-runs",
    "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
    "GET /repos/{owner}/{repo}/check-runs/{check_run_id}",
]


def prune(schema: Any, depth: int = 0) -> Any:
    """Shape-only JSON Schema from an OpenAPI 3.0 schema, cut at MAX_DEPTH."""
    if not isinstance(schema, dict):
        return schema
    if depth >= MAX_DEPTH:
        return {}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in KEEP:
            continue
        if key == "properties":
            out[key] = {k: prune(v, depth + 1) for k, v in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = prune(value, depth + 1) if isinstance(value, dict) else value
        elif key in ("oneOf", "anyOf", "allOf"):
            titles = {v.get("title") for v in value}
            if key == "allOf" and titles == {"Simple User", "Enterprise"}:
                key = "anyOf"  # the description's slip: an account is a user OR an enterprise
            out[key] = [prune(v, depth + 1) for v in value]
        else:
            out[key] = value
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def main(package: str) -> None:
    root = Path(package)
    spec = json.loads((root / "generated" / "api.github.com.deref.json").read_text())
    version = json.loads((root / "package.json").read_text())["version"]
    operations = {}
    for op in OPERATIONS:
        method, path = op.split(" ", 1)
        responses = spec["paths"][path][method.lower()]["responses"]
        status = min(s for s in responses if s.startswith("2"))
        content = responses[status].get("content", {}).get("application/json", {})
        entry: dict[str, Any] = {"status": int(status)}
        if "schema" in content:
            entry["schema"] = prune(content["schema"])
        operations[op] = entry
    out = {
        "source": f"@octokit/openapi {version}, generated/api.github.com.deref.json "
        f"(OpenAPI {spec['openapi']}); see tests/fakegithub/extract_openapi.py",
        "operations": operations,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, separators=(",", ":"), sort_keys=True) + "\n")
    print(f"{len(operations)} operations, {OUT.stat().st_size // 1024} KiB -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
