"""tests: a change to behaviour brings or updates a test.

Source files are code (`source_globs`) that is not a test (`test_globs`), not exempt (docs, CI
and config, packaging, examples, benchmarks, scripts: `exempt_globs`) and not generated or
vendored (`bot.classify`). Changed lines are counted per file as the larger of lines added and
lines removed, so a replaced line counts once; a change of at most `exempt_up_to_lines` such
lines needs no test (the norm: more than a one-line change brings a test).

Not counted: deleted files (nothing left to test), pure renames (no changed lines), and lines of
an `__init__.py` that only import, re-export (`__all__`), comment or blank. A Rust file whose
added lines include `#[test]` or `mod tests` brings its own test.

With `per_module: false`, any changed test satisfies the rule; otherwise one finding names, for
the biggest changed modules, the test file a reviewer would look for (`src/pkg/a/b.py` ->
`tests/a/test_b.py`) and the names accepted anywhere (`test_b.py`, `b_test.py`, ...). With
`per_module: true`, each module with more than `exempt_up_to_lines` changed lines needs its own
counterpart, and each one missing it gets a finding placed on the module.
"""

from __future__ import annotations

import posixpath

from pydantic import Field

from bot.checks._base import RuleSettings
from bot.classify import for_repo
from bot.findings import Finding
from bot.patterns import Glob, GlobGroups, compile_regex
from bot.snapshot import FileChange, FileStatus, PullRequest

RULE = "tests"
MAX_LISTED = 5  # modules named in one finding
SOURCE_ROOTS = ("src", "lib", "python")  # layouts that put the package one level down
_PY = (".py", ".pyx", ".pxd")
_CPP = (".c", ".cc", ".cpp", ".cxx", ".h", ".hpp", ".cu", ".cuh")
_JS = (".js", ".jsx", ".ts", ".tsx")
_JVM = (".java", ".kt", ".scala")
# An `__init__.py` line that changes no behaviour: an import, a name in an import or `__all__`
# list, a bracket closing one, a comment or a blank line.
_NAMED = r"[\"']?[A-Za-z_][\w.]*[\"']?(?:\s+as\s+\w+)?\s*"
_REEXPORT = compile_regex(
    r"^\s*(?:(?:from\s+[\w.]+\s+)?import\s.*|__all__\s*[+]?=.*|#.*"
    r"|(?:" + _NAMED + r",\s*)*(?:" + _NAMED + r",?)?\s*[)\]]?\s*)$"
)


class Settings(RuleSettings):
    """Keys under `rules.tests` (defaults in rules/default.yml)."""

    test_globs: list[Glob] = Field(
        default_factory=lambda: [
            "tests/**", "test/**", "**/tests/**", "**/test/**", "**/__tests__/**",
            "test_*.py", "*_test.py", "conftest.py", "*_test.go", "*_test.cc", "*_test.cpp",
            "*_test.cu", "test_*.cpp", "test_*.cc", "test_*.cu", "*.test.ts", "*.test.tsx",
            "*.test.js", "*.test.jsx", "*.spec.ts", "*.spec.tsx", "*.spec.js",
        ]
    )  # fmt: skip
    exempt_globs: list[Glob] = Field(
        default_factory=lambda: [
            "docs/**", "doc/**", "*.md", "*.rst", "*.txt", "LICENSE*", ".github/**",
            ".gitignore", ".gitattributes", ".pre-commit-config.yaml", "*.toml", "*.cfg",
            "*.ini", "*.yml", "*.yaml", "*.json", "setup.py", "noxfile.py", "Dockerfile*",
            "docker/**", "Makefile", "CMakeLists.txt", "*.cmake", "**/examples/**",
            "example/**", "**/benchmarks/**", "benchmark/**", "bench/**", "scripts/**",
            "tools/**", "notebooks/**", "*.ipynb",
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
    modules: list[tuple[FileChange, int]] = []
    for f in pr.files:
        kinds = globs.groups(f.path)
        if "test" in kinds:
            if f.status != FileStatus.REMOVED and f.changes:
                if not settings.per_module:
                    return []  # any test change will do
                changed_tests.append(f.path)
            continue
        if f.status == FileStatus.REMOVED or not f.changes or "exempt" in kinds:
            continue
        if "source" not in kinds or classifier.reason(f) is not None:
            continue
        if f.path.endswith(".rs") and _rust_inline_tests(f):
            if not settings.per_module:
                return []
            changed_tests.append(f.path)
            continue
        lines = changed_lines(f)
        if lines:
            modules.append((f, lines))
    total = sum(lines for _, lines in modules)
    if total <= settings.exempt_up_to_lines:
        return []
    if settings.per_module:
        test_names = {posixpath.basename(p) for p in changed_tests}
        findings = []
        for f, lines in modules:
            if lines <= settings.exempt_up_to_lines:
                continue
            accepted = accepted_names(f.path)
            if not accepted & test_names:
                entry = _module(f.path, lines, accepted)
                findings.append(
                    _finding(settings, "missing-counterpart", [entry], 1, lines, changed_tests)
                )
        return findings
    biggest = sorted(modules, key=lambda m: (-m[1], m[0].path))[:MAX_LISTED]
    listed = [_module(f.path, lines, accepted_names(f.path)) for f, lines in biggest]
    return [_finding(settings, "missing", listed, len(modules), total, changed_tests)]


def changed_lines(f: FileChange) -> int:
    """Changed lines of a source file: a replaced line counts once; re-exports count 0."""
    if not (f.path == "__init__.py" or f.path.endswith("/__init__.py")) or not f.patch:
        return max(f.additions, f.deletions)
    added = removed = 0
    for line in f.patch.split("\n"):
        sign = line[:1]
        if sign not in ("+", "-") or line.startswith(("+++", "---")):
            continue
        if _REEXPORT.match(line[1:]):
            continue
        if sign == "+":
            added += 1
        else:
            removed += 1
    return max(added, removed)


def _module(path: str, lines: int, accepted: set[str]) -> dict:
    """The facts about one changed module: where its test is expected, what else counts."""
    expected = expected_test(path)
    return {
        "path": path,
        "lines": lines,
        "expected": expected,
        "accepted": _by_likeness(accepted, expected),
        "inline": path.endswith(".rs"),
    }


def _finding(settings, kind, listed, files, lines, changed_tests) -> Finding:
    return Finding(
        rule=RULE,
        severity=settings.severity,
        kind=kind,
        facts={
            "modules": listed,
            "more": max(0, files - len(listed)),
            "source_files": files,
            "source_lines": lines,
            "threshold": settings.exempt_up_to_lines,
            "changed_tests": changed_tests[:MAX_LISTED],
            "more_tests": max(0, len(changed_tests) - MAX_LISTED),
        },
        path=listed[0]["path"] if kind == "missing-counterpart" else None,
        suggestion=_skeleton(listed[0]["path"]),
    )


def _by_likeness(names: set[str], expected: str) -> list[str]:
    """Accepted names, the expected file's name first, then those with its extension."""
    ext = posixpath.splitext(expected)[1]
    first = posixpath.basename(expected)
    return sorted(
        names, key=lambda n: (n != first, not n.endswith(ext), not n.startswith("test_"), n)
    )


def _split(path: str) -> tuple[list[str], str, str]:
    parts = path.split("/")
    stem, ext = posixpath.splitext(parts[-1])
    if stem == "__init__" and len(parts) > 1:  # a package's own code: test it by its name
        parts, stem = parts[:-1], parts[-2]
    return parts[:-1], stem, ext


def expected_test(path: str) -> str:
    """The test file a reviewer would look for first when `path` changes.

    Python and C/C++/CUDA: `tests/` mirroring the package without its top directory
    (`src/pkg/a/b.py` -> `tests/a/test_b.py`, `csrc/ops/gemm.cu` -> `tests/ops/test_gemm.cpp`);
    Go: `b_test.go` next to it; JS/TS: `b.test.ts` next to it; Rust: the file itself (an inline
    `#[cfg(test)] mod tests`); Java/Kotlin/Scala: `BTest.java` under `src/test/` instead of
    `src/main/`; anything else: `tests/.../test_b<ext>`.
    """
    dirs, stem, ext = _split(path)
    if ext == ".go":
        return posixpath.join(*dirs, f"{stem}_test.go")
    if ext in _JS:
        return posixpath.join(*dirs, f"{stem}.test{ext}")
    if ext == ".rs":
        return path
    if ext in _JVM:  # src/main/java/a/B.java -> src/test/java/a/BTest.java
        parts = ["test" if d == "main" else d for d in dirs]
        return posixpath.join(*parts, f"{stem}Test{ext}")
    inner = list(dirs)
    if ext in _PY and inner and inner[0] in SOURCE_ROOTS:
        inner = inner[1:]  # src layout: src/pkg/a/b.py
    inner = inner[1:]  # drop the package (or csrc/): pkg/a/b.py -> tests/a/test_b.py
    test_ext = ".py" if ext in _PY else ".cpp" if ext in _CPP else ext
    return posixpath.join("tests", *inner, f"test_{stem}{test_ext}")


def accepted_names(path: str) -> set[str]:
    """Test file names that count as this module's counterpart, wherever they live."""
    _dirs, stem, ext = _split(path)
    if ext in _PY:
        return {f"test_{stem}.py", f"{stem}_test.py"}
    if ext in _CPP:  # kernels are often tested from Python (PyTorch, vLLM)
        names = {f"test_{stem}.py", f"{stem}_test.py"}
        for e in (".cpp", ".cc", ".cu"):
            names |= {f"test_{stem}{e}", f"{stem}_test{e}", f"test-{stem}{e}"}
        return names
    if ext == ".go":
        return {f"{stem}_test.go"}
    if ext in _JS:
        return {f"{stem}.{kind}{e}" for kind in ("test", "spec") for e in (ext, ".ts", ".js")}
    if ext == ".rs":  # integration tests: tests/<stem>.rs
        return {f"{stem}.rs", f"test_{stem}.rs", f"{stem}_test.rs"}
    return {f"test_{stem}{ext}", f"{stem}_test{ext}", f"{stem}Test{ext}"}


def _skeleton(path: str) -> str | None:
    """A pytest file to start from (shown under "Suggested fix"), for a Python module whose
    import path is clear: its first line names the file."""
    dirs, stem, ext = _split(path)
    if ext != ".py":
        return None
    if dirs and dirs[0] in SOURCE_ROOTS:
        dirs = dirs[1:]
    if not all(d.isidentifier() for d in (*dirs, stem)):
        return None
    source = f"from {'.'.join(dirs)} import {stem}" if dirs else f"import {stem}"
    return f"# {expected_test(path)}\n{source}\n\n\ndef test_{stem}():\n    ..."


def _rust_inline_tests(f: FileChange) -> bool:
    return any("#[test]" in line or "mod tests" in line for line in f.added_lines())
