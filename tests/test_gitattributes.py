"""gitattributes(5) semantics: which attributes a path gets from the repository's files."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bot.gitattributes import Attributes, translate
from bot.snapshot import RepoContext, TextFile

GEN = "linguist-generated"


def at(case_id, files, path, expected, attr=GEN):
    """A case: `files` is the root .gitattributes text, or a mapping of files to texts."""
    files = {".gitattributes": files} if isinstance(files, str) else files
    return pytest.param(files, path, attr, expected, id=case_id)


# id, attributes, path, expected state (None = unspecified), attribute
CASES = [
    at("basename-any-depth", "*.pb.go linguist-generated\n", "a/b/c.pb.go", True),
    at("basename-at-root", "*.pb.go linguist-generated\n", "c.pb.go", True),
    at("basename-literal-any-depth", "Makefile linguist-generated\n", "a/Makefile", True),
    at("anchored-by-slash", "gen/*.py linguist-generated\n", "gen/a.py", True),
    at("anchored-not-deeper-dir", "gen/*.py linguist-generated\n", "src/gen/a.py", None),
    at("star-not-across-slash", "gen/*.py linguist-generated\n", "gen/sub/a.py", None),
    at("leading-slash-root-only", "/setup.py linguist-generated\n", "pkg/setup.py", None),
    at("leading-slash-matches-root", "/setup.py linguist-generated\n", "setup.py", True),
    at("double-star-prefix", "**/gen/** linguist-generated\n", "a/b/gen/x/y.py", True),
    at("double-star-prefix-zero-dirs", "**/gen/** linguist-generated\n", "gen/y.py", True),
    at("double-star-middle", "a/**/b.py linguist-generated\n", "a/x/y/b.py", True),
    at("double-star-middle-zero", "a/**/b.py linguist-generated\n", "a/b.py", True),
    at("double-star-middle-no-partial", "a/**/b.py linguist-generated\n", "ab.py", None),
    at(
        "double-star-suffix",
        "third_party/** linguist-vendored\n",
        "third_party/x/y.c",
        True,
        "linguist-vendored",
    ),
    at(
        "dir-slash-never-a-file",
        "vendor/ linguist-vendored\n",
        "vendor/x.c",
        None,
        "linguist-vendored",
    ),
    at(
        "bare-dir-name-not-recursive",
        "vendor linguist-vendored\n",
        "vendor/x.c",
        None,
        "linguist-vendored",
    ),
    at("unset", "*.py -linguist-generated\n", "a.py", False),
    at("value-false-is-a-value", "*.py linguist-generated=false\n", "a.py", "false"),
    at("value-true-is-a-value", "*.py linguist-generated=true\n", "a.py", "true"),
    at("later-line-wins", "*.py linguist-generated\n*.py -linguist-generated\n", "a.py", False),
    at(
        "bang-makes-unspecified",
        "*.py linguist-generated\nsrc/*.py !linguist-generated\n",
        "src/a.py",
        None,
    ),
    at(
        "bang-leaves-others",
        "*.py linguist-generated\nsrc/*.py !linguist-generated\n",
        "b.py",
        True,
    ),
    at("later-attr-on-line-wins", "*.py -linguist-generated linguist-generated\n", "a.py", True),
    at(
        "nested-file-overrides",
        {
            ".gitattributes": "*.py linguist-generated\n",
            "sub/.gitattributes": "*.py -linguist-generated\n",
        },
        "sub/x/a.py",
        False,
    ),
    at(
        "nested-file-only-below-it",
        {
            ".gitattributes": "*.py linguist-generated\n",
            "sub/.gitattributes": "*.py -linguist-generated\n",
        },
        "other/a.py",
        True,
    ),
    at(
        "nested-patterns-relative",
        {"sub/.gitattributes": "gen/* linguist-generated\n"},
        "sub/gen/a.py",
        True,
    ),
    at(
        "nested-patterns-not-at-root",
        {"sub/.gitattributes": "gen/* linguist-generated\n"},
        "gen/a.py",
        None,
    ),
    at(
        "nested-bang-blocks-root",
        {
            ".gitattributes": "*.c linguist-generated\n",
            "lib/.gitattributes": "*.c !linguist-generated\n",
        },
        "lib/x.c",
        None,
    ),
    at("comment-ignored", "# *.py linguist-generated\n", "a.py", None),
    at("crlf-and-blank-lines", "\r\n  \r\n*.c linguist-generated\r\n", "a.c", True),
    at("negative-pattern-ignored", "!*.py linguist-generated\n", "a.py", None),
    at("invalid-name-drops-line", "*.py linguist-generated b@d\n", "a.py", None),
    at("quoted-pattern", '"my file.txt" linguist-generated\n', "docs/my file.txt", True),
    at("quoted-octal-escape", '"caf\\303\\251.txt" linguist-generated\n', "café.txt", True),
    at("bracket-range", "data[0-9].csv linguist-generated\n", "data7.csv", True),
    at("bracket-range-miss", "data[0-9].csv linguist-generated\n", "datax.csv", None),
    at("bracket-negated", "[!a]*.txt linguist-generated\n", "b.txt", True),
    at("bracket-negated-miss", "[!a]*.txt linguist-generated\n", "a.txt", None),
    at("question-not-slash", "dir/a?b linguist-generated\n", "dir/a/b", None),
    at("question-one-char", "dir/a?b linguist-generated\n", "dir/axb", True),
    at("escaped-star-literal", "\\*.py linguist-generated\n", "x.py", None),
    at("filter-value", "*.pt filter=lfs diff=lfs merge=lfs -text\n", "m/w.pt", "lfs", "filter"),
    at("filter-unset-text", "*.pt filter=lfs diff=lfs merge=lfs -text\n", "m/w.pt", False, "text"),
    at(
        "macro",
        "[attr]weights filter=lfs -text\n*.safetensors weights\n",
        "w.safetensors",
        "lfs",
        "filter",
    ),
    at("builtin-binary-macro", "*.bin binary\n", "x.bin", False, "diff"),
    at(
        "macro-not-in-nested-file",
        {"sub/.gitattributes": "[attr]gen linguist-generated\n*.py gen\n"},
        "sub/a.py",
        None,
    ),
]


@pytest.mark.parametrize(("files", "path", "attr", "expected"), CASES)
def test_semantics(files, path, attr, expected):
    attributes = Attributes.from_files(TextFile(p, t) for p, t in files.items())
    assert attributes.get(path, attr) == expected
    # Asking for every attribute gives the same answer as asking for one.
    assert attributes.lookup(path).get(attr) == expected


def test_lookup_lists_only_specified_attributes():
    text = "*.pt filter=lfs diff=lfs merge=lfs -text\n*.pt !diff\n"
    attributes = Attributes.from_files([TextFile(".gitattributes", text)])
    assert attributes.lookup("w.pt") == {"filter": "lfs", "merge": "lfs", "text": False}
    assert attributes.lookup("w.pt", ("filter",)) == {"filter": "lfs"}
    assert attributes.lookup("README.md") == {}


def test_parsed_once_per_repository():
    repo = RepoContext(attributes=(TextFile(".gitattributes", "*.py linguist-generated\n"),))
    first = Attributes.for_repo(repo)
    assert Attributes.for_repo(repo) is first
    assert Attributes.from_files(repo.attributes) is first
    same_text = RepoContext(attributes=(TextFile(".gitattributes", "*.py linguist-generated\n"),))
    assert Attributes.for_repo(same_text) is first


def test_many_rules_all_reachable():
    """Hundreds of rules compile into several RE2 sets; every rule still matches its paths."""
    lines = [f"dir{i}/**/f[0-9].py linguist-generated" for i in range(450)]
    lines.append("dir7/**/f[0-9].py -linguist-generated")
    attributes = Attributes.from_files([TextFile(".gitattributes", "\n".join(lines))])
    assert attributes.get("dir0/a/f1.py", GEN) is True
    assert attributes.get("dir449/a/b/f9.py", GEN) is True
    assert attributes.get("dir7/f3.py", GEN) is False
    assert attributes.get("dir450/f3.py", GEN) is None


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("*.py", r"(?:.*/)?[^/]*\.py"),
        ("/a/*.py", r"a\/[^/]*\.py"),
        ("a/**", r"a\/.*"),
        ("[abc", None),  # unterminated: git's wildmatch gives up
        ("a[/]b", None),  # a bracket never matches a slash
        ("build/", None),  # directories only
    ],
)
def test_translate(pattern, expected):
    assert translate(pattern) == expected


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize(("files", "path", "attr", "expected"), CASES)
def test_table_agrees_with_git(tmp_path, files, path, attr, expected):
    """The expectations above are what `git check-attr` itself answers."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode())
    out = subprocess.run(
        ["git", "-c", "core.quotepath=off", "check-attr", attr, "--", path],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    state = out.rsplit(": ", 1)[-1].strip()
    assert {"set": True, "unset": False, "unspecified": None}.get(state, state) == expected
