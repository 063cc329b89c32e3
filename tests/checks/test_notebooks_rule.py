"""The `notebooks` rule: notebooks are committed without outputs."""

from __future__ import annotations

import pytest

from bot.checks.notebooks import Settings, check
from bot.render import word
from tests.factories import file, pr

CLEAN = [
    "{", ' "cells": [', "  {", '   "cell_type": "code",', '   "execution_count": null,',
    '   "metadata": {},', '   "outputs": [],', '   "source": [', '    "import torch\\n",',
    '    "print(torch.__version__)"', "   ]", "  }", " ],", ' "metadata": {},', ' "nbformat": 4,',
    ' "nbformat_minor": 5', "}",
]  # fmt: skip
WITH_OUTPUT = [
    "{", ' "cells": [', "  {", '   "cell_type": "code",', '   "execution_count": 3,',
    '   "metadata": {},', '   "outputs": [', "    {", '     "name": "stdout",',
    '     "output_type": "stream",', '     "text": [', '      "2.13.0\\n"', "     ]", "    }",
    "   ],", '   "source": [', '    "import torch\\n",', '    "print(torch.__version__)"', "   ]",
    "  }", " ],", ' "metadata": {},', ' "nbformat": 4,', ' "nbformat_minor": 5', "}",
]  # fmt: skip
COUNT_ONLY = [
    line if "execution_count" not in line else '   "execution_count": 7,' for line in CLEAN
]

CASES = [
    ("clean", [file("examples/demo.ipynb", CLEAN)], {}, []),
    ("outputs", [file("examples/demo.ipynb", WITH_OUTPUT)], {}, ["outputs"]),
    ("count-only", [file("examples/demo.ipynb", COUNT_ONLY)], {}, ["outputs"]),
    (
        "count-only-allowed",
        [file("examples/demo.ipynb", COUNT_ONLY)],
        {"flag_execution_counts": False},
        [],
    ),
    ("docs-may-keep", [file("docs/tutorial.ipynb", WITH_OUTPUT)], {}, []),
    ("no-patch", [file("examples/big.ipynb", patch=None, status="added")], {}, []),
    ("removed", [file("examples/old.ipynb", removed=WITH_OUTPUT, status="removed")], {}, []),
    ("not-a-notebook", [file("src/a.py", 10)], {}, []),
]


@pytest.mark.parametrize(
    ("files", "settings", "kinds"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_notebooks_rule(files, settings, kinds):
    assert [f.kind for f in check(pr(*files), Settings(**settings))] == kinds


def test_message_has_the_commands_and_the_config_key():
    [finding] = check(pr(file("examples/demo.ipynb", WITH_OUTPUT)), Settings())
    worded = word(finding)
    assert "nbconvert --clear-output" in worded.suggestion and "nbstripout" in worded.suggestion
    assert "rules.notebooks.allow_outputs" in worded.message
    assert "cell output" in worded.message
