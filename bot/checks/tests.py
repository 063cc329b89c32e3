"""tests: a change to behaviour brings or updates a test.

Source files are code (`source_globs`) that is not a test, not exempt (docs, CI and config,
examples, benchmarks, scripts) and not generated or vendored. When more than
`exempt_up_to_lines` changed lines of source come without any test change, the finding names,
for each changed module, the test file a reviewer would expect (`src/pkg/a/b.py` ->
`tests/a/test_b.py`) and the names it would accept anywhere (`test_b.py`, `b_test.py`, ...).
With `per_module`, every changed module needs its own counterpart even if other tests changed.
Removed files need no test; Rust files that add `#[test]` or `mod tests` test themselves.
"""

from __future__ import annotations

import posixpath

from pydantic import Field

from bot.checks._base import RuleSettings
from bot.classify import for_repo
from bot.findings import Finding
from bot.patterns import Glob, GlobGroups
from bot.snapshot import FileChange, FileStatus, PullRequest

RULE = "tests"
MAX_LISTED = 5
SOURCE_ROOTS = ("src", "lib", "python")


class Settings(RuleSettings):
    """Keys under `rules.tests` (defaults in rules/default.yml)."""

    test_globs: list[Glob] = Field(
        default_factory=lambda: [
            "tests/**", "test/**", "**/tests/**", "**/test/**", "**/__tests__/**",
            "test_*.py", "*_test.py", "conftest.py", "*_test.go", "*_test.cc", "*_test.cpp",
            "test_*.cpp", "test_*.cc", "*.test.ts", "*.test.tsx", "*.test.js", "*.spec.ts",
            "*.spec.js",
        ]
    )  # fmt: skip
    exempt_globs: list[Glob] = Field(
        default_factory=lambda: [
            "docs/**", "doc/**", "*.md", "*.rst", "*.txt", "LICENSE*", ".github/**",
            ".gitignore", ".gitattributes", ".pre-commit-config.yaml", "*.toml", "*.cfg",
            "*.ini", "*.yml", "*.yaml", "*.json", "setup.py", "Dockerfile", "docker/**",
            "Makefile", "CMakeLists.txt", "*.cmake", "examples/**", "example/**",
            "benchmarks/**", "benchmark/**", "bench/**", "scripts/**", "tools/**",
            "notebooks/**", "*.ipynb",
        ]
    )  # fmt: skip
    source_globs: list[Glob] = Field(
        default_factory=lambda: [
            "*.py", "*.pyx", "*.pxd", "*.c", "*.cc", "*.cpp", "*.cxx", "*.h", "*.hpp", "*.cu",
            "*.cuh", "*.rs", "*.go", "*.js", "*.jsx", "*.ts", "*.tsx", "*.java", "*.kt",
            "*.scala", "*.swift", "*.jl", "*.mojo", "*.metal",
        ]
    )  # fmt: skip
    exempt_up_to_lines: int = Field(1, ge=0)
    per_module: bool = False


def check(pr: PullRequest, settings: Settings) -> list[Finding]:
    """Findings for source changed without tests."""
    globs = GlobGroups(
        test=settings.test_globs, exempt=settings.exempt_globs, source=settings.source_globs
    )
    classifier = for_repo(pr.repo)
    changed_tests: list[str] = []
    modules: list[FileChange] = []
    for f in pr.files:
        kinds = globs.groups(f.path)
        if "test" in kinds:
            if f.status != FileStatus.REMOVED:
                changed_tests.append(f.path)
            continue
        if f.status == FileStatus.REMOVED or f.changes == 0 or "exempt" in kinds:
            continue
        if "source" not in kinds or classifier.reason(f) is not None:
            continue
        if f.path.endswith(".rs") and _rust_inline_tests(f):
            changed_tests.append(f.path)
            continue
        modules.append(f)
    lines = sum(f.changes for f in modules)
    if lines <= settings.exempt_up_to_lines:
        return []
    test_names = {posixpath.basename(p) for p in changed_tests}
    if settings.per_module:
        return [
            _finding(settings, "missing-counterpart", [f], lines, changed_tests, f.path)
            for f in modules
            if not (_accepted(f.path) & test_names) and f.path not in changed_tests
        ]
    if changed_tests:
        return []
    return [_finding(settings, "missing", modules, lines, changed_tests, None)]


def _finding(settings, kind, modules, lines, changed_tests, path) -> Finding:
    biggest = sorted(modules, key=lambda f: (-f.changes, f.path))
    listed = [
        {
            "path": f.path,
            "lines": f.changes,
            "expected": expected_test(f.path),
            "accepted": sorted(_accepted(f.path), key=lambda n: (not n.startswith("test_"), n)),
        }
        for f in biggest[:MAX_LISTED]
    ]
    return Finding(
        rule=RULE,
        severity=settings.severity,
        kind=kind,
        facts={
            "modules": listed,
            "more": max(0, len(modules) - MAX_LISTED),
            "source_files": len(modules),
            "source_lines": lines,
            "threshold": settings.exempt_up_to_lines,
            "changed_tests": changed_tests[:MAX_LISTED],
        },
        path=path,
        line=None,
    )


def _split(path: str) -> tuple[list[str], str, str]:
    parts = path.split("/")
    stem, ext = posixpath.splitext(parts[-1])
    if stem == "__init__" and len(parts) > 1:  # a package's own code: test it by its name
        parts, stem = parts[:-1], parts[-2]
    return parts[:-1], stem, ext


def expected_test(path: str) -> str:
    """The test file a reviewer would look for first when `path` changes."""
    dirs, stem, ext = _split(path)
    if ext == ".go":
        return posixpath.join(*dirs, f"{stem}_test.go") if dirs else f"{stem}_test.go"
    if ext in (".js", ".jsx", ".ts", ".tsx"):
        return posixpath.join(*dirs, f"{stem}.test{ext}") if dirs else f"{stem}.test{ext}"
    if ext == ".rs":
        return posixpath.join(*dirs, f"{stem}.rs") + " (a #[cfg(test)] mod tests) or tests/"
    inner = list(dirs)
    if ext in (".py", ".pyx", ".pxd") and inner and inner[0] in SOURCE_ROOTS:
        inner = inner[1:]  # src layout: src/pkg/a/b.py
    if inner:
        inner = inner[1:]  # drop the package (or csrc/): pkg/a/b.py -> tests/a/test_b.py
    test_ext = ".py" if ext in (".py", ".pyx", ".pxd") else ".cpp" if ext in _CPP else ext
    return posixpath.join("tests", *inner, f"test_{stem}{test_ext}")


_CPP = (".c", ".cc", ".cpp", ".cxx", ".h", ".hpp", ".cu", ".cuh")


def _accepted(path: str) -> set[str]:
    """Test file names that count as this module's counterpart, wherever they live."""
    _dirs, stem, ext = _split(path)
    names = {f"test_{stem}.py", f"{stem}_test.py"}
    if ext in _CPP:
        names |= {f"test_{stem}{e}" for e in (".cpp", ".cc", ".cu")}
        names |= {f"{stem}_test{e}" for e in (".cpp", ".cc", ".cu")}
    elif ext == ".go":
        names.add(f"{stem}_test.go")
    elif ext in (".js", ".jsx", ".ts", ".tsx"):
        names |= {f"{stem}.{kind}{e}" for kind in ("test", "spec") for e in (ext, ".ts", ".js")}
    return names


def _rust_inline_tests(f: FileChange) -> bool:
    return any("#[test]" in line or "mod tests" in line for line in f.added_lines())
