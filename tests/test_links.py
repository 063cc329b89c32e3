"""The description link parser: what counts as a reference to a prior discussion."""

from __future__ import annotations

import time

import pytest

from bot.links import prose, references

CASES = [
    ("Fixes #12", ["#12"], True),
    ("fixed: #12", ["#12"], True),
    ("This RESOLVES acme/ml#7", ["acme/ml#7"], True),
    ("see #12 and acme/rfcs#7", ["acme/rfcs#7", "#12"], False),
    ("(#12)", ["#12"], False),
    ("GH-77", ["#77"], False),
    ("https://github.com/acme/ml/issues/3", ["acme/ml#3"], False),
    ("https://github.com/acme/rfcs/pull/5", ["acme/rfcs#5"], False),
    ("https://github.com/acme/ml/discussions/9#discussioncomment-1", ["acme/ml#9"], False),
    # not references
    ("<!-- Fixes # (issue), e.g. Fixes #99 -->", [], False),
    ("```\nFixes #5\n```", [], False),
    ("~~~\n#5\n~~~", [], False),
    ("run `pytest -k #8`", [], False),
    ("## Motivation\n### Tests", [], False),
    ("the colour #fff", [], False),
    ("https://example.com/page#123", [], False),
    ("&#123;", [], False),
    ("issue#12", [], False),
    # the pull request itself (number 42 in acme/ml)
    ("refs #42", [], False),
    ("acme/ml#42", [], False),
    ("https://github.com/acme/ml/pull/42", [], False),
    ("other/ml#42", ["other/ml#42"], False),
]


@pytest.mark.parametrize(("body", "targets", "closing"), CASES, ids=[c[0][:30] for c in CASES])
def test_references(body, targets, closing):
    refs = references(body, repo="acme/ml", number=42)
    assert [r.target for r in refs] == targets
    assert all(r.closing == closing for r in refs)


def test_extra_patterns_find_forum_threads_and_design_docs():
    body = "RFC: https://discuss.pytorch.org/t/rfc-paged-attention/123 and https://docs.google.com/document/d/abc"
    refs = references(
        body,
        extra_patterns=[r"https://discuss\.pytorch\.org/t/\S+", r"https://docs\.google\.com/\S+"],
    )
    assert [r.kind for r in refs] == ["external", "external"]
    assert refs[0].url.endswith("/123")


def test_prose_drops_comments_and_code_but_keeps_text():
    text = prose("Intro <!-- hidden #1 --> text\n```py\n#2\n```\nafter `#3` end")
    assert "#1" not in text and "#2" not in text and "#3" not in text
    assert "Intro" in text and "after" in text and "end" in text


def test_unclosed_comment_hides_the_rest():
    assert references("Fixes #1 <!-- template\nFixes #2") == [references("Fixes #1")[0]]


def test_a_megabyte_of_hostile_text_is_parsed_in_linear_time():
    body = ("#" * 1000 + "a/b#" * 1000 + "<!--" + "`" * 1000 + "\n") * 100
    started = time.perf_counter()
    references(body, extra_patterns=[r"(a+)+$"])
    assert time.perf_counter() - started < 2.0
