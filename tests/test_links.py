"""The description link parser: what counts as a reference to a prior discussion."""

from __future__ import annotations

import time

import pytest

from bot.links import Reference, prose, references, strip_comments

# (body, targets in order, closing flags) — parsed as pull request acme/ml#42
CASES = [
    # short references
    ("Refs #12", ["#12"], [False]),
    ("(#12)", ["#12"], [False]),
    ("#12 at the start", ["#12"], [False]),
    ("see #12, #13; and [#14]", ["#12", "#13", "#14"], [False] * 3),
    ("- #12\n> #13\n**#14**", ["#12", "#13", "#14"], [False] * 3),
    ("GH-77", ["#77"], [False]),
    ("gh-77", ["#77"], [False]),
    ("see #12 and acme/rfcs#7", ["#12", "acme/rfcs#7"], [False, False]),
    ("huggingface/transformers#31000", ["huggingface/transformers#31000"], [False]),
    ("acme/ml#7 and #7 are the same issue", ["acme/ml#7"], [False]),
    # closing keywords, any case, with or without a colon, cross-repo, before a URL
    ("Fixes #12", ["#12"], [True]),
    ("fixed: #12", ["#12"], [True]),
    ("CLOSE #1, closes #2, closed #3", ["#1", "#2", "#3"], [True] * 3),
    (
        "fix #1 fixes #2 resolve #3 resolves #4 resolved #5",
        [f"#{i}" for i in range(1, 6)],
        [True] * 5,
    ),
    ("This RESOLVES acme/ml#7", ["acme/ml#7"], [True]),
    ("Closes other/repo#3", ["other/repo#3"], [True]),
    ("Refs #3, fixes #3", ["#3"], [True]),
    ("Fixes #1 and #2", ["#1", "#2"], [True, False]),
    ("Fixes https://github.com/acme/ml/issues/3", ["acme/ml#3"], [True]),
    # URLs: issues, discussions, another pull request (an RFC), with fragments or a query
    ("https://github.com/acme/ml/issues/3", ["acme/ml#3"], [False]),
    ("https://github.com/acme/rfcs/pull/5", ["acme/rfcs#5"], [False]),
    ("https://github.com/acme/ml/discussions/9#discussioncomment-1", ["acme/ml#9"], [False]),
    ("[the RFC](https://github.com/pytorch/rfcs/pull/54)", ["pytorch/rfcs#54"], [False]),
    ("https://www.github.com/acme/ml/issues/3?x=1", ["acme/ml#3"], [False]),
    ("HTTPS://GitHub.com/acme/ml/Issues/3", ["acme/ml#3"], [False]),
    # not references
    ("<!-- Fixes # (issue), e.g. Fixes #99 -->", [], []),
    ("<!--\nFixes #99\n-->\nNothing linked.", [], []),
    ("```\nFixes #5\n```", [], []),
    ("```python\nx = 1  # see #5\n```", [], []),
    ("~~~\n#5\n~~~", [], []),
    ("run `pytest -k #8`", [], []),
    ("## Motivation\n### Tests\n# Title", [], []),
    ("the colour #fff and #1e1e1e", [], []),
    ("https://example.com/page#123", [], []),
    ("https://github.com/acme/ml/blob/main/a.py#L12", [], []),
    ("https://gitlab.com/acme/ml/issues/4", [], []),
    ("&#123;", [], []),
    ("issue#12", [], []),
    ("C#1 and F#2", [], []),
    ("#0", [], []),
    ("#12345678901234567890", [], []),
    ("prefixes #1", ["#1"], [False]),
    # the pull request itself (number 42 in acme/ml)
    ("refs #42", [], []),
    ("GH-42", [], []),
    ("Fixes acme/ml#42", [], []),
    ("ACME/ML#42", [], []),
    ("https://github.com/acme/ml/pull/42", [], []),
    ("https://github.com/acme/ml/pull/42/files#diff-1", [], []),
    ("other/ml#42", ["other/ml#42"], [False]),
    ("https://github.com/acme/rfcs/pull/42", ["acme/rfcs#42"], [False]),
]


@pytest.mark.parametrize(("body", "targets", "closing"), CASES, ids=[c[0][:40] for c in CASES])
def test_references(body, targets, closing):
    refs = references(body, repo="acme/ml", number=42)
    assert [r.target for r in refs] == targets
    assert [r.closing for r in refs] == closing


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Fixes #12", Reference("number", 12, closing=True)),
        (
            "https://github.com/acme/rfcs/pull/5",
            Reference("pull", 5, "acme", "rfcs", "https://github.com/acme/rfcs/pull/5"),
        ),
        (
            "Resolves https://github.com/acme/ml/issues/3",
            Reference("issue", 3, "acme", "ml", "https://github.com/acme/ml/issues/3", True),
        ),
        (
            "https://github.com/acme/ml/discussions/9",
            Reference("discussion", 9, "acme", "ml", "https://github.com/acme/ml/discussions/9"),
        ),
        ("other/repo#3", Reference("number", 3, "other", "repo")),
    ],
    ids=["short-closing", "pull-url", "closing-url", "discussion-url", "cross-repo"],
)
def test_references_are_structured_for_online_verification(body, expected):
    assert references(body, repo="acme/ml", number=42) == [expected]


def test_extra_patterns_find_forum_threads_and_design_docs():
    body = (
        "RFC: https://discuss.pytorch.org/t/rfc-paged-attention/123 and "
        "https://docs.google.com/document/d/abc, nothing at https://example.com/x"
    )
    refs = references(
        body,
        extra_patterns=[r"https://discuss\.pytorch\.org/t/\S+", r"https://docs\.google\.com/\S+"],
    )
    assert [(r.kind, r.url) for r in refs] == [
        ("external", "https://discuss.pytorch.org/t/rfc-paged-attention/123"),
        ("external", "https://docs.google.com/document/d/abc,"),
    ]


def test_extra_patterns_do_not_look_inside_comments():
    body = "<!-- https://discuss.pytorch.org/t/x/1 -->"
    assert references(body, extra_patterns=[r"https://discuss\.pytorch\.org/t/\S+"]) == []


def test_a_github_enterprise_host_counts_when_given():
    body = "https://git.example.com/acme/ml/issues/3"
    assert references(body) == []
    assert [r.target for r in references(body, hosts=["git.example.com"])] == ["acme/ml#3"]


def test_prose_only_false_also_reads_comments_and_code():
    body = "<!-- Fixes #12 --> and `#13`"
    assert references(body) == []
    assert [r.target for r in references(body, prose_only=False)] == ["#12", "#13"]


def test_prose_drops_comments_and_code_but_keeps_text():
    text = prose("Intro <!-- hidden #1 --> text\n```py\n#2\n```\nafter `#3` end")
    assert "#1" not in text and "#2" not in text and "#3" not in text
    assert "Intro" in text and "after" in text and "end" in text


def test_strip_comments_keeps_code():
    assert strip_comments("a <!-- b --> `c`\n```\nd\n```") == "a  `c`\n```\nd\n```"


def test_unclosed_comment_hides_the_rest():
    assert [r.target for r in references("Fixes #1 <!-- template\nFixes #2")] == ["#1"]


def test_unclosed_fence_hides_the_rest():
    assert [r.target for r in references("#1\n```\n#2\n")] == ["#1"]


@pytest.mark.parametrize(
    "body",
    [
        ("#" * 1000 + "a/b#" * 1000 + "<!--" + "`" * 1000 + "\n") * 160,
        "Fixes #1 " * 100_000,
        ("https://github.com/a/b/issues/1#" + "x" * 50 + " #2 ") * 11_000,
        "```\n" * 250_000,
        "<!--" * 250_000,
    ],
    ids=["hashes-and-backticks", "many-references", "many-urls", "fences", "open-comments"],
)
def test_a_megabyte_of_hostile_text_is_parsed_in_linear_time(body):
    assert len(body) >= 900_000
    started = time.perf_counter()
    references(body, repo="a/b", number=3, extra_patterns=[r"(a+)+$", r"https://\S+"])
    assert time.perf_counter() - started < 2.0
