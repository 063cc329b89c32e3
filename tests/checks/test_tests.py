"""The `tests` rule: code changes bring tests; the message names the expected test file."""

from __future__ import annotations

import pytest

from bot.checks.tests import Settings, changed_lines, check, expected_test
from bot.render import word
from tests.factories import file, pr

INIT_REEXPORTS = file(
    "src/mlkit/models/__init__.py",
    [
        "from .mamba import (",
        "    MambaConfig,",
        '    "MambaModel",',
        ")",
        "import mlkit.ops as ops",
        "",
        "# the new model",
        "__all__ += ['MambaModel']",
    ],
    ["from .llama import LlamaModel"],
)
INIT_LOGIC = file(
    "src/mlkit/models/__init__.py",
    ["from .mamba import MambaModel", "if MambaModel.supported():", "    register(MambaModel)"],
    status="modified",
)

# (id, files, settings, kinds, paths)
CASES = [
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
        [],
        [],
    ),
    ("single-added-line-exempt", [file("src/mlkit/ops/scan.py", 1, status="modified")], {}, [], []),
    ("two-lines-need-a-test", [file("src/mlkit/ops/scan.py", 2)], {}, ["missing"], [None]),
    (
        "one-line-in-each-of-two-files",
        [file("src/mlkit/a.py", 1), file("src/mlkit/b.py", 1)],
        {},
        ["missing"],
        [None],
    ),
    ("threshold-raised", [file("src/mlkit/ops/scan.py", 5)], {"exempt_up_to_lines": 5}, [], []),
    (
        "threshold-zero",
        [file("src/mlkit/ops/scan.py", 1)],
        {"exempt_up_to_lines": 0},
        ["missing"],
        [None],
    ),
    ("docs-only", [file("docs/index.md", 50), file("README.md", 5)], {}, [], []),
    ("docs-conf-py", [file("docs/source/conf.py", 50)], {}, [], []),
    (
        "ci-and-config",
        [
            file(".github/workflows/ci.yml", 30),
            file("pyproject.toml", 4),
            file("requirements-dev.txt", 3),
            file("setup.py", 12),
            file("Dockerfile", 8),
        ],
        {},
        [],
        [],
    ),
    (
        "examples-benchmarks-scripts",
        [
            file("examples/train.py", 40),
            file("benchmarks/b.py", 40),
            file("python/sglang/benchmarks/run.py", 40),
            file("scripts/convert.py", 40),
        ],
        {},
        [],
        [],
    ),
    ("not-source", [file("assets/logo.svg", 40), file("run.sh", 10)], {}, [], []),
    ("generated-excluded", [file("src/mlkit/proto/api_pb2.py", 400)], {}, [], []),
    ("vendored-excluded", [file("third_party/cutlass/gemm.cu", 400)], {}, [], []),
    ("removed-file", [file("src/mlkit/old.py", removed=80, status="removed")], {}, [], []),
    (
        "pure-rename",
        [file("src/mlkit/b.py", status="renamed", previous_path="src/mlkit/a.py")],
        {},
        [],
        [],
    ),
    (
        "rename-with-edits",
        [file("src/mlkit/b.py", 5, 2, status="renamed", previous_path="src/mlkit/a.py")],
        {},
        ["missing"],
        [None],
    ),
    ("init-reexports-only", [INIT_REEXPORTS], {}, [], []),
    ("init-with-logic", [INIT_LOGIC], {}, ["missing"], [None]),
    (
        "init-without-patch-counts-all",
        [file("src/mlkit/__init__.py", 30, patch=None)],
        {},
        ["missing"],
        [None],
    ),
    (
        "removed-test-does-not-count",
        [file("src/mlkit/a.py", 10), file("tests/test_a.py", removed=5, status="removed")],
        {},
        ["missing"],
        [None],
    ),
    (
        "renamed-test-without-edits-does-not-count",
        [
            file("src/mlkit/a.py", 10),
            file("tests/test_b.py", status="renamed", previous_path="tests/test_a.py"),
        ],
        {},
        ["missing"],
        [None],
    ),
    (
        "conftest-counts",
        [file("src/mlkit/a.py", 10), file("conftest.py", 4)],
        {},
        [],
        [],
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
        "rust-without-tests",
        [file("src/lib.rs", ["fn f() {}", "fn g() {}"])],
        {},
        ["missing"],
        [None],
    ),
    ("cuda-kernel", [file("csrc/attention/flash.cu", 60)], {}, ["missing"], [None]),
    (
        "cuda-kernel-tested-from-python",
        [file("csrc/attention/flash.cu", 60), file("tests/kernels/test_flash.py", 30)],
        {"per_module": True},
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
        "per-module-none-touched",
        [file("src/mlkit/a.py", 10), file("src/mlkit/b.py", 10)],
        {"per_module": True},
        ["missing-counterpart", "missing-counterpart"],
        ["src/mlkit/a.py", "src/mlkit/b.py"],
    ),
    (
        "per-module-small-module-exempt",
        [file("src/mlkit/a.py", 10), file("src/mlkit/b.py", 1), file("tests/test_a.py", 5)],
        {"per_module": True},
        [],
        [],
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
    (
        "per-module-package-tested-by-name",
        [INIT_LOGIC, file("tests/test_models.py", 5)],
        {"per_module": True},
        [],
        [],
    ),
    (
        "custom-globs",
        [file("mlkit/a.py", 10), file("checks/verify_a.py", 5)],
        {"test_globs": ["checks/**"]},
        [],
        [],
    ),
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
        (
            "src/transformers/models/llama/modeling_llama.py",
            "tests/models/llama/test_modeling_llama.py",
        ),
        ("vllm/attention/layer.py", "tests/attention/test_layer.py"),
        ("python/sglang/srt/server.py", "tests/srt/test_server.py"),
        ("pkg/b.py", "tests/test_b.py"),
        ("b.py", "tests/test_b.py"),
        ("src/mlkit/models/mamba/__init__.py", "tests/models/test_mamba.py"),
        ("csrc/ops/gemm.cu", "tests/ops/test_gemm.cpp"),
        ("pkg/server/handler.go", "pkg/server/handler_test.go"),
        ("web/src/app.ts", "web/src/app.test.ts"),
        ("src/lib.rs", "src/lib.rs"),
        ("src/main/java/ai/Model.java", "src/test/java/ai/ModelTest.java"),
    ],
)
def test_expected_counterpart(module, expected):
    assert expected_test(module) == expected


@pytest.mark.parametrize(
    ("f", "lines"),
    [
        (file("a.py", 3, 3), 3),
        (file("a.py", 5, 1), 5),
        (INIT_REEXPORTS, 0),
        (INIT_LOGIC, 2),
    ],
    ids=["replaced-lines-count-once", "larger-side", "init-reexports", "init-logic"],
)
def test_changed_lines(f, lines):
    assert changed_lines(f) == lines


def test_facts_name_the_modules_lines_and_threshold():
    finding = check(pr(file("src/mlkit/ops/scan.py", 30, 5), file("docs/a.md", 3)), Settings())[0]
    assert finding.facts["source_files"] == 1
    assert finding.facts["source_lines"] == 30
    assert finding.facts["threshold"] == 1
    assert finding.facts["modules"] == [
        {
            "path": "src/mlkit/ops/scan.py",
            "lines": 30,
            "expected": "tests/ops/test_scan.py",
            "accepted": ["test_scan.py", "scan_test.py"],
            "inline": False,
        }
    ]


def test_message_names_the_expected_test_the_count_and_the_config_key():
    findings = check(pr(file("src/mlkit/ops/scan.py", 30, 5), file("docs/a.md", 3)), Settings())
    worded = word(findings[0])
    assert worded.title == "No tests changed with 30 lines of code"
    assert "`src/mlkit/ops/scan.py` (30 lines) → `tests/ops/test_scan.py`" in worded.message
    assert "`test_scan.py` or `scan_test.py` anywhere also counts" in worded.message
    assert worded.suggestion.startswith(
        "# tests/ops/test_scan.py\nfrom mlkit.ops import scan\n\n\ndef test_scan():\n"
    )
    assert "up to 1 line of code are exempt" in worded.message
    assert "`rules.tests.exempt_up_to_lines`" in worded.message


def test_rust_message_points_to_an_inline_test_module():
    finding = check(pr(file("src/lib.rs", ["fn f() {}", "fn g() {}"])), Settings())[0]
    worded = word(finding)
    assert "a `#[cfg(test)] mod tests` in `src/lib.rs` itself" in worded.message
    assert finding.suggestion is None


def test_per_module_message_names_the_module_its_test_and_the_other_tests():
    files = [file("src/mlkit/a.py", 10), file("src/mlkit/b.py", 12), file("tests/test_a.py", 5)]
    finding = check(pr(*files), Settings(per_module=True))[0]
    worded = word(finding)
    assert worded.title == "No test for `src/mlkit/b.py`"
    assert "`src/mlkit/b.py` changes 12 lines" in worded.message
    assert "this pull request changes `tests/test_a.py`" in worded.message
    assert "Please add or update `tests/test_b.py`" in worded.message
    assert "`rules.tests.per_module`" in worded.message


def test_many_modules_are_capped_biggest_first():
    files = [file(f"src/mlkit/m{i}.py", 5 + i) for i in range(12)]
    finding = check(pr(*files), Settings())[0]
    assert [m["path"] for m in finding.facts["modules"]] == [
        f"src/mlkit/m{i}.py" for i in (11, 10, 9, 8, 7)
    ]
    assert finding.facts["more"] == 7
    assert "…and 7 more files" in word(finding).message


def test_severity_comes_from_settings():
    finding = check(pr(file("src/mlkit/a.py", 10)), Settings(severity="notice"))[0]
    assert finding.severity == "notice"
