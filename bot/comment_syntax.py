"""Comment markers by file type: how a license header is written in each kind of source file.

`LANGUAGES` is the table, in data form: each entry names a language family, its line-comment
marker, its block-comment markers, and the extensions and file names it covers. `for_path()`
looks a file up (by exact name, `Dockerfile.*` prefix, then extension, case-sensitive first);
`render()` writes header lines as comments in a language's syntax; `strip()` takes the markers
off a comment line, for any language or for one.

Files of one family share a convention, so `license-header` groups base-branch samples by
`Syntax.name` (all C-like files, `.c` to `.cu` and `.metal`, are one family).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple


class Block(NamedTuple):
    """A block comment: the opening line, the prefix of inner lines, the closing line."""

    open: str
    middle: str
    close: str


C_BLOCK = Block("/*", " *", " */")
HTML_BLOCK = Block("<!--", "", "-->")


@dataclass(frozen=True, slots=True, eq=False)  # one object per language: identity is equality
class Syntax:
    """How one family of files writes comments.

    `line` is the line-comment marker (None when the language has none, like CSS or HTML);
    `block` the block-comment markers; `prefer_block` says a multi-line header is written as
    one block comment (C, C++, CUDA, Java, JS/TS), as those projects usually do.
    """

    name: str
    line: str | None = None
    block: Block | None = None
    prefer_block: bool = False
    extensions: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


def _c(name: str, *extensions: str, prefer_block: bool = True) -> Syntax:
    return Syntax(name, "//", C_BLOCK, prefer_block, extensions)


def _hash(name: str, *extensions: str, names: tuple[str, ...] = ()) -> Syntax:
    return Syntax(name, "#", None, False, extensions, names)


LANGUAGES: tuple[Syntax, ...] = (
    _hash("Python", ".py", ".pyi", ".pyx", ".pxd", ".pxi", ".pyw"),
    _hash("Mojo", ".mojo", ".🔥"),
    _hash("shell", ".sh", ".bash", ".zsh", ".ksh", ".fish"),
    _c(
        "C/C++",
        *(".c", ".h", ".cc", ".cpp", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++"),
        *(".ipp", ".inl", ".tpp", ".cu", ".cuh", ".m", ".mm", ".metal", ".cl", ".S"),
    ),
    _c("protobuf", ".proto", prefer_block=False),
    _c("Rust", ".rs", prefer_block=False),
    _c("Go", ".go", prefer_block=False),
    _c("Java/Kotlin/Scala", ".java", ".kt", ".kts", ".scala", ".groovy", ".gradle"),
    _c("Swift", ".swift", prefer_block=False),
    _c("C#", ".cs"),
    _c("Dart", ".dart", prefer_block=False),
    _c("Zig", ".zig", prefer_block=False),
    _c("shader", ".glsl", ".hlsl", ".wgsl", ".vert", ".frag", ".comp"),
    _c("JavaScript/TypeScript", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"),
    _c("Sass/Less", ".scss", ".sass", ".less"),
    Syntax("CSS", None, C_BLOCK, True, (".css",)),
    _c("Verilog", ".v", ".sv", ".svh", prefer_block=False),
    _hash("YAML", ".yml", ".yaml"),
    _hash("TOML", ".toml"),
    _hash("config", ".cfg", ".conf"),
    Syntax("INI", ";", None, False, (".ini",)),
    Syntax("Markdown", None, HTML_BLOCK, True, (".md", ".markdown")),
    Syntax("HTML/XML", None, HTML_BLOCK, True, (".html", ".htm", ".xml", ".xsd", ".xsl", ".svg")),
    Syntax("Vue/Svelte", None, HTML_BLOCK, True, (".vue", ".svelte")),
    Syntax("reStructuredText", "..", None, False, (".rst",)),
    Syntax("Jinja", None, Block("{#", "", "#}"), True, (".j2", ".jinja", ".jinja2")),
    Syntax("SQL", "--", C_BLOCK, False, (".sql",)),
    Syntax("Lua", "--", Block("--[[", "", "]]"), False, (".lua",)),
    Syntax("Haskell", "--", Block("{-", "", "-}"), False, (".hs",)),
    Syntax("VHDL", "--", None, False, (".vhd", ".vhdl")),
    Syntax("Lisp", ";", None, False, (".el", ".lisp", ".lsp", ".clj", ".cljs", ".cljc", ".scm")),
    Syntax("assembly", ";", None, False, (".asm", ".nasm")),
    Syntax("MATLAB", "%", None, False, ()),  # `.m` is Objective-C unless the file looks MATLAB
    Syntax("TeX", "%", None, False, (".tex", ".sty")),
    Syntax("Erlang", "%", None, False, (".erl", ".hrl")),
    Syntax("Fortran", "!", None, False, (".f90", ".f95", ".f03", ".f08")),
    Syntax("Batch", "rem", None, False, (".bat", ".cmd")),
    Syntax("Vim script", '"', None, False, (".vim",)),
    _hash("CMake", ".cmake", names=("CMakeLists.txt",)),
    _hash("Dockerfile", ".dockerfile", ".Dockerfile", names=("Dockerfile", "Containerfile")),
    _hash("Makefile", ".mk", ".mak", names=("Makefile", "makefile", "GNUmakefile")),
    _hash("Starlark", ".bzl", ".bazel", ".star", names=("BUILD", "WORKSPACE")),
    _hash("R", ".r", ".R"),
    _hash("Julia", ".jl"),
    _hash("Perl", ".pl", ".pm"),
    _hash("Ruby", ".rb", names=("Gemfile", "Rakefile")),
    _hash("PowerShell", ".ps1", ".psm1"),
    _hash("Nix", ".nix"),
    _hash("Terraform", ".tf", ".hcl"),
    _hash("Elixir", ".ex", ".exs"),
    _hash("GraphQL", ".graphql", ".gql"),
)

BY_NAME: dict[str, Syntax] = {s.name: s for s in LANGUAGES}
_BY_EXTENSION: dict[str, Syntax] = {e: s for s in LANGUAGES for e in s.extensions}
_BY_FILE_NAME: dict[str, Syntax] = {n: s for s in LANGUAGES for n in s.names}
_NAME_PREFIXES = (("Dockerfile.", BY_NAME["Dockerfile"]), ("Containerfile.", BY_NAME["Dockerfile"]))
_MATLAB_START = re.compile(r"\s*(?:%|function\b|classdef\b)")


def for_path(path: str, first_line: str = "") -> Syntax | None:
    """The comment syntax of a file, or None when Steward does not know its type.

    `first_line` (optional) tells MATLAB `.m` files (`%` comments, `function`) from
    Objective-C ones, which the extension alone cannot.
    """
    name = path.rpartition("/")[2]
    syntax = _BY_FILE_NAME.get(name)
    if syntax is not None:
        return syntax
    for prefix, found in _NAME_PREFIXES:
        if name.startswith(prefix):
            return found
    dot = name.rfind(".")
    if dot <= 0:
        return None
    extension = name[dot:]
    syntax = _BY_EXTENSION.get(extension) or _BY_EXTENSION.get(extension.lower())
    if extension == ".m" and first_line and _MATLAB_START.match(first_line):
        return BY_NAME["MATLAB"]
    return syntax


def render(lines: Sequence[str], syntax: Syntax, block: bool | None = None) -> str:
    """`lines` written as comments in `syntax`.

    `block=None` picks what the language prefers for a header of this length: one block
    comment for a multi-line header in C-like languages, line comments otherwise. A language
    without line comments writes a single line as `<!-- line -->` / `/* line */`.
    """
    if block is None:
        block = syntax.line is None or (syntax.prefer_block and len(lines) > 1)
    if syntax.block is None:
        block = False
    if not block and syntax.line is not None:
        return "\n".join(f"{syntax.line} {t}".rstrip() if t else syntax.line for t in lines)
    assert syntax.block is not None  # every language has line or block comments
    b = syntax.block
    if len(lines) == 1:
        return f"{b.open} {lines[0]} {b.close.strip()}"
    inner = [f"{b.middle} {t}".rstrip() if b.middle else t for t in lines]
    return "\n".join([b.open, *inner, b.close])


# Leading markers of every language (longest first), and the closers a line may end with.
_ANY_OPENERS = (
    r"--\[\[|<!--|/\*+!?|//+[!/]?|\{#|\{-|#+|\*+(?!/)|--+|;+|%+|::|\.\.(?=\s|$)|(?i:rem)(?=\s|$)"
)
_ANY_CLOSERS = r"\*+/|-->|#\}|-\}|\]\]"
_ANY_LEADING = re.compile(rf"^\s*(?:(?:{_ANY_OPENERS})\s*)*")
_ANY_TRAILING = re.compile(rf"\s*(?:{_ANY_CLOSERS})\s*$")


@cache
def _patterns(syntax: Syntax) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    openers = [re.escape(syntax.line)] if syntax.line else []
    closer = None
    if syntax.block is not None:
        b = syntax.block
        openers.append(re.escape(b.open))
        if b.middle.strip():
            openers.append(re.escape(b.middle.strip()) + r"(?!" + re.escape(b.close[-1]) + ")")
        closer = re.compile(rf"\s*{re.escape(b.close.strip())}\s*$")
    if syntax.line is not None and syntax.line.isalpha():  # `rem`, in any case, as a word
        openers[0] = rf"(?i:{openers[0]})(?=\s|$)"
    openers.sort(key=len, reverse=True)  # `--[[` before `--`
    # `//!`, `///`, `##`: doc-comment variants of a marker are still that marker.
    leading = re.compile(rf"^\s*(?:(?:{'|'.join(openers)})[!/#*]?\s?)")
    return leading, closer


def strip(line: str, syntax: Syntax | None = None) -> str:
    """The text of a comment line, without comment markers and outer whitespace.

    With a `syntax`, only that language's markers are removed; without one, the markers of
    every language in the table (`#`, `//`, `/*`, ` *`, `*/`, `<!--`, `-->`, `--`, `;`, `%`,
    `rem`, ...), so that a header pasted in any style reads the same.
    """
    if syntax is None:
        text = _ANY_LEADING.sub("", line, count=1)
        return _ANY_TRAILING.sub("", text, count=1).strip()
    leading, closer = _patterns(syntax)
    text = leading.sub("", line, count=1)
    if closer is not None:
        text = closer.sub("", text, count=1)
    return text.strip()


def is_comment(line: str, syntax: Syntax) -> bool:
    """True when `line` starts with one of the language's comment markers."""
    s = line.lstrip()
    marker = syntax.line
    if marker is not None:
        if not marker.isalpha():
            if s.startswith(marker):
                return True
        elif s[: len(marker)].lower() == marker and s[len(marker) : len(marker) + 1] in (
            "",
            " ",
            "\t",
        ):
            return True  # `rem`, in any case, as a word
    return syntax.block is not None and s.startswith(syntax.block.open)
