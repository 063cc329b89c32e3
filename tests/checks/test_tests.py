"""The `tests` rule: code changes bring tests; the message names the expected test file."""

from __future__ import annotations

import pytest

from bot.checks.tests import Settings, check, expected_test
from bot.render import word
from tests.factories import file, pr

CASES = [
    # (id, files, settings, expected kinds, expected paths)
    ("code-without-tests", [file("src/mlkit/ops/scan.py", 10, 2)], {}, ["missing"], [None]),
    (
        "code-with-any-test",
        [file("src/mlkit/ops/scan.py", 10), file("tests/test_x.py", 3)],
        {},
        [],
        [],
    ),
    (
        "one-line-fix-exempt",
        [file("src/mlkit/ops/scan.py", ["x = 2"], ["x = 1"])],
        {},
        ["missing"],
        [None],
    ),
    ("single-added-line-exempt", [file("src/mlkit/ops/scan.py", 1, status="modified")], {}, [], []),
    ("threshold-raised", [file("src/mlkit/ops/scan.py", 5)], {"exempt_up_to_lines": 5}, [], []),
    ("docs-only", [file("docs/index.md", 50), file("README.md", 5)], {}, [], []),
    (
        "ci-and-config",
        [file(".github/workflows/ci.yml", 30), file("pyproject.toml", 4)],
        {},
        [],
        [],
    ),
    (
        "examples-and-benchmarks",
        [file("examples/train.py", 40), file("benchmarks/b.py", 40)],
        {},
        [],
        [],
    ),
    ("generated-excluded", [file("src/mlkit/proto/api_pb2.py", 400)], {}, [], []),
    ("removed-file", [file("src/mlkit/old.py", removed=80, status="removed")], {}, [], []),
    (
        "pure-rename",
        [file("src/mlkit/b.py", status="renamed", previous_path="src/mlkit/a.py")],
        {},
        [],
        [],
    ),
    (
        "removed-test-does-not-count",
        [file("src/mlkit/a.py", 10), file("tests/test_a.py", removed=5, status="removed")],
        {},
        ["missing"],
        [None],
    ),
    (
        "nested-tests-dir",
        [file("src/mlkit/a.py", 10), file("src/mlkit/tests/test_a.py", 5)],
        {},
        [],
        [],
    ),
    (
        "go-test",
        [file("pkg/server/handler.go", 20), file("pkg/server/handler_test.go", 10)],
        {},
        [],
        [],
    ),
    ("ts-spec", [file("web/src/app.ts", 20), file("web/src/app.spec.ts", 10)], {}, [], []),
    (
        "rust-inline-tests",
        [
            file(
                "src/lib.rs",
                ["fn f() {}", "#[cfg(test)]", "mod tests {", "#[test]", "fn t() {}", "}"],
            )
        ],
        {},
        [],
        [],
    ),
    (
        "per-module-missing",
        [file("src/mlkit/a.py", 10), file("src/mlkit/b.py", 10), file("tests/test_a.py", 5)],
        {"per_module": True},
        ["missing-counterpart"],
        ["src/mlkit/b.py"],
    ),
    (
        "per-module-all-there",
        [file("src/mlkit/a.py", 10), file("tests/unit/test_a.py", 5)],
        {"per_module": True},
        [],
        [],
    ),
    (
        "per-module-b_test-name",
        [file("src/mlkit/a.py", 10), file("mlkit/a_test.py", 5)],
        {"per_module": True},
        [],
        [],
    ),
    ("cuda-kernel", [file("csrc/attention/flash.cu", 60)], {}, ["missing"], [None]),
]


@pytest.mark.parametrize(
    ("files", "settings", "kinds", "paths"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_tests_rule(files, settings, kinds, paths):
    findings = check(pr(*files), Settings(**settings))
    assert [f.kind for f in findings] == kinds
    assert [f.path for f in findings] == paths


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("pkg/a/b.py", "tests/a/test_b.py"),
        ("src/pkg/a/b.py", "tests/a/test_b.py"),
        ("pkg/b.py", "tests/test_b.py"),
        ("b.py", "tests/test_b.py"),
        ("src/mlkit/models/mamba/__init__.py", "tests/models/test_mamba.py"),
        ("csrc/ops/gemm.cu", "tests/ops/test_gemm.cpp"),
        ("pkg/server/handler.go", "pkg/server/handler_test.go"),
        ("web/src/app.ts", "web/src/app.test.ts"),
    ],
)
def test_expected_counterpart(module, expected):
    assert expected_test(module) == expected


def test_message_names_the_expected_test_the_count_and_the_config_key():
    findings = check(pr(file("src/mlkit/ops/scan.py", 30, 5), file("docs/a.md", 3)), Settings())
    worded = word(findings[0])
    assert worded.title == "No tests changed with 35 lines of code"
    assert "`tests/ops/test_scan.py`" in worded.message
    assert "`test_scan.py`" in worded.message and "`scan_test.py`" in worded.message
    assert "rules.tests" in worded.message


def test_many_modules_are_capped_in_the_message():
    files = [file(f"src/mlkit/m{i}.py", 5) for i in range(12)]
    finding = check(pr(*files), Settings())[0]
    assert len(finding.facts["modules"]) == 5 and finding.facts["more"] == 7
    assert "7 more files" in word(finding).message
