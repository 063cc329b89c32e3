"""Copy real webhook payloads from @octokit/webhooks-examples into tests/fixtures/webhooks/.

    mkdir -p /tmp/oa && cd /tmp/oa && npm install @octokit/webhooks-examples@7.6
    python tests/fakegithub/copy_webhooks.py /tmp/oa/node_modules/@octokit/webhooks-examples

Writes the package's complete index gzipped (4.3 MB as shipped, 3.5 MB without indentation) and one file per payload we use:
the first example of each (event, action). Two payloads the package lacks are derived, and
say so in a top-level `_derived` key: `pull_request.edited` (from `pull_request.opened`, with
GitHub's `changes` object) and `issue_comment.created` on a pull request (the package's only
comments are on issues; GitHub marks a pull request's issue with `issue.pull_request`).
"""

from __future__ import annotations

import copy
import gzip
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "webhooks"
WANTED = [
    ("pull_request", "opened"),
    ("pull_request", "synchronize"),
    ("pull_request", "reopened"),
    ("pull_request", "ready_for_review"),
    ("pull_request", "labeled"),
    ("check_run", "rerequested"),
    ("check_suite", "rerequested"),
    ("push", None),
    ("installation", "created"),
    ("installation_repositories", "added"),
    ("ping", None),
]


def first_example(index: list[dict], event: str, action: str | None) -> dict:
    """The package's first example payload of `event` with `action`."""
    for entry in index:
        if entry["name"] == event:
            for example in entry["examples"]:
                if example.get("action") == action:
                    return example
    raise LookupError(f"no example of {event}.{action}")


def derived_edited(index: list[dict]) -> dict:
    payload = copy.deepcopy(first_example(index, "pull_request", "opened"))
    old_title = payload["pull_request"]["title"]
    payload["action"] = "edited"
    payload["pull_request"]["title"] = old_title + " (edited)"
    payload = {"action": "edited", "number": payload["number"],
               "changes": {"title": {"from": old_title}}, **payload}  # fmt: skip
    payload["_derived"] = (
        "pull_request.opened example; action, title and changes set as GitHub sends them"
    )
    return payload


def derived_comment_on_pull(index: list[dict]) -> dict:
    payload = copy.deepcopy(first_example(index, "issue_comment", "created"))
    issue = payload["issue"]
    repo = payload["repository"]["full_name"]
    number = issue["number"]
    issue["pull_request"] = {
        "url": f"https://api.github.com/repos/{repo}/pulls/{number}",
        "html_url": f"https://github.com/{repo}/pull/{number}",
        "diff_url": f"https://github.com/{repo}/pull/{number}.diff",
        "patch_url": f"https://github.com/{repo}/pull/{number}.patch",
        "merged_at": None,
    }
    issue["html_url"] = f"https://github.com/{repo}/pull/{number}"
    payload["comment"]["html_url"] = (
        f"https://github.com/{repo}/pull/{number}#issuecomment-{payload['comment']['id']}"
    )
    payload["_derived"] = (
        "issue_comment.created example; issue.pull_request added (a comment on a pull request)"
    )
    return payload


def main(package: str) -> None:
    source = Path(package) / "api.github.com" / "index.json"
    index = json.loads(source.read_bytes())
    OUT.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(OUT / "index.json.gz", "wb", mtime=0) as out:
        out.write(json.dumps(index).encode())  # same data, without the package's indentation
    payloads = {f"{e}.{a}" if a else e: first_example(index, e, a) for e, a in WANTED}
    payloads["pull_request.edited"] = derived_edited(index)
    payloads["issue_comment.created"] = derived_comment_on_pull(index)
    for name, payload in payloads.items():
        (OUT / f"{name}.json").write_text(json.dumps(payload, indent=1))
    print(f"{len(index)} events, {sum(len(e['examples']) for e in index)} examples -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
