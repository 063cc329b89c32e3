"""Fault tests (GitHub issue 6): the real stack, one thing broken at a time.

Signed webhooks go into the real FastAPI app, jobs onto a real Redis broker, and real
`steward worker --pool solo` processes (started with `python -m bot.cli worker`, configured only
through `STEWARD_*` variables) read and write the fake GitHub. Each test breaks one thing and
checks what a user would see on GitHub (comments, check runs, labels) and the calls made.

Recovery after a worker is killed: kombu's Redis transport keeps a job a worker has taken in its
`unacked` hash and gives it out again only when a worker sweeps for jobs older than the
visibility timeout (at start-up, then every tenth of the timeout as `make_celery` configures it;
kombu's own default is every 100 s). The settings validator wants the visibility timeout at
least 30 s above the task time limit, and the review service's per-PR lock lives for the time
limit + 30 s: a job redelivered while the dead worker's lock is still alive finds it held,
leaves a "pending" mark and comes back once the lock has expired (`LookAgain`), then reviews
because nobody took its mark. The time limit here is 1 s (the solo pool does not enforce time
limits anyway), so recovery takes the visibility timeout plus at most the lock's life.

Covered in tests/test_end_to_end.py, not repeated here: the secondary rate limit waited out as
`Retry-After` says (measured from the fake's call times), sustained 5xx giving up with a neutral
check run after bounded retries, and the same delivery posted 20 times concurrently.
"""

from __future__ import annotations

import copy
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from bot.settings import Settings
from bot.store import Store
from bot.tasks import CeleryQueue, make_celery
from bot.web import create_app
from tests.test_web import SECRET, load, post

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DB = 6
TIME_LIMIT = 1
LOCK_TTL = TIME_LIMIT + 30  # bot/service.py: Service._locked_review
VISIBILITY = LOCK_TTL + 3
UNACKED = "unacked"  # kombu's hash of jobs taken by a worker and not yet acknowledged
SRC = "src/app/core.py"
LATER = "2031-01-01T00:00:00Z"  # newer than any fixture's updated_at


def lines(n: int, name: str = "x") -> str:
    """A patch adding `n` lines."""
    return f"@@ -0,0 +1,{n} @@\n" + "\n".join(f"+{name}{i} = {i}" for i in range(n))


def wait_for(what: str, predicate: Callable[[], object], timeout: float, logs=()) -> object:
    """Poll `predicate` until it is truthy; fail with `what` (and the workers' logs) if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    tails = "\n".join(f"--- {log.name}\n{log.read_text()[-4000:]}" for log in logs)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{tails}")


class Worker:
    """One `steward worker --pool solo` process; its output is kept in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "worker", "--pool", "solo"],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def ready(self) -> bool:
        """True once Celery says the worker consumes."""
        return " ready." in self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, nothing handed back to the broker."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (a warm shutdown), then SIGKILL if it hangs."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class Stack:
    """The receiver in-process, workers as processes, all on one Redis (broker and store)."""

    def __init__(self, fake, url: str, tmp: Path) -> None:
        self.fake, self.url, self.tmp = fake, url, tmp
        self.queue = f"steward-faults-{uuid.uuid4().hex[:8]}"
        self.redis = redis.Redis.from_url(url)
        self.workers: list[Worker] = []
        settings = Settings(
            app_id=fake.app_id,
            private_key=fake.private_key_pem,
            webhook_secret=SECRET,
            github_api_url=fake.url,
            broker_url=url,
            queue=self.queue,
            task_time_limit=TIME_LIMIT,
            visibility_timeout=VISIBILITY,
        )
        self.web = TestClient(
            create_app(settings, CeleryQueue(make_celery(settings)), Store(self.redis))
        )

    def env(self) -> dict[str, str]:
        """The environment of a worker: only STEWARD_* variables configure it."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
        return base | {
            "STEWARD_APP_ID": str(self.fake.app_id),
            "STEWARD_PRIVATE_KEY": self.fake.private_key_pem,
            "STEWARD_WEBHOOK_SECRET": SECRET,
            "STEWARD_GITHUB_API_URL": self.fake.url,
            "STEWARD_BROKER_URL": self.url,
            "STEWARD_QUEUE": self.queue,
            "STEWARD_TASK_TIME_LIMIT": str(TIME_LIMIT),
            "STEWARD_VISIBILITY_TIMEOUT": str(VISIBILITY),
            "STEWARD_MAX_ATTEMPTS": "3",
            "STEWARD_LOG_FORMAT": "text",
        }

    def start_worker(self, ready: bool = True) -> Worker:
        """A new worker process (waited for until it consumes, unless `ready=False`)."""
        worker = Worker(self.env(), self.tmp / f"worker-{len(self.workers) + 1}.log")
        self.workers.append(worker)
        if ready:
            self.wait(f"{worker.log.name} to be ready", worker.ready, 20)
        return worker

    def wait(self, what: str, predicate: Callable[[], object], timeout: float = 20) -> object:
        """Poll until `predicate()` holds; on time-out fail with the workers' logs."""
        return wait_for(what, predicate, timeout, [w.log for w in self.workers])

    def deliver(self, event: str, payload: dict, delivery: str | None = None):
        """POST a signed webhook to the receiver, as GitHub does."""
        return post(self.web, event, payload, delivery=delivery)

    def queued(self) -> int:
        """Jobs waiting on the broker (not yet taken by a worker)."""
        return self.redis.llen(self.queue)

    def drained(self) -> bool:
        """Nothing queued and nothing taken but unacknowledged: every job has finished."""
        return self.queued() == 0 and self.redis.hlen(UNACKED) == 0

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.web.close()
        self.redis.close()


@contextmanager
def stack_on(fake, url: str, tmp: Path) -> Iterator[Stack]:
    """A Stack on the Redis at `url`, emptied before and after; its workers stopped after."""
    client = redis.Redis.from_url(url)
    client.flushdb()
    s = Stack(fake, url, tmp)
    try:
        yield s
    finally:
        s.close()
        client.flushdb()
        client.close()


@pytest.fixture
def stack(fake_github, redis_server, tmp_path) -> Iterator[Stack]:
    with stack_on(fake_github, f"{redis_server}/{DB}", tmp_path) as s:
        yield s


def pull_request(
    fake, action: str, number: int, head: str, files: list[dict], updated_at: str = LATER
) -> dict:
    """A real `pull_request` payload for a pull request seeded in the fake with `files`."""
    payload = copy.deepcopy(load(f"pull_request.{action}"))
    pull, repo = payload["pull_request"], payload["repository"]
    pull["number"], pull["head"]["sha"], pull["updated_at"] = number, head, updated_at
    name, owner = repo["full_name"], repo["owner"]["login"]
    if fake.repo(name) is None:
        fake.add_installation(owner, installation_id=payload["installation"]["id"])
        fake.add_repo(name, {"README.md": "# hello\n"}, default_branch=repo["default_branch"])
    if (name.lower(), number) not in fake.pulls:
        fake.add_pull(name, number, files, head_sha=head, author=pull["user"]["login"])
    return payload


def where(payload: dict) -> tuple[str, int, str]:
    return (
        payload["repository"]["full_name"],
        payload["pull_request"]["number"],
        payload["pull_request"]["head"]["sha"],
    )


def reviewed(fake, repo: str, number: int, head: str) -> bool:
    """A check run on the head, the comment and the size label are all there."""
    labels = fake.labels_on(repo, number)
    return bool(
        fake.check_runs(repo, head)
        and fake.comments(repo, number)
        and any(x.startswith("size/") for x in labels)
    )


# -- 1. a worker killed in the middle of a review -----------------------------------------------
def test_a_worker_killed_mid_review_is_replaced_and_the_review_lands_once(stack):
    fake = stack.fake
    src = {"filename": SRC, "status": "added", "patch": lines(30)}
    payload = pull_request(fake, "synchronize", 7, "a" * 40, [src])
    repo, number, head = where(payload)
    # a synchronize review looks its comment up after writing the check run: slow that read
    slow = fake.fail("GET", r"/issues/\d+/comments$", None, latency=10)
    first = stack.start_worker()
    assert stack.deliver("pull_request", payload).status_code == 202
    stack.wait("the review to reach the slow read", lambda: slow.hits)
    [(_, taken)] = stack.redis.zrange("unacked_index", 0, -1, withscores=True)  # when taken
    assert fake.check_runs(repo, head) and fake.comments(repo, number) == []  # half done

    first.kill()
    assert stack.queued() == 0 and stack.redis.hlen(UNACKED) == 1  # held for the dead worker
    stack.start_worker()
    # kombu's default sweep (every 100 s) would miss this deadline; bot/tasks.py sweeps more often
    stack.wait(
        "the redelivered review", lambda: reviewed(fake, repo, number, head), VISIBILITY + 15
    )
    stack.wait("the job to be acknowledged", stack.drained)

    [comment] = fake.comments(repo, number)
    assert "tests/test_core.py" in comment["body"]
    [run] = fake.check_runs(repo, head)
    assert run["status"] == "completed"
    assert fake.count("POST", r"/check-runs$") == 1  # the second worker found it unchanged
    assert fake.count("POST", r"/issues/\d+/comments$") == 1
    [created] = [c for c in fake.calls if c.method == "POST" and c.path.endswith("/comments")]
    assert created.at - taken >= VISIBILITY  # kombu hands the job out only after that
    assert [x for x in fake.labels_on(repo, number) if x.startswith("size/")] == ["size/M"]
    assert fake.errors == []


# -- 2. the broker restarts while jobs wait -----------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def private_redis(workdir: Path) -> Iterator[Callable[[], None]]:
    """A redis-server with an append-only file in `workdir`; yields `restart()`."""
    binary = shutil.which("redis-server")
    if not binary:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    argv += ["--appendonly", "yes", "--dir", str(workdir)]
    procs: list[subprocess.Popen] = []

    def start() -> None:
        procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        client = redis.Redis(port=port)
        wait_for("redis-server to answer", lambda: _pings(client), 10)
        client.close()

    def restart() -> None:
        procs[-1].terminate()  # SIGTERM: redis flushes the append-only file and exits
        assert procs[-1].wait(timeout=10) == 0
        start()

    start()
    try:
        yield port, restart
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def test_jobs_queued_when_the_broker_restarts_are_all_processed(fake_github, tmp_path):
    fake = fake_github
    with (
        private_redis(tmp_path) as (port, restart),
        stack_on(fake, f"redis://127.0.0.1:{port}/0", tmp_path) as stack,
    ):
        files = {
            n: [{"filename": f"src/app/m{n}.py", "status": "added", "patch": lines(12)}]
            for n in range(1, 5)
        }
        payloads = [pull_request(fake, "opened", n, f"{n:x}" * 40, files[n]) for n in files]
        for n, payload in enumerate(payloads, 1):
            assert stack.deliver("pull_request", payload, f"queued-{n}").status_code == 202
        assert stack.queued() == len(payloads)

        restart()
        assert stack.queued() == len(payloads)  # the append-only file kept them
        stack.start_worker()
        for payload in payloads:
            stack.wait(
                f"review of #{where(payload)[1]}", lambda p=payload: reviewed(fake, *where(p))
            )
        stack.wait("every job to be acknowledged", stack.drained)

        for payload in payloads:
            repo, number, head = where(payload)
            assert len(fake.comments(repo, number)) == 1
            assert len(fake.check_runs(repo, head)) == 1
        # the pull requests' facts survived too: no job had to fetch its pull request
        assert fake.count("GET", r"/pulls/\d+$") == 0
        # and so did the delivery ids: GitHub's redelivery is still a duplicate
        assert stack.deliver("pull_request", payloads[0], "queued-1").json() == {"duplicate": True}


# -- 3. GitHub creates the comment but answers 502 ----------------------------------------------
def test_a_comment_created_behind_a_502_is_found_again_not_posted_twice(stack):
    fake = stack.fake
    src = {"filename": SRC, "status": "added", "patch": lines(30)}
    payload = pull_request(fake, "opened", 3, "c" * 40, [src])
    repo, number, head = where(payload)
    fake.fail("POST", r"/issues/\d+/comments$", 502, applied=True)
    stack.start_worker()
    assert stack.deliver("pull_request", payload).status_code == 202
    stack.wait("the retried review", lambda: reviewed(fake, repo, number, head))
    stack.wait("the job to be acknowledged", stack.drained)

    [comment] = fake.comments(repo, number)
    assert "tests/test_core.py" in comment["body"]
    assert len(fake.check_runs(repo, head)) == 1
    posts = [c for c in fake.calls if c.method == "POST" and c.path.endswith("/comments")]
    assert [c.status for c in posts] == [502]  # never posted again...
    lookups = [c for c in fake.calls if c.method == "GET" and c.path.endswith("/comments")]
    assert lookups and lookups[0].at > posts[0].at  # ...it looked for the comment instead
    assert fake.count("PATCH", r"/issues/comments/\d+$") == 0  # and found it up to date


# -- 6. deliveries out of order -----------------------------------------------------------------
def test_a_late_delivery_for_an_older_head_writes_nothing(stack):
    fake = stack.fake
    old, new = "a" * 40, "b" * 40
    src = {"filename": SRC, "status": "added", "patch": lines(20)}
    late = pull_request(fake, "synchronize", 9, old, [src], updated_at=LATER)
    test = {"filename": "tests/test_core.py", "status": "added", "patch": lines(100, "t")}
    fake.push(late["repository"]["full_name"], 9, [src, test], head_sha=new)
    current = copy.deepcopy(late)
    current["pull_request"]["head"]["sha"] = new
    current["pull_request"]["updated_at"] = "2031-01-01T00:05:00Z"  # five minutes after
    repo, number, _ = where(current)
    stack.start_worker()

    assert stack.deliver("pull_request", current).status_code == 202
    stack.wait("the review of the new head", lambda: reviewed(fake, repo, number, new))
    stack.wait("the job to be acknowledged", stack.drained)
    writes = len(fake.writes())
    assert stack.deliver("pull_request", late).status_code == 202  # GitHub retried it late
    stack.wait("the late job to be handled", stack.drained)

    assert fake.check_runs(repo, old) == []
    assert len(fake.writes()) == writes
    [comment] = fake.comments(repo, number)
    assert "tests/test_core.py" not in comment["body"]  # the new head has its test
    assert [x for x in fake.labels_on(repo, number) if x.startswith("size/")] == ["size/L"]
    assert [run["conclusion"] for run in fake.check_runs(repo, new)] == ["success"]
