"""Bad input, patches (issue 6): whatever GitHub sends as files, the review completes and renders.

Table-driven odd files (binary, missing or huge patches, broken notebooks, odd names) and a
hypothesis strategy of random snapshots: `review()` never raises, no check crashes (a crash
would show as a RuleError), and the comment and check run render within GitHub's limits in time.
"""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot import config
from bot.render import output
from bot.review import Waiver, review
from bot.snapshot import (
    Association,
    Commit,
    FileChange,
    FileStatus,
    LinkedIssue,
    PullRequest,
    RepoContext,
    TextFile,
)
from tests.factories import file, patch_of, pr

EVERYTHING = config.load_text(
    """
rules:
  dco: true
  ai-disclosure: {enabled: true, always: true}
  license-header: {spdx: Apache-2.0, copyright: "{year} {holder}", holder: Acme}
  design-discussion: {core_paths: ["src/core/**"], max_lines: 10}
  tests: {per_module: true}
"""
)
CONFIGS = {"default": config.default(), "everything": EVERYTHING}


def _render(change: PullRequest, seconds: float = 5.0) -> None:
    """Review `change` under each config and render it; fail on any crash or slowness."""
    for name, cfg in CONFIGS.items():
        started = time.perf_counter()
        outcome = review(change, cfg, waivers=(Waiver("tests", "octocat", "why"),))
        assert outcome.errors == (), (name, outcome.errors)
        body = output.comment(outcome)
        run = output.check_run(outcome)
        assert body.startswith(output.MARKER) and len(body) <= output.COMMENT_LIMIT
        assert run.conclusion in ("success", "neutral", "failure")
        assert len(run.title) <= output.TITLE_LIMIT
        assert len(run.summary) <= output.OUTPUT_LIMIT and len(run.text) <= output.OUTPUT_LIMIT
        assert len(run.annotations) <= 100
        json.dumps([a.as_dict() for a in run.annotations])
        elapsed = time.perf_counter() - started
        assert elapsed < seconds, (name, f"{elapsed:.2f} s")


def _notebook_lines(n: int) -> list[str]:
    return ['   "outputs": [', "    {", '     "output_type": "stream",'] + [
        f'      "line {i}\\n",' for i in range(n)
    ]


HUGE = 200_000
CASES = {
    "binary-weights": [file("models/model.pt", binary=True, size=10**10)],
    "binary-notebook": [file("nb/a.ipynb", binary=True)],
    "missing-patch": [file("src/pkg/big.py", 5000, 3000, patch=None)],
    "missing-patch-added": [file("src/pkg/new.py", 900, patch=None)],
    "empty-patch": [FileChange("src/a.py", FileStatus.MODIFIED, 3, 1, patch="")],
    "huge-python-file": [file("src/pkg/huge.py", HUGE)],
    "huge-deletion": [file("src/pkg/old.py", removed=HUGE, status="removed")],
    "huge-notebook": [
        FileChange("nb/huge.ipynb", FileStatus.ADDED, HUGE, 0, patch_of(_notebook_lines(HUGE)))
    ],
    "huge-single-line": [file("src/one.py", ["x = '" + "a" * 5_000_000 + "'"])],
    "rename-no-change": [
        FileChange("src/new_name.py", FileStatus.RENAMED, previous_path="src/core/old.py")
    ],
    "rename-notebook": [FileChange("b.ipynb", FileStatus.RENAMED, previous_path="a.ipynb")],
    "copy-no-change": [FileChange("src/copy.py", FileStatus.COPIED, previous_path="src/a.py")],
    "notebook-malformed-json": [
        file("nb/broken.ipynb", ['{"cells": [', '  {"source": "unterminated', "}}}}]]]", "\x00"])
    ],
    "notebook-not-json": [file("nb/text.ipynb", ["just text", "", "  ", "\t\t"])],
    "notebook-weird-indent": [
        file("nb/w.ipynb", ['       "outputs": [', '  "source": [', ' "x"', '   "a": 1'], ["  }"])
    ],
    "notebook-exec-counts": [
        file("nb/e.ipynb", ['   "execution_count": 99999999999999999999999,'], 1)
    ],
    "replacement-chars": [file("src/u.py", ["x = '\ufffd\ufffd'", "\ufffd" * 100], ["\ufffd"])],
    "lone-surrogates": [file("src/s.py", ["x = '\udcff\ud800'"])],
    "crlf": [
        FileChange(
            "src/crlf.py",
            FileStatus.ADDED,
            6,
            0,
            "@@ -0,0 +1,6 @@\r\n+# SPDX-License-Identifier: MIT\r\n+a\r\n+b\r\n+c\r\n+d\r\n+e\r\n",
        )
    ],
    "no-newline-at-eof": [
        FileChange(
            "src/eof.py",
            FileStatus.MODIFIED,
            1,
            1,
            "@@ -1 +1 @@\n-old\n\\ No newline at end of file\n+new\n\\ No newline at end of file",
        )
    ],
    "absurd-hunk-headers": [
        FileChange(
            "src/h1.py", FileStatus.ADDED, 9, 0, "@@ -99999999999999999999,1 +-5,abc @@\n+x"
        ),
        FileChange("src/h2.py", FileStatus.ADDED, 9, 0, "@@@ -1,2 -1,2 +1,3 @@@\n++x\n +y"),
        FileChange("src/h3.py", FileStatus.ADDED, 9, 0, "@@\n@@ @@\n@\n+"),
        FileChange("src/h4.py", FileStatus.ADDED, 9, 0, "+no header\n-at all\n"),
        FileChange("src/h5.py", FileStatus.ADDED, 9, 0, "@@ -0,0 +" + "9" * 5000 + " @@\n+a"),
        FileChange("n.ipynb", FileStatus.MODIFIED, 9, 9, "@@ -1 +1 @@\n" + "@@\n" * 1000),
    ],
    "negative-and-huge-counts": [
        FileChange("src/c.py", FileStatus.MODIFIED, -5, -7, "@@ -1 +1 @@\n-a\n+b"),
        FileChange("src/d.py", FileStatus.MODIFIED, 10**15, 10**15, None),
    ],
    "unicode-names": [
        file("src/módulo/ファイル.py", 20),
        file("docs/naïve café.md", 3),
        file("models/模型.safetensors", binary=True, size=10**9),
    ],
    "names-with-spaces-quotes-newlines": [
        file("src/a file.py", 10),
        file('src/"quoted" `tick` $(rm -rf).py', 10),
        file("src/new\nline.py", 10),
        file("src/tab\there\r.py", 10),
        file('models/evil\n`".pt', binary=True),
        file(".env\n", 1),
        file("<!-- steward:comment -->.pt", binary=True),
    ],
    "odd-paths": [
        file("", 3),
        file("/", 3),
        file("a/", 3),
        file("../../etc/passwd", 3),
        file("a//b///c.py", 3),
        file("x" * 5000 + ".py", 30),
        file("/".join(["d"] * 500) + "/m.pt", binary=True),
        file(".", 1),
        file("README.md", ["license", "training data"]),
    ],
    "secrets-and-debris": [
        file("keys/id_rsa", ["-----BEGIN RSA PRIVATE KEY-----", "abc"]),
        file("src/__pycache__/a.pyc", binary=True),
        file("x.key", patch=None),
    ],
    "thousands-of-files": [file(f"src/pkg/m{i}.py", 3) for i in range(3000)],
}


@pytest.mark.parametrize("files", list(CASES.values()), ids=list(CASES))
def test_odd_files_are_reviewed_and_rendered(files):
    _render(pr(*files, body="Fixes #1"), seconds=10.0)


def test_odd_files_with_a_first_timer_and_an_empty_description():
    every = [f for files in CASES.values() for f in files[:3]]
    _render(pr(*every, body="", association="FIRST_TIME_CONTRIBUTOR"), seconds=10.0)


# -- random snapshots ----------------------------------------------------------------------

_SEGMENT = st.one_of(
    st.sampled_from(["src", "tests", "docs", "models", "nb", "core", ".github", "vendor", "a b"]),
    st.text(min_size=0, max_size=8),
)
_NAME = st.one_of(
    st.sampled_from(
        [
            "m.py",
            "__init__.py",
            "test_m.py",
            "a.ipynb",
            "w.safetensors",
            "w.pt",
            "README.md",
            "model_card.md",
            ".gitattributes",
            "poetry.lock",
            "x.pb.go",
            "k.pem",
            ".DS_Store",
            "lib.rs",
            "a.cu",
            "Main.java",
            "x.ts",
            "d.parquet",
            "data.json",
            "setup.py",
            "x.m",
        ]
    ),
    st.text(min_size=0, max_size=12),
)


@st.composite
def _path(draw) -> str:
    return "/".join([*draw(st.lists(_SEGMENT, max_size=4)), draw(_NAME)])


_TEXT_LINE = st.one_of(
    st.sampled_from(
        [
            '   "outputs": [',
            '     "output_type": "stream",',
            '   "source": [',
            '    "x = 1\\n",',
            '   "execution_count": 3,',
            " ],",
            "  {",
            "  }",
            "{",
            "}",
            '  "cells": [',
            '  "metadata": {',
            "# SPDX-License-Identifier: MIT",
            "# Copyright 2024 Acme",
            "-----BEGIN PRIVATE KEY-----",
            "version https://git-lfs.github.com/spec/v1",
            "from . import x",
            "__all__ = []",
            "#[test]",
            "Signed-off-by: A <a@b>",
            "\\",
            "@@ -1,3 +1,4 @@",
            "@@ -0,0 +1 @@",
            "@@@ -1 -1 +1 @@@",
            "\r",
            "\ufffd",
            "\udcff",
        ]
    ),
    st.text(max_size=30),
)
_PATCH_LINE = st.one_of(
    st.tuples(st.sampled_from(["+", "-", " ", "\\", "", "@@ "]), _TEXT_LINE).map("".join),
    st.sampled_from(["\\ No newline at end of file", "@@ -1 +1 @@", "+++ b/x", "--- a/x"]),
)


@st.composite
def _patch(draw) -> str | None:
    kind = draw(st.sampled_from(["none", "empty", "hunks", "text"]))
    if kind == "none":
        return None
    if kind == "empty":
        return ""
    if kind == "text":
        return draw(st.text(max_size=200))
    header = draw(st.sampled_from(["@@ -0,0 +1,{n} @@", "@@ -1,{n} +1,{n} @@", "@@ -5 +7,{n} @@"]))
    lines = draw(st.lists(_PATCH_LINE, max_size=40))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    return eol.join([header.format(n=len(lines)), *lines])


@st.composite
def _file(draw) -> FileChange:
    status = draw(st.sampled_from(list(FileStatus)))
    return FileChange(
        path=draw(_path()),
        status=status,
        additions=draw(st.integers(0, 10**6)),
        deletions=draw(st.integers(0, 10**6)),
        patch=draw(_patch()),
        previous_path=draw(st.none() | _path()),
        binary=draw(st.booleans()),
        size=draw(st.none() | st.integers(0, 10**12)),
    )


_TEXT_FILE = st.builds(
    TextFile,
    path=_path(),
    text=st.lists(_TEXT_LINE, max_size=12).map("\n".join),
)
_ATTRIBUTES = st.builds(
    TextFile,
    path=st.sampled_from([".gitattributes", "models/.gitattributes", "a/b/.gitattributes"]),
    text=st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "*.pt filter=lfs diff=lfs merge=lfs -text",
                    "*.lock linguist-generated",
                    "vendor/** linguist-vendored",
                    "[attr]binary -diff -merge -text",
                    "!*.py",
                    '"a b" text',
                    "\\#x -text",
                    "** -lfs",
                    "*.ipynb binary",
                    "[attr]",
                ]
            ),
            st.text(max_size=30),
        ),
        max_size=8,
    ).map("\n".join),
)
_BODY = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "Fixes #12",
                "See acme/ml#3",
                "https://github.com/acme/ml/issues/9",
                "<!-- #5 -->",
                "```\n#7\n```",
                "- [x] I used Copilot",
                "- [ ] AI tools",
                "GH-0",
                "#999999999999999999999",
                "https://discuss.pytorch.org/t/x",
                "/steward waive tests",
                "",
            ]
        ),
        st.text(max_size=40),
    ),
    max_size=8,
).map("\n".join)


@st.composite
def _pull_request(draw) -> PullRequest:
    repo = RepoContext(
        full_name=draw(st.sampled_from(["acme/ml", "acme/.github", "", "a/b/c"])),
        attributes=tuple(draw(st.lists(_ATTRIBUTES, max_size=2))),
        header_samples=tuple(draw(st.lists(_TEXT_FILE, max_size=6))),
        contributing_path=draw(st.none() | st.sampled_from(["CONTRIBUTING.md", "/x", ""])),
        pr_template=draw(st.none() | _BODY),
        html_url=draw(st.sampled_from(["https://github.com/acme/ml", "", "not a url", "http://["])),
        contributing_sections=tuple(draw(st.lists(st.text(max_size=20), max_size=4))),
    )
    commits = draw(
        st.lists(
            st.builds(
                Commit,
                sha=st.text(max_size=40),
                message=st.text(max_size=80),
                author_name=st.text(max_size=10),
                author_email=st.text(max_size=10),
                author_login=st.none() | st.text(max_size=10),
            ),
            max_size=3,
        )
    )
    linked = st.builds(
        LinkedIssue,
        repo=st.sampled_from(["acme/ml", "other/x"]),
        number=st.integers(0, 10**6),
        exists=st.booleans(),
        labels=st.lists(st.text(max_size=8), max_size=2).map(tuple),
    )
    return PullRequest(
        number=draw(st.integers(0, 10**9)),
        title=draw(st.text(max_size=60)),
        body=draw(_BODY),
        draft=draw(st.booleans()),
        author=draw(st.text(max_size=10)),
        association=draw(st.sampled_from(list(Association))),
        labels=tuple(
            draw(st.lists(st.sampled_from(["steward/waive-tests", "steward/waive-", "size/XL"])))
        ),
        commits=tuple(commits),
        files=tuple(draw(st.lists(_file(), max_size=8))),
        repo=repo,
        created_at=draw(st.none() | st.sampled_from(["2024-05-01T00:00:00Z", "", "abcd", "0"])),
        linked=draw(st.none() | st.lists(linked, max_size=3).map(tuple)),
    )


@settings(
    max_examples=150,
    deadline=2000,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_pull_request())
def test_random_snapshots_never_break_review_or_rendering(change):
    _render(change, seconds=2.0)
