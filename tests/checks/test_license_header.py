"""license-header: new source files carry the configured or learned license header."""

from __future__ import annotations

import time

import pytest
from pydantic import ValidationError

from bot.checks.license_header import DEFAULT_EXCLUDE, DEFAULT_INCLUDE, Settings, _paths, check
from bot.findings import Severity
from bot.license_text import check_expression, expression_key, normalise_years, prelude
from bot.patterns import GlobSet
from bot.render import word
from bot.snapshot import FileChange, FileStatus
from tests.factories import file, pr

CODE = [f"value_{i} = compute({i})" for i in range(8)]
SPDX = "# SPDX-License-Identifier: Apache-2.0"
APACHE = Settings(spdx="Apache-2.0")
HF_TEMPLATE = """\
Copyright {year} {holder}. All rights reserved.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
"""
HF = Settings(template=HF_TEMPLATE, holder="The HuggingFace Team")
HF_ANY_HOLDER = Settings(template=HF_TEMPLATE)
VLLM = Settings(spdx="Apache-2.0", copyright="Copyright contributors to the {holder}")


def hf_header(years="2024", holder="The HuggingFace Team", marker="#") -> list[str]:
    return [
        f"{marker} Copyright {years} {holder}. All rights reserved.",
        marker,
        f'{marker} Licensed under the Apache License, Version 2.0 (the "License");',
        f"{marker} you may not use this file except in compliance with the License.",
    ]


def outcome(findings) -> list[tuple[str, str]]:
    return [(f.path, f.kind) for f in findings]


def case(case_id, settings, *files, expected=(), **pr_kwargs):
    """A case: the PR's files, and the (path, kind) findings expected, in order."""
    return pytest.param(settings, list(files), pr_kwargs, list(expected), id=case_id)


CASES = [
    # -- SPDX configured ---------------------------------------------------------------------
    case("spdx-present", APACHE, file("src/a.py", [SPDX, *CODE])),
    case("spdx-absent", APACHE, file("src/a.py", CODE), expected=[("src/a.py", "missing")]),
    case("spdx-after-shebang", APACHE, file("a.py", ["#!/usr/bin/env python3", SPDX, *CODE])),
    case("spdx-after-encoding", APACHE, file("a.py", ["# -*- coding: utf-8 -*-", SPDX, *CODE])),
    case(
        "spdx-after-shebang-and-encoding",
        APACHE,
        file("a.py", ["#!/usr/bin/env python", "# coding=utf-8", SPDX, *CODE]),
    ),
    case(
        "spdx-window-counts-after-the-prelude",
        Settings(spdx="Apache-2.0", max_lines=1),
        file("a.py", ["#!/usr/bin/env python", "# -*- coding: utf-8 -*-", SPDX, *CODE]),
    ),
    case(
        "spdx-outside-a-one-line-window",
        Settings(spdx="Apache-2.0", max_lines=1),
        file("a.py", ["#!/usr/bin/env python", "import os", SPDX, *CODE]),
        expected=[("a.py", "missing")],
    ),
    case(
        "spdx-key-and-id-any-case",
        APACHE,
        file("a.py", ["# spdx-license-identifier: apache-2.0", *CODE]),
    ),
    case(
        "spdx-below-the-window",
        APACHE,
        file("a.py", [*CODE, *CODE, SPDX]),
        expected=[("a.py", "missing")],
    ),
    case(
        "spdx-wrong-license",
        APACHE,
        file("a.py", ["# SPDX-License-Identifier: MIT", *CODE]),
        expected=[("a.py", "wrong-license")],
    ),
    case(
        "spdx-expression-parenthesised",
        Settings(spdx="MIT OR Apache-2.0"),
        file("lib.rs", ["// SPDX-License-Identifier: (MIT OR Apache-2.0)", *CODE]),
    ),
    case(
        "spdx-cpp-line",
        APACHE,
        file("csrc/ops.cu", ["// SPDX-License-Identifier: Apache-2.0", *CODE]),
    ),
    case(
        "spdx-c-block",
        APACHE,
        file("csrc/ops.h", ["/* SPDX-License-Identifier: Apache-2.0 */", *CODE]),
    ),
    case(
        "spdx-markdown-html-comment",
        Settings(spdx="Apache-2.0", include=("*.md",)),
        file("docs/guide.md", ["<!-- SPDX-License-Identifier: Apache-2.0 -->", *CODE]),
    ),
    case(
        "spdx-markdown-after-front-matter",
        Settings(spdx="Apache-2.0", include=("*.md",)),
        file(
            "docs/guide.md",
            ["---", "title: Guide", "---", "<!-- SPDX-License-Identifier: Apache-2.0 -->", *CODE],
        ),
    ),
    case(
        "spdx-markdown-missing",
        Settings(spdx="Apache-2.0", include=("*.md",)),
        file("docs/guide.md", CODE),
        expected=[("docs/guide.md", "missing")],
    ),
    case(
        "spdx-yaml-and-sql-when-included",
        Settings(spdx="Apache-2.0", include=("*.yaml", "*.sql")),
        file("configs/a.yaml", [SPDX, *CODE]),
        file("db/b.sql", ["-- SPDX-License-Identifier: Apache-2.0", *CODE]),
        file("db/c.sql", CODE),
        expected=[("db/c.sql", "missing")],
    ),
    # -- which files are judged ------------------------------------------------------------
    case(
        "renamed-modified-removed-ignored",
        APACHE,
        file("src/new.py", CODE, status="renamed", previous_path="src/old.py"),
        file("src/mod.py", CODE, ["old"]),
        file("src/gone.py", removed=CODE, status="removed"),
    ),
    case("binary-ignored", APACHE, file("src/_C.so", binary=True)),
    case(
        "generated-and-vendored-ignored",
        APACHE,
        file("src/ops_gen.py", ["# @generated by tools/gen_ops.py", *CODE]),
        file("third_party/cutlass/gemm.h", CODE),
        file("src/model_pb2.py", CODE),
        file("csrc/json.hpp", CODE),
        attributes={".gitattributes": "csrc/json.hpp linguist-vendored\n"},
    ),
    case("fixtures-ignored", APACHE, file("tests/fixtures/sample.py", CODE)),
    case(
        "tiny-and-empty-files-ignored",
        APACHE,
        file("src/pkg/__init__.py", []),
        file("src/pkg/version.py", ['__version__ = "1.0"']),
    ),
    case(
        "not-included-types-ignored",
        APACHE,
        file("docs/guide.md", CODE),
        file("data/config.json", CODE),
        file("configs/run.yaml", CODE),
    ),
    case(
        "custom-include-and-exclude",
        Settings(spdx="Apache-2.0", include=("src/**",), exclude=("src/legacy/**",)),
        file("src/a.py", CODE),
        file("src/legacy/b.py", CODE),
        file("tools/c.py", CODE),
        expected=[("src/a.py", "missing")],
    ),
    case(
        "copy-with-top-shown-is-judged",
        APACHE,
        file("src/copy.py", CODE, status="copied", previous_path="src/orig.py"),
        expected=[("src/copy.py", "missing")],
    ),
    case(
        "copy-changed-below-the-top-ignored",
        APACHE,
        FileChange(
            "src/copy.py",
            FileStatus.COPIED,
            additions=6,
            deletions=1,
            patch="@@ -40,3 +40,8 @@\n context\n-old\n" + "\n".join(f"+{c}" for c in CODE[:6]),
            previous_path="src/orig.py",
        ),
    ),
    case(
        "exact-copy-ignored-even-without-size-floor",
        Settings(spdx="Apache-2.0", min_lines=0),
        FileChange("src/copy.py", FileStatus.COPIED, previous_path="src/orig.py"),
        file("src/tiny.py", ["x = 1"]),
        expected=[("src/tiny.py", "missing")],
    ),
    case(
        "absent-patch-unverifiable",
        APACHE,
        file("src/huge.py", 20, patch=None),
        expected=[("src/huge.py", "unverifiable")],
    ),
    case(
        "absent-patch-without-convention-says-nothing",
        Settings(),
        file("src/huge.py", 20, patch=None),
    ),
    # -- full-text template -------------------------------------------------------------------
    case("template-present", HF, file("src/a.py", [*hf_header(), *CODE])),
    case("template-year-range", HF, file("a.py", [*hf_header("2019-2024"), *CODE])),
    case("template-year-en-dash", HF, file("a.py", [*hf_header("2019–2024"), *CODE])),
    case("template-year-list", HF, file("a.py", [*hf_header("2019, 2021"), *CODE])),
    case("template-year-present", HF, file("a.py", [*hf_header("2019-present"), *CODE])),
    case(
        "template-other-wrapping-and-spaces",
        HF,
        file(
            "a.py",
            [
                "#   Copyright 2024   The HuggingFace Team.",
                "#   All rights reserved.",
                '# Licensed under the Apache License, Version 2.0 (the "License"); you',
                "# may not use this file except in compliance with the License.",
                *CODE,
            ],
        ),
    ),
    case(
        "template-cpp-block-comment",
        HF,
        file(
            "csrc/attn.cpp",
            ["/*", *[" *" + line[1:] for line in hf_header()], " */", *CODE],
        ),
    ),
    case("template-cpp-line-comments", HF, file("csrc/attn.cu", [*hf_header(marker="//"), *CODE])),
    case(
        "template-markdown-html-comment",
        Settings(template=HF_TEMPLATE, include=("*.md",)),
        file("docs/a.md", ["<!--", *[line[2:] for line in hf_header()], "-->", *CODE]),
    ),
    case(
        "template-after-shebang-and-encoding",
        HF,
        file("a.py", ["#!/usr/bin/env python", "# coding=utf-8", *hf_header(), *CODE]),
    ),
    case("template-absent", HF, file("a.py", CODE), expected=[("a.py", "missing")]),
    case(
        "template-holder-mismatch",
        HF,
        file("a.py", [*hf_header(holder="ACME Corp"), *CODE]),
        expected=[("a.py", "wrong-copyright")],
    ),
    case(
        "template-any-holder-when-none-configured",
        HF_ANY_HOLDER,
        file("a.py", [*hf_header(holder="ACME Corp"), *CODE]),
    ),
    case(
        "template-text-differs",
        HF,
        file("a.py", [*hf_header()[:2], "# Licensed under the MIT License.", *CODE]),
        expected=[("a.py", "missing")],
    ),
    case(
        "template-starts-below-the-window",
        Settings(template=HF_TEMPLATE, max_lines=5),
        file("a.py", [*CODE, *hf_header()]),
        expected=[("a.py", "missing")],
    ),
    # -- SPDX with a copyright line ----------------------------------------------------------
    case(
        "copyright-present",
        VLLM,
        file(
            "vllm/a.py",
            [SPDX, "# SPDX-FileCopyrightText: Copyright contributors to the vLLM project", *CODE],
        ),
    ),
    case(
        "copyright-missing",
        VLLM,
        file("vllm/a.py", [SPDX, *CODE]),
        expected=[("vllm/a.py", "missing-copyright")],
    ),
    case(
        "copyright-different",
        Settings(spdx="Apache-2.0", copyright="{year} {holder}", holder="The vLLM team"),
        file("vllm/a.py", [SPDX, "# SPDX-FileCopyrightText: 2024 Jane Doe", *CODE]),
        expected=[("vllm/a.py", "wrong-copyright")],
    ),
    case(
        "copyright-holder-and-year-match",
        Settings(spdx="Apache-2.0", copyright="{year} {holder}", holder="The vLLM team"),
        file("vllm/a.py", [SPDX, "# SPDX-FileCopyrightText: 2023-2025 The vLLM team", *CODE]),
    ),
]


@pytest.mark.parametrize(("settings", "files", "pr_kwargs", "expected"), CASES)
def test_findings(settings, files, pr_kwargs, expected):
    assert outcome(check(pr(*files, **pr_kwargs), settings)) == expected


def samples(texts: dict[str, list[str]]) -> dict[str, str]:
    return {path: "\n".join(lines) + "\n" for path, lines in texts.items()}


VLLM_HEADER = [SPDX, "# SPDX-FileCopyrightText: Copyright contributors to the vLLM project"]
LEARN = [
    pytest.param(
        {f"pkg/m{i}.py": [SPDX, *CODE] for i in range(4)} | {"pkg/old.py": CODE},
        [file("pkg/new.py", CODE), file("pkg/ok.py", [SPDX, *CODE])],
        [("pkg/new.py", "missing")],
        id="majority-spdx",
    ),
    pytest.param(
        {f"pkg/m{i}.py": [SPDX, *CODE] for i in range(4)},
        [file("pkg/new.py", ["# SPDX-License-Identifier: GPL-3.0-only", *CODE])],
        [("pkg/new.py", "wrong-license")],
        id="majority-spdx-wrong-license",
    ),
    pytest.param(
        {f"vllm/m{i}.py": [*VLLM_HEADER, *CODE] for i in range(5)},
        [file("vllm/half.py", [SPDX, *CODE]), file("vllm/ok.py", [*VLLM_HEADER, *CODE])],
        [("vllm/half.py", "missing-copyright")],
        id="majority-spdx-and-copyright-line",
    ),
    pytest.param(
        {
            "src/a.py": ["# coding=utf-8", *hf_header("2020"), "", *CODE],
            "src/b.py": [*hf_header("2021-2023"), "", *CODE],
            "src/c.py": [*hf_header("2022"), "", *CODE],
            "src/d.py": CODE,
        },
        [
            file("src/new.py", CODE),
            file("src/ok.py", [*hf_header("2019"), *CODE]),
            file("src/own.py", [*hf_header("2024", "ACME Corp"), *CODE]),
            file("src/other.py", [*hf_header()[:2], "# Licensed under the MIT License.", *CODE]),
        ],
        [("src/new.py", "missing"), ("src/other.py", "missing")],
        id="majority-header-years-and-holders-aside",
    ),
    pytest.param(
        {
            "src/a.py": [*hf_header("2020", "The HuggingFace Team"), "", *CODE],
            "src/b.py": [*hf_header("2021", "The Google AI Team and The HuggingFace Team"), *CODE],
            "src/c.py": [*hf_header("2022", "The HuggingFace Team"), "", *CODE],
            "src/d.py": [*hf_header("2023", "Microsoft"), "", *CODE],
        },
        [file("src/new.py", CODE), file("src/ok.py", [*hf_header("2024", "Meta"), *CODE])],
        [("src/new.py", "missing")],
        id="majority-header-copyright-holders-differ",
    ),
    pytest.param(
        {f"src/m{i}.py": CODE for i in range(5)},
        [file("src/new.py", CODE)],
        [],
        id="no-convention",
    ),
    pytest.param(
        {
            "src/a.py": [SPDX, *CODE],
            "src/b.py": [SPDX, *CODE],
            "src/c.py": ["# SPDX-License-Identifier: MIT", *CODE],
            "src/d.py": ["# SPDX-License-Identifier: MIT", *CODE],
            "src/e.py": CODE,
        },
        [file("src/new.py", CODE)],
        [],
        id="mixed-licenses",
    ),
    pytest.param(
        {"src/a.py": [SPDX, *CODE], "src/b.py": [SPDX, *CODE]},
        [file("src/new.py", CODE)],
        [],
        id="too-few-samples",
    ),
    pytest.param(
        {f"csrc/k{i}.cu": ["// SPDX-License-Identifier: Apache-2.0", *CODE] for i in range(5)},
        [file("src/new.py", CODE), file("csrc/new.cuh", CODE)],
        [("csrc/new.cuh", "missing")],
        id="conventions-are-per-language",
    ),
    pytest.param(
        {f"third_party/lib/m{i}.py": ["# SPDX-License-Identifier: MIT", *CODE] for i in range(5)}
        | {"src/a.py": CODE},
        [file("src/new.py", CODE)],
        [],
        id="vendored-samples-ignored",
    ),
    pytest.param(
        {f"src/m{i}.py": ["# Helper functions for the data pipeline.", *CODE] for i in range(5)},
        [file("src/new.py", CODE)],
        [],
        id="shared-comment-that-is-no-license",
    ),
    pytest.param(
        {f"src/m{i}.py": [SPDX, "import os"] for i in range(3)} | {"src/__init__.py": [""]},
        [file("src/new.py", CODE)],
        [("src/new.py", "missing")],
        id="tiny-samples-with-header-count-empty-ones-do-not",
    ),
]


@pytest.mark.parametrize(("texts", "files", "expected"), LEARN)
def test_learned_convention(texts, files, expected):
    snapshot = pr(*files, header_samples=samples(texts))
    assert outcome(check(snapshot, Settings())) == expected


def test_learning_can_be_turned_off():
    texts = {f"pkg/m{i}.py": [SPDX, *CODE] for i in range(5)}
    snapshot = pr(file("pkg/new.py", CODE), header_samples=samples(texts))
    assert outcome(check(snapshot, Settings())) == [("pkg/new.py", "missing")]
    assert check(snapshot, Settings(learn=False)) == []


def test_learned_facts_and_suggestion():
    texts = {f"vllm/m{i}.py": [*VLLM_HEADER, *CODE] for i in range(4)} | {"vllm/x.py": CODE}
    snapshot = pr(file("vllm/new.py", CODE), header_samples=samples(texts))
    [f] = check(snapshot, Settings())
    assert f.facts["learned"] == {"language": "Python", "matching": 4, "sampled": 5}
    assert f.suggestion == "\n".join(VLLM_HEADER)


def test_learned_header_keeps_comment_style_and_most_common_holder():
    mit = "// Licensed under the MIT License."
    texts = {
        "csrc/a.cu": ["// Copyright 2021 ACME Labs.", mit, *CODE],
        "csrc/b.cu": ["// Copyright 2022-2023 ACME Labs.", mit, *CODE],
        "csrc/c.cu": ["// Copyright 2020 Jane Doe.", mit, *CODE],
        "csrc/d.cu": ["// Copyright 2019 Bob.", mit, *CODE],
    }
    snapshot = pr(
        file("csrc/new.cu", CODE),
        file("csrc/other.cu", ["// Copyright 2024 Someone Else.", mit, *CODE]),
        header_samples=samples(texts),
    )
    [f] = check(_dated(snapshot, "2031-02-03T04:05:06Z"), Settings())
    assert f.path == "csrc/new.cu"
    assert f.suggestion == "// Copyright 2031 ACME Labs.\n// Licensed under the MIT License."
    assert f.facts["learned"] == {"language": "C/C++", "matching": 4, "sampled": 4}


def _fields(snapshot) -> dict:
    return {name: getattr(snapshot, name) for name in snapshot.__dataclass_fields__}


def _dated(snapshot, created_at="2025-06-01T10:00:00Z"):
    return snapshot.__class__(**{**_fields(snapshot), "created_at": created_at})


# path, settings, suggested header (PR opened in 2025)
SUGGESTIONS = [
    ("src/a.py", APACHE, "# SPDX-License-Identifier: Apache-2.0"),
    ("csrc/a.cu", APACHE, "// SPDX-License-Identifier: Apache-2.0"),
    ("csrc/a.hpp", APACHE, "// SPDX-License-Identifier: Apache-2.0"),
    ("src/lib.rs", APACHE, "// SPDX-License-Identifier: Apache-2.0"),
    ("cmd/main.go", APACHE, "// SPDX-License-Identifier: Apache-2.0"),
    ("web/app.ts", APACHE, "// SPDX-License-Identifier: Apache-2.0"),
    ("scripts/run.sh", APACHE, "# SPDX-License-Identifier: Apache-2.0"),
    (
        "docs/a.md",
        Settings(spdx="Apache-2.0", include=("*.md",)),
        "<!-- SPDX-License-Identifier: Apache-2.0 -->",
    ),
    (
        "db/a.sql",
        Settings(spdx="Apache-2.0", include=("*.sql",)),
        "-- SPDX-License-Identifier: Apache-2.0",
    ),
    (
        "kernels/a.lua",
        Settings(spdx="Apache-2.0", include=("*.lua",)),
        "-- SPDX-License-Identifier: Apache-2.0",
    ),
    (
        "vllm/a.py",
        VLLM,
        "# SPDX-License-Identifier: Apache-2.0\n"
        "# SPDX-FileCopyrightText: Copyright contributors to the <copyright holder>",
    ),
    (
        "src/a.py",
        HF,
        "# Copyright 2025 The HuggingFace Team. All rights reserved.\n#\n"
        '# Licensed under the Apache License, Version 2.0 (the "License");\n'
        "# you may not use this file except in compliance with the License.",
    ),
    (
        "csrc/a.cpp",
        HF,
        "/*\n * Copyright 2025 The HuggingFace Team. All rights reserved.\n *\n"
        ' * Licensed under the Apache License, Version 2.0 (the "License");\n'
        " * you may not use this file except in compliance with the License.\n */",
    ),
    (
        "cmd/main.go",
        Settings(
            template="Copyright {year} The Go Authors.\n"
            "Use of this source code is governed by a BSD-style license."
        ),
        "// Copyright 2025 The Go Authors.\n"
        "// Use of this source code is governed by a BSD-style license.",
    ),
    (
        "docs/a.md",
        Settings(template="Copyright {year} ACME.\nLicensed MIT.", include=("*.md",)),
        "<!--\nCopyright 2025 ACME.\nLicensed MIT.\n-->",
    ),
]


@pytest.mark.parametrize(
    ("path", "settings", "expected"),
    SUGGESTIONS,
    ids=[f"{s[0]}-{i}" for i, s in enumerate(SUGGESTIONS)],
)
def test_suggestion_per_language(path, settings, expected):
    [f] = check(_dated(pr(file(path, CODE))), settings)
    assert f.suggestion == expected
    assert f.facts["needs_holder"] is ("<copyright holder>" in expected)


def test_finding_fields():
    findings = check(
        pr(
            file("a.py", ["#!/usr/bin/env python", "", "# SPDX-License-Identifier: MIT", *CODE]),
            file("b.py", CODE),
            file("c.py", 30, patch=None),
        ),
        APACHE,
    )
    wrong, missing, unverifiable = findings
    assert (wrong.path, wrong.line, wrong.severity) == ("a.py", 3, Severity.WARNING)
    assert (wrong.facts["found"], wrong.facts["required"]) == ("MIT", "Apache-2.0")
    assert wrong.facts["after"] == ["shebang"]
    assert (missing.path, missing.line, missing.facts["expected"]) == (
        "b.py",
        1,
        "SPDX-License-Identifier: Apache-2.0",
    )
    assert (unverifiable.severity, unverifiable.kind) == (Severity.NOTICE, "unverifiable")
    assert unverifiable.suggestion == SPDX


@pytest.mark.parametrize(
    ("top", "after"),
    [
        (["#!/usr/bin/env python3"], ["shebang"]),
        (["# -*- coding: utf-8 -*-"], ["encoding line"]),
        (["#!/usr/bin/env python", "# coding=utf-8"], ["shebang", "encoding line"]),
        ([], []),
    ],
    ids=["shebang", "encoding", "shebang-and-encoding", "nothing"],
)
def test_header_goes_after_shebang_and_encoding(top, after):
    [f] = check(pr(file("tools/run.py", [*top, *CODE])), APACHE)
    assert f.facts["after"] == after
    message = word(f).message
    assert ("right after the " + " and ".join(after) in message) is bool(after)


def test_learning_skips_the_shebang():
    texts = {
        f"bin/t{i}.py": ["#!/usr/bin/env python", *hf_header(f"20{i}0"), *CODE] for i in range(3)
    }
    snapshot = pr(
        file("bin/new.py", ["#!/usr/bin/env python3", *CODE]),
        file("bin/ok.py", [*hf_header("2024"), *CODE]),
        header_samples=samples(texts),
    )
    [f] = check(_dated(snapshot), Settings())
    assert (f.path, f.kind, f.facts["after"]) == ("bin/new.py", "missing", ["shebang"])
    assert (
        f.suggestion.splitlines()[0]
        == "# Copyright 2025 The HuggingFace Team. All rights reserved."
    )


def test_severity_follows_settings():
    [f] = check(pr(file("a.py", CODE)), Settings(spdx="MIT", severity="failure"))
    assert f.severity == Severity.FAILURE


@pytest.mark.parametrize(
    ("settings", "top", "line", "found", "required"),
    [
        (
            HF,
            ["# coding=utf-8", *hf_header(holder="ACME Corp")],
            2,
            "ACME Corp",
            "The HuggingFace Team",
        ),
        (
            Settings(template="Copyright (c) {year} {holder}\nMIT License", holder="ACME"),
            ["// Copyright (c) 2024 Jane Doe", "// MIT License"],
            1,
            "Jane Doe",
            "ACME",
        ),
        (
            Settings(template="Copyright {year} {holder}", holder="ACME"),
            ["/*", " * Copyright 2023-2024 Jane Q. Doe  ", " */"],
            2,
            "Jane Q. Doe",
            "ACME",
        ),
    ],
    ids=["holder-mid-line", "holder-at-line-end", "holder-ends-template"],
)
def test_holder_mismatch_facts(settings, top, line, found, required):
    path = "a.py" if top[0].startswith("#") else "a.cpp"
    [f] = check(pr(file(path, [*top, *CODE])), settings)
    assert (f.kind, f.line) == ("wrong-copyright", line)
    assert (f.facts["found"], f.facts["required"]) == (found, required)
    message = word(f).message
    assert f"names `{found}` as the copyright holder (line {line})" in message
    assert f"`{required}`" in message
    assert "`rules.license-header.holder`" in message


def test_copyright_line_mismatch_message():
    settings = Settings(
        spdx="Apache-2.0",
        copyright="{year} {holder}",
        holder="The vLLM team",
        template="Licensed under the Apache License, Version 2.0.",
    )
    top = [SPDX, "# SPDX-FileCopyrightText: 2024 Jane Doe", "# Licensed under the MIT License."]
    [f] = check(_dated(pr(file("vllm/a.py", [*top, *CODE]))), settings)
    assert (f.kind, f.line) == ("wrong-copyright", 2)
    message = word(f).message
    assert "Line 2 of `vllm/a.py` reads `SPDX-FileCopyrightText: 2024 Jane Doe`" in message
    assert "`SPDX-FileCopyrightText: 2025 The vLLM team`" in message
    assert "`rules.license-header.copyright`" in message
    assert f.suggestion == (
        "# SPDX-License-Identifier: Apache-2.0\n"
        "# SPDX-FileCopyrightText: 2025 The vLLM team\n"
        "# Licensed under the Apache License, Version 2.0."
    )


def test_header_too_far_down_says_where_it_is():
    settings = Settings(template=HF_TEMPLATE, max_lines=5)
    [f] = check(pr(file("a.py", [*CODE, *hf_header()])), settings)
    assert f.facts["found_at"] == 9
    assert "it begins on line 9, further down. " in word(f).message
    assert "Move it up to the top of the file." in word(f).message


# -- the words -----------------------------------------------------------------------------


def test_missing_message_names_file_window_reason_and_key():
    [f] = check(pr(file("src/train.py", ["#!/usr/bin/env python", *CODE])), APACHE)
    f = word(f)
    assert f.title == "New file without an SPDX license line"
    for part in (
        "`src/train.py`",
        "first 15 lines",
        "`SPDX-License-Identifier: Apache-2.0`",
        "provenance",
        "right after the shebang",
        "`rules.license-header.spdx`",
        "`.github/steward.yml`",
    ):
        assert part in f.message


def test_learned_message_says_how_it_was_learned():
    texts = {f"pkg/m{i}.py": [SPDX, *CODE] for i in range(4)} | {"pkg/old.py": CODE}
    [f] = check(pr(file("pkg/new.py", CODE), header_samples=samples(texts)), Settings())
    message = word(f).message
    assert "existing Python files (4 of the 5 it sampled start this way)" in message
    assert "`rules.license-header.spdx`" in message
    assert "`rules.license-header.learn: false`" in message


def test_wrong_license_message_names_both_licenses():
    [f] = check(pr(file("a.py", ["# SPDX-License-Identifier: MIT", *CODE])), APACHE)
    f = word(f)
    assert f.title == "New file under a different license (MIT)"
    assert "`SPDX-License-Identifier: MIT` on line 1" in f.message
    assert "`Apache-2.0`" in f.message


def test_unverifiable_message():
    [f] = check(pr(file("src/big.py", 40, patch=None)), APACHE)
    f = word(f)
    assert "could not check" in f.message
    assert "`src/big.py`" in f.message


def test_every_kind_renders():
    snapshot = pr(
        file("a.py", CODE),
        file("b.py", ["# SPDX-License-Identifier: MIT", *CODE]),
        file("c.py", [SPDX, *CODE]),
        file("d.py", [SPDX, "# SPDX-FileCopyrightText: 2024 Jane Doe", *CODE]),
        file("e.py", 40, patch=None),
        file("f.py", [*hf_header(holder="ACME"), *CODE]),
        file("g.py", ["# SPDX-License-Identifier: MIT", *hf_header()[1:], *CODE]),
    )
    settings = Settings(spdx="Apache-2.0", copyright="{year} {holder}", holder="The vLLM team")
    kinds = {}
    for f in [*check(snapshot, settings), *check(snapshot, HF)]:
        f = word(f)
        assert f.title and f.message, f.kind
        assert ".github/steward.yml" in f.message
        kinds.setdefault(f.kind, f)
    assert set(kinds) == {
        "missing",
        "wrong-license",
        "missing-copyright",
        "wrong-copyright",
        "unverifiable",
    }


# -- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"spdx": "Apache 2.0"}, ["is not an SPDX license expression"]),
        ({"spdx": "MIT OR"}, ["is not an SPDX license expression"]),
        ({"spdx": "(MIT"}, ["is not an SPDX license expression"]),
        ({"template": "Copyright {yr} ACME"}, ["unknown placeholder {yr}", "{year} and {holder}"]),
        ({"template": "# {year} {holder}\n#"}, ["needs some text"]),
        ({"template": "Copyright { year ACME"}, ["unmatched"]),
        ({"copyright": "{year} ACME"}, ["needs spdx too"]),
        ({"spdx": "MIT", "holder": "ACME"}, ["neither uses {holder}"]),
        ({"template": "Copyright {year} {holder}", "holder": "  "}, ["must not be empty"]),
        ({"learn_ratio": 0.5}, ["greater than 0.5"]),
        ({"max_lines": 0}, ["greater than or equal to 1"]),
        ({"header": "x"}, ["Extra inputs are not permitted"]),
    ],
    ids=[
        "spdx-with-space",
        "spdx-dangling-operator",
        "spdx-open-paren",
        "unknown-placeholder",
        "template-without-text",
        "unmatched-brace",
        "copyright-without-spdx",
        "holder-unused",
        "holder-blank",
        "ratio-not-a-majority",
        "zero-window",
        "unknown-key",
    ],
)
def test_invalid_settings_say_why(data, words):
    with pytest.raises(ValidationError) as err:
        Settings.model_validate(data)
    for w in words:
        assert w in str(err.value)


def test_settings_accept_pasted_keys_and_literal_braces():
    s = Settings(
        spdx="SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception",
        copyright="SPDX-FileCopyrightText: {year} {holder}",
        holder="ACME",
    )
    assert (s.spdx, s.copyright) == ("Apache-2.0 WITH LLVM-exception", "{year} {holder}")
    t = Settings(template="Copyright {year} ACME {{internal}}")
    [f] = check(_dated(pr(file("a.py", CODE))), t)
    assert f.suggestion == "# Copyright 2025 ACME {internal}"
    assert check(pr(file("a.py", ["# Copyright 2020 ACME {internal}", *CODE])), t) == []


@pytest.mark.parametrize(
    "patterns",
    [
        DEFAULT_INCLUDE,
        DEFAULT_EXCLUDE,
        ("Dockerfile", "CMakeLists.txt", "*.PY"),
        ("src/**", "*_test.py", "docs/", "**/gen/**"),
        ("*.py", "!keep.py"),
        ("#comment", "a.py ", "a.py"),
    ],
    ids=["default-include", "default-exclude", "names", "paths", "negation", "odd"],
)
def test_fast_globs_agree_with_globset(patterns):
    names = ["a.py", "x.PY", "b.cu", "Dockerfile", "CMakeLists.txt", "keep.py", "m_test.py", "c"]
    folders = ["", "src/", "src/fixtures/", "x/testdata/y/", "docs/", "a.py/", "deep/gen/"]
    fast, slow = _paths(patterns), GlobSet(patterns)
    for path in (d + n for d in folders for n in names):
        assert fast.match(path) == slow.match(path), path


# -- text helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Copyright 2024 ACME", "Copyright {year} ACME"),
        ("Copyright 2019-2024 ACME", "Copyright {year} ACME"),
        ("Copyright 2019 - 2024 ACME", "Copyright {year} ACME"),
        ("Copyright 2019–2024 ACME", "Copyright {year} ACME"),
        ("Copyright 2019, 2021, 2023 ACME", "Copyright {year} ACME"),
        ("Copyright 2019-present ACME", "Copyright {year} ACME"),
        ("Version 2.0 of 12024 items", "Version 2.0 of 12024 items"),
    ],
)
def test_normalise_years(text, expected):
    assert normalise_years(text) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Apache-2.0", "apache-2.0", True),
        ("MIT OR Apache-2.0", "(mit or Apache-2.0)", True),
        ("MIT OR Apache-2.0", "Apache-2.0 OR MIT", False),
        ("(MIT OR Apache-2.0) AND BSD-3-Clause", "MIT OR (Apache-2.0 AND BSD-3-Clause)", False),
        ("GPL-2.0-only", "GPL-2.0-or-later", False),
    ],
)
def test_expression_key(a, b, same):
    assert (expression_key(a) == expression_key(b)) is same


@pytest.mark.parametrize(
    "expression",
    [
        "MIT",
        "Apache-2.0 WITH LLVM-exception",
        "(MIT OR Apache-2.0) AND BSD-3-Clause",
        "LicenseRef-Proprietary",
        "GPL-2.0+",
    ],
)
def test_valid_expressions(expression):
    assert check_expression(f" {expression} ") == expression


@pytest.mark.parametrize(
    ("lines", "kinds", "count"),
    [
        (
            ["#!/usr/bin/env python", "# -*- coding: utf-8 -*-", "x"],
            ("shebang", "encoding line"),
            2,
        ),
        (["# coding=utf-8", "x"], ("encoding line",), 1),
        (["// -*- C++ -*-", "x"], ("mode line",), 1),
        (['<?xml version="1.0"?>', "<a/>"], ("XML declaration",), 1),
        (["x = 1", "# coding=utf-8"], (), 0),
        (["#!/bin/sh", "x", "# -*- coding: utf-8 -*-"], ("shebang",), 1),
    ],
)
def test_prelude(lines, kinds, count):
    assert prelude(lines) == (kinds, count)


def test_large_pull_request_is_fast_and_complete():
    """3,000 new files, 20,000 lines: every file judged once, in well under a second."""
    files = []
    for i in range(3000):
        ext = (".py", ".cu", ".ts", ".json")[i % 4]
        head = [SPDX] if i % 2 else []
        files.append(file(f"pkg{i % 40}/sub{i % 7}/mod_{i}{ext}", [*head, *CODE[:6]]))
    snapshot = pr(*files)
    check(snapshot, APACHE)  # warm the compiled globs and templates
    started = time.perf_counter()
    findings = check(snapshot, APACHE)
    elapsed = time.perf_counter() - started
    # even i (.py, .ts) have no header; odd i (.cu, .json) have one, or no comment syntax
    assert len(findings) == 1500
    assert {f.path.rpartition(".")[2] for f in findings} == {"py", "ts"}
    assert elapsed < 0.5
