"""The `steward` command: check, validate, schema (offline); serve, worker (the App);
register, redeliver, doctor (operations).

Exit status: 0 when the command did its job (whatever the findings), 2 on bad usage, an
invalid config or an unreadable repository, with a one-line reason on stderr.
`register`, `redeliver` and `doctor` exit 1 when what they check or ask GitHub for failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from importlib import resources
from pathlib import Path

from bot import config as configuration
from bot.snapshot import Association

log = logging.getLogger("steward.cli")

EXAMPLE = "pull_request.json"


class UsageError(Exception):
    """Bad input from the command line; exit status 2."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `steward` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except configuration.ConfigError as exc:
        print("steward: invalid configuration:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"steward: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="steward", description="Review pull requests against a project's contribution norms."
    )
    sub = parser.add_subparsers(metavar="COMMAND")

    check = sub.add_parser("check", help="review local changes (or the bundled example) offline")
    check.add_argument("--repo", default=".", help="git repository (default: .)")
    check.add_argument("--base", help="base ref (default: origin/HEAD, main or master)")
    check.add_argument("--head", default="HEAD", help="head ref (default: HEAD)")
    check.add_argument("--title", help="pull-request title (default: from the commits)")
    check.add_argument("--body-file", help="file holding the description, or - for stdin")
    check.add_argument("--author", help="author login")
    check.add_argument(
        "--association",
        default="CONTRIBUTOR",
        type=str.upper,
        choices=[a.value for a in Association],
        help="author association (FIRST_TIME_CONTRIBUTOR gets the welcome)",
    )
    check.add_argument("--config", help="config file (default: .github/steward.yml at the base)")
    check.add_argument("--format", choices=["markdown", "json"], default="markdown")
    check.add_argument(
        "--example", action="store_true", help="review the bundled example pull request"
    )
    check.add_argument("--snapshot", help="review a pull-request snapshot JSON file")
    check.set_defaults(func=_check)

    validate = sub.add_parser("validate", help="lint a config file")
    validate.add_argument("path", nargs="?", default=configuration.REPO_CONFIG_PATH)
    validate.set_defaults(func=_validate)

    schema = sub.add_parser("schema", help="print the JSON Schema of .github/steward.yml")
    schema.set_defaults(func=_schema)

    serve = sub.add_parser("serve", help="run the webhook receiver (FastAPI on uvicorn)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=_serve)

    worker = sub.add_parser("worker", help="run a Celery worker that reviews pull requests")
    worker.add_argument("--concurrency", type=int, default=None, help="processes (default: CPUs)")
    worker.add_argument("--loglevel", default=None, help="default: STEWARD_LOG_LEVEL or INFO")
    worker.add_argument(
        "--metrics-port", type=int, default=None, help="serve Prometheus metrics on this port"
    )
    worker.add_argument(
        "--pool",
        default="prefork",
        choices=["prefork", "threads", "solo"],
        help="prefork (default) is the only pool that enforces STEWARD_TASK_TIME_LIMIT",
    )
    worker.set_defaults(func=_worker)

    register = sub.add_parser("register", help="create the GitHub App from app.yml; write .env")
    register.add_argument("--url", required=True, help="the deployment's public URL (https://...)")
    register.add_argument(
        "--org", help="create the App on this organisation (default: your account)"
    )
    register.add_argument(
        "--port", type=int, default=8765, help="local page's port (default: 8765)"
    )
    register.add_argument("--env-file", default=".env", help="where to write credentials (.env)")
    register.add_argument("--force", action="store_true", help="replace an existing env file")
    register.add_argument(
        "--github-url",
        help="GitHub's web root (default: from STEWARD_GITHUB_API_URL or github.com)",
    )
    register.add_argument("--name", help="the App's name (default: app.yml's; GitHub's are unique)")
    register.add_argument("--manifest", help="a manifest other than the bundled app.yml")
    register.set_defaults(func=_register)

    redeliver = sub.add_parser("redeliver", help="ask GitHub to redeliver failed webhooks")
    redeliver.add_argument("--since", default="3d", help="how far back: 30m, 12h, 3d (default)")
    redeliver.add_argument("--dry-run", action="store_true", help="list them; redeliver nothing")
    redeliver.add_argument("--env-file", help="read settings from this file too")
    redeliver.set_defaults(func=_redeliver)

    doctor = sub.add_parser("doctor", help="check settings, key, GitHub, webhook, Redis, broker")
    doctor.add_argument("--env-file", help="read settings from this file too")
    doctor.set_defaults(func=_doctor)
    return parser


def _check(args: argparse.Namespace) -> int:
    from bot import gitlocal, snapshot
    from bot.render.output import comment
    from bot.review import review

    if args.example or args.snapshot:
        source = resources.files("bot.examples") / EXAMPLE if args.example else Path(args.snapshot)
        try:
            pr = snapshot.from_dict(json.loads(source.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise UsageError(f"cannot read snapshot {source}: {exc}") from None
        cfg_text = _example_config() if args.example and not args.config else None
        cfg = _load_config(args.config, None, None) if cfg_text is None else cfg_text
    else:
        body = _read_body(args.body_file)
        try:
            pr = gitlocal.snapshot(
                args.repo,
                base=args.base,
                head=args.head,
                title=args.title,
                body=body,
                author=args.author,
                association=Association(args.association),
            )
        except gitlocal.GitError as exc:
            raise UsageError(str(exc)) from None
        cfg = _load_config(args.config, gitlocal.LocalRepo(Path(args.repo)), pr.base_sha)
    result = review(pr, cfg)
    if args.format == "json":
        print(json.dumps(_as_json(result), indent=2))
    else:
        print(comment(result), end="")
    return 0


def _example_config() -> configuration.Config:
    text = (resources.files("bot.examples") / "steward.yml").read_bytes()
    return configuration.load_text(text, "bot/examples/steward.yml")


def _read_body(body_file: str | None) -> str | None:
    if body_file is None:
        return None
    if body_file == "-":
        return sys.stdin.read()
    try:
        return Path(body_file).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read --body-file: {exc.strerror}: {body_file}") from None


def _load_config(path: str | None, repo, base_sha: str | None) -> configuration.Config:
    if path:
        try:
            text = Path(path).read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read --config: {exc.strerror}: {path}") from None
        return configuration.load_text(text, path)
    if repo is not None and base_sha:
        text = repo.show(base_sha, configuration.REPO_CONFIG_PATH)
        if text is not None:
            return configuration.load_text(text, configuration.REPO_CONFIG_PATH)
    return configuration.default()


def _as_json(result) -> dict:
    from bot.render import word

    findings = [f if f.message else word(f) for f in result.findings]
    return {
        "conclusion": result.conclusion,
        "size_label": result.size_label,
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity.value,
                "title": f.title,
                "message": f.message,
                "path": f.path,
                "line": f.line,
                "suggestion": f.suggestion,
            }
            for f in findings
        ],
        "waived": sorted({f.rule for f in result.waived}),
        "errors": [{"rule": e.rule, "error": e.error} for e in result.errors],
    }


def _validate(args: argparse.Namespace) -> int:
    try:
        text = Path(args.path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {args.path}: {exc.strerror}") from None
    cfg = configuration.load_text(text, args.path)
    enabled = [rule for rule, s in cfg.rules.items() if s.enabled]
    print(f"{args.path}: valid ({len(enabled)} rules enabled: {', '.join(enabled)})")
    return 0


def _settings():
    from bot import settings

    try:
        return settings.load()
    except settings.SettingsError as exc:
        raise UsageError(f"cannot start: settings are missing or invalid:\n{exc}") from None


def _serve(args: argparse.Namespace) -> int:
    from bot import web

    web.serve(_settings(), args.host, args.port)
    return 0


def _worker(args: argparse.Namespace) -> int:
    settings = _settings()
    port = args.metrics_port or settings.metrics_port
    if port and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # prefork children write their metrics to files; must be set before prometheus_client
        # is first imported (bot.metrics is imported lazily, so nothing has done it yet)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="steward-metrics-")
    from celery import signals

    from bot import logs, metrics
    from bot.tasks import make_celery

    level = args.loglevel.upper() if args.loglevel else settings.log_level
    logs.configure(level, json_lines=settings.log_format == "json")
    # a receiver on setup_logging stops Celery from replacing the handler configured above
    signals.setup_logging.connect(lambda **_: None, weak=False)
    signals.worker_process_shutdown.connect(
        lambda pid=None, **_: metrics.mark_process_dead(pid or os.getpid()), weak=False
    )
    if port:
        metrics.serve(port)
    if args.pool != "prefork":
        # Celery's hard time limit kills a pool process; solo and threads pools have none
        log.warning(
            "the %s pool does not enforce STEWARD_TASK_TIME_LIMIT: a stuck review holds its "
            "pull request's lock until the lock expires (time limit + 30 s)",
            args.pool,
        )
    app = make_celery(settings)
    argv = ["worker", "-Q", settings.queue, "--loglevel", level, "--pool", args.pool]
    if args.concurrency:
        argv += ["--concurrency", str(args.concurrency)]
    app.worker_main(argv)
    return 0


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(configuration.json_schema(), indent=2))
    return 0


def _register(args: argparse.Namespace) -> int:
    from bot import register

    try:
        return register.run(
            url=args.url,
            env_file=args.env_file,
            org=args.org,
            port=args.port,
            github_url=args.github_url,
            api_url=os.environ.get("STEWARD_GITHUB_API_URL") or None,
            name=args.name,
            manifest_path=args.manifest,
            force=args.force,
        )
    except register.RegisterError as exc:
        print(f"steward register: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("steward register: stopped; nothing was written", file=sys.stderr)
        return 130


def _ops_settings(env_file: str | None):
    from bot import settings

    if env_file and not Path(env_file).is_file():
        raise UsageError(f"--env-file: no such file: {env_file}")
    return settings.load(**({"_env_file": env_file} if env_file else {}))


def _redeliver(args: argparse.Namespace) -> int:
    from bot import ops, settings

    try:
        since = ops.parse_since(args.since)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        s = _ops_settings(args.env_file)
    except settings.SettingsError as exc:
        raise UsageError(f"settings are missing or invalid:\n{exc}") from None
    problem = ops.key_problem(s.private_key_pem())
    if problem:
        print(f"steward: the private key: {problem} (steward doctor tells more)", file=sys.stderr)
        return 1
    return ops.redeliver(ops.make_app(s), since, args.dry_run)


def _doctor(args: argparse.Namespace) -> int:
    from bot import ops

    if args.env_file and not Path(args.env_file).is_file():
        raise UsageError(f"--env-file: no such file: {args.env_file}")
    return ops.doctor(lambda: _ops_settings(args.env_file))


if __name__ == "__main__":
    sys.exit(main())
