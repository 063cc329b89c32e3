"""comment_syntax: the comment markers of each file type, writing headers in them, reading back."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.comment_syntax import BY_NAME, LANGUAGES, for_path, is_comment, render, strip

# path, first line of the file, language family, line-comment marker, block opener
LOOKUP = [
    ("src/model.py", "", "Python", "#", None),
    ("typings/ops.pyi", "", "Python", "#", None),
    ("ext/_fast.pyx", "", "Python", "#", None),
    ("ext/_fast.pxd", "", "Python", "#", None),
    ("MODEL.PY", "", "Python", "#", None),
    ("scripts/train.sh", "", "shell", "#", None),
    ("scripts/env.bash", "", "shell", "#", None),
    ("scripts/env.zsh", "", "shell", "#", None),
    ("csrc/attention.cu", "", "C/C++", "//", "/*"),
    ("csrc/attention.cuh", "", "C/C++", "//", "/*"),
    ("csrc/ops.cpp", "", "C/C++", "//", "/*"),
    ("csrc/ops.cc", "", "C/C++", "//", "/*"),
    ("csrc/ops.cxx", "", "C/C++", "//", "/*"),
    ("csrc/ops.c", "", "C/C++", "//", "/*"),
    ("csrc/ops.h", "", "C/C++", "//", "/*"),
    ("csrc/ops.hpp", "", "C/C++", "//", "/*"),
    ("csrc/ops.hh", "", "C/C++", "//", "/*"),
    ("ggml/src/ggml-metal.metal", "", "C/C++", "//", "/*"),
    ("ggml/src/ggml-opencl.cl", "", "C/C++", "//", "/*"),
    ("ggml/src/ggml-metal.m", "#import <Metal/Metal.h>", "C/C++", "//", "/*"),
    ("matlab/softmax.m", "% Softmax of a vector", "MATLAB", "%", None),
    ("matlab/relu.m", "function y = relu(x)", "MATLAB", "%", None),
    ("asm/start.S", "", "C/C++", "//", "/*"),
    ("proto/model.proto", "", "protobuf", "//", "/*"),
    ("src/lib.rs", "", "Rust", "//", "/*"),
    ("cmd/serve/main.go", "", "Go", "//", "/*"),
    ("java/Tensor.java", "", "Java/Kotlin/Scala", "//", "/*"),
    ("android/Model.kt", "", "Java/Kotlin/Scala", "//", "/*"),
    ("spark/Job.scala", "", "Java/Kotlin/Scala", "//", "/*"),
    ("ios/Runner.swift", "", "Swift", "//", "/*"),
    ("web/app.js", "", "JavaScript/TypeScript", "//", "/*"),
    ("web/app.jsx", "", "JavaScript/TypeScript", "//", "/*"),
    ("web/app.mjs", "", "JavaScript/TypeScript", "//", "/*"),
    ("web/app.cjs", "", "JavaScript/TypeScript", "//", "/*"),
    ("web/app.ts", "", "JavaScript/TypeScript", "//", "/*"),
    ("web/app.tsx", "", "JavaScript/TypeScript", "//", "/*"),
    (".github/workflows/ci.yml", "", "YAML", "#", None),
    ("configs/llama.yaml", "", "YAML", "#", None),
    ("pyproject.toml", "", "TOML", "#", None),
    ("docs/index.md", "", "Markdown", None, "<!--"),
    ("docs/_templates/page.html", "", "HTML/XML", None, "<!--"),
    ("pom.xml", "", "HTML/XML", None, "<!--"),
    ("docs/guide.rst", "", "reStructuredText", "..", None),
    ("sql/schema.sql", "", "SQL", "--", "/*"),
    ("lua/init.lua", "", "Lua", "--", "--[["),
    ("emacs/mode.el", "", "Lisp", ";", None),
    ("kernels/gemm.asm", "", "assembly", ";", None),
    ("setup.ini", "", "INI", ";", None),
    ("paper/main.tex", "", "TeX", "%", None),
    ("CMakeLists.txt", "", "CMake", "#", None),
    ("cmake/FindCUDA.cmake", "", "CMake", "#", None),
    ("docker/Dockerfile", "", "Dockerfile", "#", None),
    ("docker/Dockerfile.rocm", "", "Dockerfile", "#", None),
    ("docker/cpu.dockerfile", "", "Dockerfile", "#", None),
    ("Makefile", "", "Makefile", "#", None),
    ("build/rules.mk", "", "Makefile", "#", None),
    ("BUILD", "", "Starlark", "#", None),
    ("css/site.css", "", "CSS", None, "/*"),
    ("src/kernels.mojo", "", "Mojo", "#", None),
]


@pytest.mark.parametrize(
    ("path", "first_line", "name", "line", "opener"),
    LOOKUP,
    ids=[case[0] for case in LOOKUP],
)
def test_for_path(path, first_line, name, line, opener):
    syntax = for_path(path, first_line)
    assert syntax is not None
    assert (syntax.name, syntax.line) == (name, line)
    assert (syntax.block.open if syntax.block else None) == opener


@pytest.mark.parametrize(
    "path",
    ["weights/model.safetensors", "data/train.json", "LICENSE", "README", ".bashrc", "asm/x.s"],
)
def test_unknown_types_have_no_syntax(path):
    assert for_path(path) is None


def test_no_extension_or_name_claimed_twice():
    claims = Counter(x for s in LANGUAGES for x in (*s.extensions, *s.names))
    assert [x for x, n in claims.items() if n > 1] == []


def test_every_language_can_write_a_comment():
    for syntax in LANGUAGES:
        assert syntax.line or syntax.block, syntax.name
        text = render(["SPDX-License-Identifier: MIT"], syntax)
        assert strip(text.splitlines()[0], syntax) == "SPDX-License-Identifier: MIT", syntax.name


# language, lines, block (None: the language's choice), expected text
RENDER = [
    ("Python", ["SPDX-License-Identifier: MIT"], None, "# SPDX-License-Identifier: MIT"),
    (
        "Python",
        ["Copyright 2024 ACME", "", "Licensed MIT."],
        None,
        "# Copyright 2024 ACME\n#\n# Licensed MIT.",
    ),
    ("C/C++", ["a", "b"], False, "// a\n// b"),
    (
        "C/C++",
        ["Copyright 2024 ACME", "", "Licensed MIT."],
        None,
        "/*\n * Copyright 2024 ACME\n *\n * Licensed MIT.\n */",
    ),
    ("C/C++", ["one line"], None, "// one line"),
    ("Rust", ["a", "b"], None, "// a\n// b"),
    ("Go", ["a", "b"], True, "/*\n * a\n * b\n */"),
    ("Markdown", ["SPDX-License-Identifier: MIT"], None, "<!-- SPDX-License-Identifier: MIT -->"),
    ("Markdown", ["a", "", "b"], None, "<!--\na\n\nb\n-->"),
    ("CSS", ["a"], None, "/* a */"),
    ("SQL", ["a"], None, "-- a"),
    ("Lua", ["a", "b"], None, "-- a\n-- b"),
    ("Lisp", ["a"], None, "; a"),
    ("TeX", ["a"], None, "% a"),
    ("shell", ["a"], True, "# a"),  # no block comments in shell: line comments it is
]


@pytest.mark.parametrize(
    ("name", "lines", "block", "expected"),
    RENDER,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(RENDER)],
)
def test_render(name, lines, block, expected):
    assert render(lines, BY_NAME[name], block) == expected


# line, language (None: any), text
STRIP = [
    ("# Copyright 2024 ACME", None, "Copyright 2024 ACME"),
    ("// Copyright 2024 ACME", None, "Copyright 2024 ACME"),
    ("/// Copyright", None, "Copyright"),
    ("//! Copyright", None, "Copyright"),
    ("/* Copyright 2024 ACME */", None, "Copyright 2024 ACME"),
    (" * Copyright 2024 ACME", None, "Copyright 2024 ACME"),
    (" */", None, ""),
    ("/**", None, ""),
    ("<!-- SPDX-License-Identifier: MIT -->", None, "SPDX-License-Identifier: MIT"),
    ("-- Licensed MIT", None, "Licensed MIT"),
    (";; Licensed MIT", None, "Licensed MIT"),
    ("% Licensed MIT", None, "Licensed MIT"),
    ("REM Licensed MIT", None, "Licensed MIT"),
    ("Remarkable text", None, "Remarkable text"),
    (".. SPDX-License-Identifier: MIT", None, "SPDX-License-Identifier: MIT"),
    ("{# Licensed MIT #}", None, "Licensed MIT"),
    ("   plain text  ", None, "plain text"),
    ("# Copyright", "Python", "Copyright"),
    ("## Copyright", "Python", "Copyright"),
    ("// not a Python comment", "Python", "// not a Python comment"),
    (" * Copyright", "C/C++", "Copyright"),
    (" */", "C/C++", ""),
    ("/* Copyright */", "C/C++", "Copyright"),
    ("<!-- Copyright -->", "Markdown", "Copyright"),
    ("rem Licensed MIT", "Batch", "Licensed MIT"),
    ("--[[ Licensed MIT ]]", "Lua", "Licensed MIT"),
    ("-- Licensed MIT", "Lua", "Licensed MIT"),
]


@pytest.mark.parametrize(
    ("line", "name", "expected"),
    STRIP,
    ids=[f"{c[1] or 'any'}:{c[0].strip() or 'blank'}" for c in STRIP],
)
def test_strip(line, name, expected):
    assert strip(line, BY_NAME[name] if name else None) == expected


@pytest.mark.parametrize(
    ("line", "name", "expected"),
    [
        ("# note", "Python", True),
        ("    # indented note", "Python", True),
        ("x = 1  # trailing", "Python", False),
        ("/* note", "C/C++", True),
        ("// note", "C/C++", True),
        ("#include <cuda.h>", "C/C++", False),
        ("<!-- note -->", "Markdown", True),
        ("rem note", "Batch", True),
        ("REM note", "Batch", True),
        ("remove.bat", "Batch", False),
    ],
)
def test_is_comment(line, name, expected):
    assert is_comment(line, BY_NAME[name]) is expected
