"""Notebook diffs: only cell sources count; outputs, execution counts and metadata do not."""

from __future__ import annotations

import difflib
import json

import pytest

from bot.notebooks import analyse, is_notebook, source_lines
from bot.snapshot import FileChange, FileStatus

PNG_A = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" + "A" * 300
PNG_B = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" + "B" * 300
LONG = [f"x{i} = {i}\n" for i in range(40)]


def code(source, outputs=(), count=None, cell_id="c1"):
    """A code cell as nbformat stores it."""
    return {
        "cell_type": "code",
        "execution_count": count,
        "id": cell_id,
        "metadata": {},
        "outputs": list(outputs),
        "source": source,
    }


def markdown(source, cell_id="m1"):
    """A markdown cell."""
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": source}


def stream(lines):
    """A stdout output."""
    return {"name": "stdout", "output_type": "stream", "text": lines}


def image(data):
    """A display_data output with a PNG."""
    return {
        "data": {"image/png": data, "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
        "metadata": {},
        "output_type": "display_data",
    }


def notebook_json(cells, indent=1, sort_keys=True):
    """The file as Jupyter (indent 1, sorted keys) or Colab (indent 2, unsorted) writes it."""
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "version": "3.11.4"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=indent, sort_keys=sort_keys, ensure_ascii=False) + "\n"


def notebook_change(before, after, path="demo.ipynb", context=3):
    """A FileChange whose patch is the unified diff GitHub shows for the notebook's JSON."""
    diff = list(
        difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=context)
    )[2:]
    adds = sum(line.startswith("+") for line in diff)
    dels = sum(line.startswith("-") for line in diff)
    status = FileStatus.ADDED if not before else FileStatus.MODIFIED
    return FileChange(path, status, adds, dels, "\n".join(diff))


BEFORE = [
    markdown(["# Title\n", "Some text"]),
    code([*LONG, "print(x)"], [stream([f"step {i}\n" for i in range(30)])], 1, "c1"),
    code(["plt.plot(x)"], [image(PNG_A)], 2, "c2"),
]
AFTER = [
    markdown(["# Title\n", "Some text\n", "More text"]),  # +1 line
    code(
        [*LONG[:20], "x20 = 'changed'\n", *LONG[21:], "print(x)\n", "print(y)"],  # +2 -1
        [stream([f"step {i}\n" for i in range(30) if i != 15] + ["done\n"])],
        5,
        "c1",
    ),
    code(["plt.plot(x)"], [image(PNG_B)], 6, "c2"),  # only the image changes
]


LINES = [f"line_{i}\n" for i in range(60)]
EDITED = [*LINES[:30], "changed\n", *LINES[31:]]


def case(case_id, before, after, expected, context=3):
    """A case: notebook text before and after, expected (added, removed, exact)."""
    return pytest.param(before, after, context, expected, id=case_id)


CASES = [
    case("jupyter", notebook_json(BEFORE), notebook_json(AFTER), (3, 1, True)),
    case(
        "jupyter-tight-hunks", notebook_json(BEFORE), notebook_json(AFTER), (3, 1, True), context=1
    ),
    case(
        "jupyter-no-context", notebook_json(BEFORE), notebook_json(AFTER), (3, 1, True), context=0
    ),
    case(
        "colab-indent-2",
        notebook_json(BEFORE, 2, False),
        notebook_json(AFTER, 2, False),
        (3, 1, True),
    ),
    case("indent-4", notebook_json(BEFORE, 4), notebook_json(AFTER, 4), (3, 1, True)),
    case("new-notebook", "", notebook_json(BEFORE), (2 + 41 + 1, 0, True)),
    case("deleted-notebook", notebook_json(AFTER), "", (0, 3 + 42 + 1, True)),
    case(
        "outputs-only",
        notebook_json([code(["run()"], [stream(["a\n"])], 1)]),
        notebook_json([code(["run()"], [stream(["a\n", "b\n"]), image(PNG_A)], 2)]),
        (0, 0, True),
    ),
    case(
        "single-string-source",
        notebook_json([code("import torch\nmodel = load()\nmodel.eval()")]),
        notebook_json([code("import torch\nmodel = load('big')\nmodel.eval()\nmodel.fit()")]),
        (2, 1, True),
    ),
    case(
        "string-to-list-source",
        notebook_json([code("a = 1")]),
        notebook_json([code(["a = 1\n", "b = 2"])]),
        (1, 0, True),
    ),
    case(
        "mid-source-hunk-without-keys",
        notebook_json([code(LINES)]),
        notebook_json([code(EDITED)]),
        (1, 1, True),
    ),
    case(
        "notebook-metadata-only",
        notebook_json([code(["a = 1"])]),
        notebook_json([code(["a = 1"])]).replace("3.11.4", "3.12.1"),
        (0, 0, True),
    ),
    # Colab indents by 2, so source lines sit at 8 spaces, as deep output text does in
    # Jupyter's layout: with no key in sight the unit cannot be told, so it is an estimate.
    case(
        "colab-mid-source-ambiguous",
        notebook_json([code(LINES)], 2, False),
        notebook_json([code(EDITED)], 2, False),
        (1, 1, False),
    ),
    case(
        "minified-json",
        json.dumps({"cells": [code(["a = 1"])]}),
        json.dumps({"cells": [code(["a = 2"])]}),
        (1, 1, False),
    ),
]


@pytest.mark.parametrize(("before", "after", "context", "expected"), CASES)
def test_source_lines_counted(before, after, context, expected):
    f = notebook_change(before, after, context=context)
    result = analyse(f)
    assert (result.source_added, result.source_removed, result.exact) == expected
    if not result.exact:  # an estimate is the whole diff
        assert result.source_changes == f.additions + f.deletions
    assert source_lines(f) == (result.source_changes, result.exact)


def test_realistic_patch_splits_outputs_and_execution_counts():
    f = notebook_change(notebook_json(BEFORE), notebook_json(AFTER))
    result = analyse(f)
    assert f.additions + f.deletions > 10  # the raw diff is much bigger than the source change
    assert result.source_changes == 4
    assert result.outputs_added == 3  # "step 29" gained a comma, "done", the new image
    assert result.outputs_removed == 3  # "step 15", the old "step 29", the old image
    assert result.execution_counts_added == 2
    assert result.adds_outputs


LITERAL_PATCH = """@@ -12,17 +12,17 @@
    "metadata": {},
    "outputs": [
     {
-     "data": {
-      "image/png": "iVBORw0KGgoAAAANSUhEUgAAAoAAAAHgCAYAAAA10dzkAAAAOXRFWHRTb2Z0",
-      "text/plain": [
-       "<Figure size 640x480 with 1 Axes>"
-      ]
-     },
+     "name": "stdout",
+     "output_type": "stream",
+     "text": [
+      "loss 0.12\\n"
+     ]
-     "metadata": {},
-     "output_type": "display_data"
     }
    ],
    "source": [
-    "plt.plot(losses)"
+    "print(f\\"loss {loss:.2f}\\")"
    ]
   },"""


def test_literal_github_patch():
    f = FileChange("train.ipynb", FileStatus.MODIFIED, 6, 9, LITERAL_PATCH)
    result = analyse(f)
    assert (result.source_added, result.source_removed, result.exact) == (1, 1, True)
    assert result.outputs_added == 5
    assert result.outputs_removed == 8


@pytest.mark.parametrize(
    ("f", "expected"),
    [
        (FileChange("big.ipynb", FileStatus.MODIFIED, 4000, 3000, None), (7000, False)),
        (FileChange("moved.ipynb", FileStatus.RENAMED, 0, 0, None, "old.ipynb"), (0, True)),
    ],
    ids=["absent-patch-estimates", "pure-rename-is-zero"],
)
def test_without_patch(f, expected):
    assert source_lines(f) == expected


@pytest.mark.parametrize(
    ("cells", "outputs", "counts"),
    [
        ([code(["a = 1"])], False, 0),
        ([code(["a = 1"], [stream(["1\n"])], 3)], True, 1),
        ([code(["a = 1"], [], 3), code(["b = 2"], [], 4, "c2")], False, 2),
    ],
    ids=["clean", "outputs-and-count", "counts-only"],
)
def test_committed_outputs_and_counts(cells, outputs, counts):
    result = analyse(notebook_change("", notebook_json(cells)))
    assert result.adds_outputs is outputs
    assert result.execution_counts_added == counts


@pytest.mark.parametrize(
    ("path", "expected"),
    [("a/b.ipynb", True), ("B.IPYNB", True), ("a.py", False), ("ipynb.md", False)],
)
def test_is_notebook(path, expected):
    assert is_notebook(path) is expected
