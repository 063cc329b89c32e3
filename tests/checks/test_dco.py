"""The `dco` rule: commits carry a Signed-off-by trailer matching their author."""

from __future__ import annotations

import pytest

from bot.checks.dco import Settings, check
from bot.render import word
from bot.snapshot import Commit
from tests.factories import file, pr


def commit(sha: str, message: str, name="Ada Lovelace", email="ada@example.com", login="ada"):
    return Commit(
        sha=sha * 40, message=message, author_name=name, author_email=email, author_login=login
    )


SIGNED = "Add scan\n\nSigned-off-by: Ada Lovelace <ada@example.com>"
CASES = [
    ("signed", [commit("a", SIGNED)], {}, 0),
    ("unsigned", [commit("a", "Add scan")], {}, 1),
    (
        "case-and-spaces",
        [commit("a", "Add scan\n\n  signed-off-by:  Ada Lovelace   <ADA@example.com> ")],
        {},
        0,
    ),
    ("someone-else", [commit("a", "Add scan\n\nSigned-off-by: Bob <bob@example.com>")], {}, 1),
    (
        "someone-else-allowed",
        [commit("a", "Add scan\n\nSigned-off-by: Bob <bob@example.com>")],
        {"match_author": False},
        0,
    ),
    (
        "name-matches",
        [commit("a", "Add\n\nSigned-off-by: Ada Lovelace <ada@users.noreply.github.com>")],
        {},
        0,
    ),
    ("bot-skipped", [commit("a", "Bump", login="dependabot[bot]")], {}, 0),
    ("two-of-three", [commit("a", SIGNED), commit("b", "fix"), commit("c", "more")], {}, 2),
]


@pytest.mark.parametrize(
    ("commits", "settings", "unsigned"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_dco(commits, settings, unsigned):
    findings = check(
        pr(file("src/a.py", 3), commits=tuple(commits)), Settings(enabled=True, **settings)
    )
    assert sum(len(f.facts["commits"]) for f in findings) == unsigned


def test_fix_is_amend_for_the_last_commit_and_rebase_for_several():
    [last] = check(pr(commits=(commit("a", SIGNED), commit("b", "fix"))), Settings(enabled=True))
    assert "git commit --amend --no-edit -s" in last.suggestion
    [many] = check(
        pr(commits=(commit("a", "x"), commit("b", "y"), commit("c", SIGNED))),
        Settings(enabled=True),
    )
    assert "git rebase --signoff HEAD~3" in many.suggestion
    worded = word(many)
    assert worded.title == "2 of 3 commits not signed off"
    assert "`aaaaaaa` x" in worded.message and "rules.dco.enabled" in worded.message


def test_off_by_default():
    assert Settings().enabled is False
