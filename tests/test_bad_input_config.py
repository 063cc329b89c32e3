"""Bad input, config files (issue 6): every hostile or broken file is a clear ConfigError.

Each case must fail within a second and a bounded amount of memory (tracemalloc's peak), with
every problem pointing at `file:line:column`; and one repository's broken config must not stop
the same process from reviewing another repository.
"""

from __future__ import annotations

import re
import time
import tracemalloc

import pytest

from bot import config, yamlsafe
from bot.patterns import GlobGroups, compile_regex
from bot.render import output
from bot.review import review
from tests.factories import file, pr

FILE = ".github/steward.yml"
SECONDS = 1.0
PEAK_BYTES = 64 * 1024 * 1024
WHERE = re.compile(rf"^{re.escape(FILE)}:\d+:\d+: ")


def _bomb(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _globs(n: int, suffix: str = "/**") -> str:
    listed = ", ".join(f"g{i}{suffix}" for i in range(n))
    return f"rules:\n  tests:\n    test_globs: [{listed}]\n"


LONG = "x" * 100_000
CASES = [
    ("syntax", "rules:\n  tests: {\n", "YAML syntax error"),
    ("tab-indent", "rules:\n\tpr-size: {}\n", "YAML syntax error"),
    ("nul-byte", "rules: \x00\n", "YAML syntax error"),
    ("not-utf8", b"rules: \xff\xfe\n", "not UTF-8"),
    ("unknown-top-key", "rulez: {}\n", "unknown key 'rulez'; did you mean 'rules'?"),
    ("unknown-rule", "rules:\n  pr-sise: {}\n", "unknown rule 'pr-sise'"),
    ("unknown-rule-key", "rules:\n  tests:\n    enabeld: true\n", "unknown key 'enabeld'"),
    ("rules-a-number", "rules: 5\n", "must be a mapping of rule ids"),
    ("rule-null", "rules:\n  pr-size: ~\n", "valid dictionary"),
    ("int-is-a-string", "rules:\n  pr-size:\n    warn_at: lots\n", "valid integer"),
    ("int-is-a-list", "rules:\n  pr-size:\n    warn_at: [1]\n", "valid integer"),
    ("list-is-a-string", "rules:\n  tests:\n    test_globs: tests/**\n", "valid list"),
    ("list-of-maps", "rules:\n  tests:\n    test_globs: [{a: 1}]\n", "valid string"),
    ("bool-is-a-date", "comment:\n  footer: 2024-01-01\n", "valid boolean"),
    ("comment-a-list", "comment: [1, 2]\n", "valid dictionary"),
    ("extends-a-list", "extends: [default]\n", "unknown rule pack"),
    ("extends-unknown", "extends: laxest\n", "unknown rule pack 'laxest'"),
    ("thresholds-decrease", "rules:\n  pr-size:\n    thresholds: {s: 50, m: 10}\n", "increase"),
    ("severity-inf", "rules:\n  tests:\n    severity: .inf\n", "Input should be"),
    ("non-string-keys", "rules:\n  1: {}\n  ~: {}\n  2.5: {}\n", "unknown rule"),
    ("list-document", "- a\n- b\n", "the file must be a mapping"),
    ("scalar-document", "just words\n", "the file must be a mapping"),
    ("python-tag", "rules: !!python/object/apply:os.system [ls]\n", "not allowed"),
    ("merge-key", "base: &b {enabled: false}\nrules:\n  tests:\n    <<: *b\n", "merge keys"),
    ("duplicate-key", "rules: {}\nrules: {}\n", "duplicate key"),
    ("billion-laughs", _bomb(), "expands to more than"),
    ("alias-amplified-string", f'g: &g "{LONG}"\nrules: {{tests: {{test_globs: [{", ".join(["*g"] * 50)}]}}}}\n', "characters"),
    ("10-MB-text", "a: " + "x" * 10_000_000, "limited to"),
    ("10-MB-bytes", b"a: " + b"x" * 10_000_000, "limited to"),
    ("deep-flow", "a: " + "[" * 100_000 + "]" * 100_000, "nesting"),
    ("deep-flow-maps", "a: " + "{a: " * 30_000 + "}" * 30_000, "nesting"),
    ("deep-block", "".join(" " * i + f"k{i}:\n" for i in range(600)), "nesting deeper"),
    ("too-many-values", _globs(25_000, ""), "expands to more than"),
    ("huge-wrong-value", "rules:\n  pr-size:\n    warn_at: " + "y" * 250_000 + "\n", "characters)"),
    ("many-unknown-rules", "rules:\n" + "".join(f"  rule{i}: {{}}\n" for i in range(9_000)), "more problems"),
    ("huge-unknown-key", "? " + "k" * 200_000 + "\n: 1\n", "characters)"),
    ("bad-glob", "rules:\n  tests:\n    test_globs: ['a/\\']\n", "invalid glob"),
    ("empty-glob", "rules:\n  tests:\n    test_globs: ['  ']\n", "empty glob"),
    ("regex-backreference", "rules:\n  design-discussion:\n    link_patterns: ['(a)\\1']\n", "RE2"),
    ("regex-lookahead", "rules:\n  ai-disclosure:\n    answer_patterns: ['(?=a)b']\n", "RE2"),
    ("regex-too-big", "rules:\n  model-card:\n    topics: {x: '((a{1000}){1000}){1000}'}\n", "RE2"),
    ("regex-unbalanced", "rules:\n  ai-disclosure:\n    question_patterns: ['(((']\n", "RE2"),
    ("waive-prefix-int", "commands:\n  waive_label_prefix: 5\n", "valid string"),
]  # fmt: skip


def _measured(fn):
    """(result or exception, seconds, peak bytes) of calling `fn`.

    Timed without tracemalloc (which slows allocation-heavy code several times), then called
    again under it for the peak.
    """

    def call():
        try:
            return fn()
        except Exception as exc:
            return exc

    started = time.perf_counter()
    result = call()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    try:
        call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, elapsed, peak


@pytest.fixture(scope="module", autouse=True)
def _warm():
    config.default()  # packs parsed and checks imported once, outside the timings


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config_is_a_clear_error_fast_and_small(text, expected):
    err, elapsed, peak = _measured(lambda: config.load_text(text, FILE))
    assert isinstance(err, config.ConfigError), err
    assert elapsed < SECONDS, f"{elapsed:.2f} s"
    assert peak < PEAK_BYTES, f"{peak / 1e6:.1f} MB"
    messages = [str(p) for p in err.problems]
    assert messages and all(WHERE.match(m) for m in messages), messages[:3]
    assert any(expected in m for m in messages), messages[:3]
    assert len(str(err)) < 20_000  # a wrong value is quoted, not pasted whole
    assert len(err.problems) <= config.MAX_PROBLEMS


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("design-discussion.link_patterns", ["(a+)+$", "(x+x+)+y", "(.*a){20}"]),
        ("ai-disclosure.answer_patterns", ["(a|aa)+$", "^(a+)+$"]),
        ("model-card.topics", {"license": "(a*)*b", "training data": "(a|a)*c"}),
    ],
    ids=["link-patterns", "answer-patterns", "topics"],
)
def test_catastrophic_regexes_are_linear_under_re2(key, value):
    """Backtracking-killers are valid RE2: they load and match adversarial text in linear time."""
    rule, field = key.split(".")
    cfg = config.load_text(f"rules:\n  {rule}:\n    enabled: true\n    {field}: {value!r}\n")
    patterns = getattr(cfg.rule(rule), field)
    hostile = "a" * 200_000 + "!"
    started = time.perf_counter()
    for p in patterns.values() if isinstance(patterns, dict) else patterns:
        compile_regex(p).search(hostile)
    card = file("models/README.md", [hostile])
    body = "Fixes #1\n" + hostile
    outcome = review(pr(file("models/m.safetensors", 10), card, body=body), cfg)
    assert outcome.errors == ()
    assert time.perf_counter() - started < 2 * SECONDS


def test_a_huge_glob_list_within_the_limits_loads_and_matches_fast():
    (cfg, elapsed, peak) = _measured(lambda: config.load_text(_globs(15_000)))
    assert not isinstance(cfg, Exception), cfg
    assert elapsed < 2 * SECONDS and peak < PEAK_BYTES
    globs = cfg.rule("tests").test_globs
    started = time.perf_counter()
    groups = GlobGroups(test=globs)
    assert groups.groups("g14999/x.py") == {"test"}
    assert groups.groups("src/x.py") == frozenset()
    assert time.perf_counter() - started < 2 * SECONDS


def test_the_bounds_in_yamlsafe_are_what_the_cases_assume():
    assert yamlsafe.MAX_BYTES < 10_000_000
    assert yamlsafe.MAX_NODES < 25_000
    assert len(LONG) * 50 > yamlsafe.MAX_CHARS


GOOD = "rules:\n  tests:\n    severity: failure\n"


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_broken_repository_does_not_stop_reviews_of_others(text, expected):
    """One process, two repositories: the broken config fails alone, before and after."""
    change = pr(file("src/pkg/model.py", 40), full_name="acme/good")
    before = review(change, config.load_text(GOOD, "acme/good:.github/steward.yml"))
    with pytest.raises(config.ConfigError):
        config.load_text(text, "acme/bad:.github/steward.yml")
    after = review(change, config.load_text(GOOD, "acme/good:.github/steward.yml"))
    assert after.errors == () and after.findings == before.findings
    assert after.conclusion == "failure"  # the good repository's own severity still applies
    assert output.comment(after) == output.comment(before)
    assert output.check_run(after).title == output.check_run(before).title
