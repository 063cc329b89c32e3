"""The CONTRIBUTING guide's sections: headings, GitHub anchors, and the section a rule points to."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot import config, guide
from bot.render.output import comment
from bot.review import review
from tests.factories import file, pr

GUIDE = """# Contributing to mlkit

Thanks!

## How to submit a pull request

```sh
# Not a heading: inside a code block
```

## Testing your change
### Running `pytest` locally
## Licensing & headers
## Large files (weights, datasets) go to the Hub
"""


def test_headings_skip_code_blocks():
    assert guide.headings(GUIDE) == (
        "Contributing to mlkit",
        "How to submit a pull request",
        "Testing your change",
        "Running `pytest` locally",
        "Licensing & headers",
        "Large files (weights, datasets) go to the Hub",
    )


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Testing your change", "testing-your-change"),
        ("Running `pytest` locally", "running-pytest-locally"),
        ("Licensing & headers", "licensing--headers"),
        (
            "Large files (weights, datasets) go to the Hub",
            "large-files-weights-datasets-go-to-the-hub",
        ),
        ("See [the RFC process](https://x.y/rfc)", "see-the-rfc-process"),
        ("1.2 Code style", "12-code-style"),
    ],
)
def test_anchors_match_githubs(heading, anchor):
    assert guide.anchor(heading) == anchor


@pytest.mark.parametrize(
    ("topic", "heading"),
    [
        ("tests", "Testing your change"),
        ("license-header", "Licensing & headers"),
        ("ml-artifacts", "Large files (weights, datasets) go to the Hub"),
        ("_welcome", "How to submit a pull request"),
        ("notebooks", None),
        ("no-such-rule", None),
    ],
)
def test_the_section_for_a_rule(topic, heading):
    assert guide.section_for(topic, guide.headings(GUIDE)) == heading


def _review(association: str, contributing: str | None = None):
    change = pr(file("src/mlkit/ops/scan.py", 40), association=association)
    change = replace(change, repo=replace(change.repo, contributing_sections=guide.headings(GUIDE)))
    text = f"comment:\n  contributing: {contributing}\n" if contributing else ""
    return comment(review(change, config.load_text(text)))


def test_a_first_timer_is_pointed_to_the_relevant_sections():
    body = _review("FIRST_TIME_CONTRIBUTOR")
    base = "https://github.com/acme/ml/blob/main/CONTRIBUTING.md"
    assert f"[contributing guide]({base}#how-to-submit-a-pull-request)" in body
    assert f"[says more about this]({base}#testing-your-change)" in body


@pytest.mark.parametrize(
    ("association", "contributing"),
    [("CONTRIBUTOR", None), ("FIRST_TIME_CONTRIBUTOR", "https://mlkit.dev/contributing")],
)
def test_no_section_links_for_others_or_for_a_guide_elsewhere(association, contributing):
    assert "#testing-your-change" not in _review(association, contributing)


@pytest.mark.parametrize(
    ("association", "linked"), [("FIRST_TIME_CONTRIBUTOR", True), ("MEMBER", False)]
)
def test_the_app_reads_the_guide_for_first_timers_only(
    fake_github, redis_client, association, linked
):
    from bot.cache import Memory, RedisTokenCache
    from bot.github import App
    from bot.jobs import ReviewJob
    from bot.service import Service
    from bot.store import Store

    repo = "acme/mlkit"
    fake_github.add_repo(repo, {"CONTRIBUTING.md": GUIDE, "src/mlkit/a.py": "x = 1\n"})
    change = [{"filename": "src/mlkit/a.py", "status": "modified",
               "patch": "@@ -1 +1,30 @@\n" + "".join(f"+y{i} = {i}\n" for i in range(30))}]  # fmt: skip
    fake_github.add_pull(repo, 3, change, association=association)
    inst = next(iter(fake_github.installations))
    app = App(fake_github.url, fake_github.app_id, fake_github.private_key_pem,
              RedisTokenCache(redis_client))  # fmt: skip
    service = Service(app, Memory(redis_client), Store(redis_client), time_limit=60)
    service.review(ReviewJob(inst, "d", repo, 3, None, "pull_request.opened"))
    (body,) = [c["body"] for c in fake_github.comments(repo, 3)]
    assert ("CONTRIBUTING.md#testing-your-change" in body) is linked
