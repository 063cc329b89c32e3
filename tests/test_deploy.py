"""deploy/: the Dockerfile, compose file, .env.example and Kubernetes manifests agree with the
code they run — settings from `bot.settings.Settings`, routes from `bot.web.create_app`,
commands from `bot.cli._parser()` — and with each other (ports, names, grace periods).

No Docker engine is needed: the slow test does what the Dockerfile does, outside Docker.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

from bot.cli import _parser
from bot.settings import Settings
from bot.web import create_app

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "kubernetes"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "docker-compose.yml"
ENV_EXAMPLE = DEPLOY / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"

YAML_FILES = sorted([COMPOSE, *K8S.glob("*.yaml"), *K8S.glob("*.yml")])
MANIFESTS = sorted(p for p in YAML_FILES if p.parent == K8S and p.stem != "kustomization")
PREFIX = Settings.model_config["env_prefix"]
SETTING_NAMES = {PREFIX + name.upper() for name in Settings.model_fields}
STEWARD_VAR = re.compile(rf"\b{PREFIX}[A-Z0-9_]+\b")
URL_PROBE = re.compile(r"https?://(?:127\.0\.0\.1|localhost):(\d+)(/[\w/.-]*)")

STEWARD_IMAGE = "steward"  # the kustomize image name and compose image's repository


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def objects() -> list[dict]:
    """Every Kubernetes object of the manifests kustomization.yaml lists."""
    return [obj for path in MANIFESTS for obj in docs(path)]


def of_kind(kind: str) -> list[dict]:
    return [o for o in objects() if o["kind"] == kind]


def named(kind: str, name: str) -> dict:
    found = [o for o in of_kind(kind) if o["metadata"]["name"] == name]
    assert len(found) == 1, f"one {kind}/{name} expected, found {len(found)}"
    return found[0]


def compose() -> dict:
    return docs(COMPOSE)[0]


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def steward_containers() -> list[tuple[dict, dict]]:
    """(workload, container) for every container running the Steward image."""
    out = []
    for kind in ("Deployment", "StatefulSet"):
        for workload in of_kind(kind):
            for container in pod_spec(workload)["containers"]:
                if container["image"].split(":")[0] == STEWARD_IMAGE:
                    out.append((workload, container))
    return out


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def dockerfile(instruction: str) -> list[str]:
    return [rest for word, rest in dockerfile_instructions() if word == instruction]


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def exec_form(rest: str) -> list[str]:
    value = json.loads(rest)
    assert isinstance(value, list), f"exec form (a JSON array) expected: {rest}"
    return value


def parse_steward(argv: list[str]):
    """`steward ARGV` as bot.cli parses it; fails the test on an unknown command or flag."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"`steward {shlex.join(argv)}` is not a valid steward command line")
    assert getattr(args, "func", None), f"`steward {shlex.join(argv)}` names no subcommand"
    return args


def env_example() -> dict[str, str | None]:
    """STEWARD_* names in .env.example: value when set, None when commented out."""
    out: dict[str, str | None] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(rf"^(#\s*)?({PREFIX}[A-Z0-9_]+)=(.*)$", line)
        if match:
            assert match[2] not in out, f"{match[2]} twice in .env.example"
            out[match[2]] = None if match[1] else match[3]
    return out


def web_routes() -> set[str]:
    """GET/POST paths the receiver really serves, from the app itself."""
    settings = Settings(app_id=1, private_key="unused", webhook_secret="unused")
    app = create_app(settings, queue=object(), store=object())
    return {route.path for route in app.routes if getattr(route, "methods", None)}


def seconds(duration: str | int) -> float:
    """A compose duration (30s, 5m, 1m30s) in seconds."""
    if isinstance(duration, int):
        return duration
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(n) * units[u] for n, u in parts)


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(PREFIX):
            monkeypatch.delenv(name)
    return monkeypatch


# --- files parse -------------------------------------------------------------------------


def test_the_files_exist():
    for path in (DOCKERFILE, COMPOSE, ENV_EXAMPLE, DOCKERIGNORE, DEPLOY / "README.md"):
        assert path.is_file(), rel(path)
    assert len(MANIFESTS) >= 5


@pytest.mark.parametrize("path", YAML_FILES, ids=rel)
def test_yaml_parses(path):
    assert docs(path), f"{rel(path)} is empty"


def test_kustomization_lists_every_manifest():
    kustomization = docs(K8S / "kustomization.yaml")[0]
    assert kustomization["kind"] == "Kustomization"
    assert sorted(kustomization["resources"]) == sorted(p.name for p in MANIFESTS)
    assert any(image["name"] == STEWARD_IMAGE for image in kustomization["images"])


# --- settings ----------------------------------------------------------------------------


USES = [COMPOSE, ENV_EXAMPLE, *MANIFESTS]


@pytest.mark.parametrize("path", USES, ids=rel)
def test_every_steward_variable_is_a_setting(path):
    used = set(STEWARD_VAR.findall(path.read_text(encoding="utf-8")))
    assert used <= SETTING_NAMES, (
        f"{rel(path)}: not Settings fields: {sorted(used - SETTING_NAMES)}"
    )


def test_env_example_lists_every_setting_with_a_comment():
    listed = env_example()
    assert set(listed) == SETTING_NAMES
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if re.match(rf"^(#\s*)?{PREFIX}[A-Z0-9_]+=", line):
            above = lines[i - 1]
            assert above.startswith("#") and "=" not in above.split()[1], f"no comment: {line}"


def test_env_example_has_no_secrets_and_mentions_register():
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert "steward register" in text
    assert "REPLACE-ME" in env_example()[PREFIX + "PRIVATE_KEY"]
    assert not re.search(r"[A-Za-z0-9+/]{64,}", text), "something key-like in .env.example"


def test_env_example_values_are_valid_settings(clean_env):
    # the placeholders pass validation, so a copy only needs the real credentials
    settings = Settings(_env_file=ENV_EXAMPLE)
    assert settings.app_id == 123456
    for name, value in env_example().items():
        field = name.removeprefix(PREFIX).lower()
        if value is not None and field not in ("private_key", "webhook_secret"):
            assert str(getattr(settings, field)) == value, name


def test_configmap_and_secret_make_valid_settings(clean_env):
    env = {**named("ConfigMap", "steward-config")["data"]}
    env.update(named("Secret", "steward-credentials")["stringData"])
    assert all(isinstance(v, str) for v in env.values()), "ConfigMap/Secret values are strings"
    for name, value in env.items():
        clean_env.setenv(name, value)
    settings = Settings()
    assert settings.broker_url == "redis://redis:6379/0"
    assert settings.log_format == "json"
    assert "REPLACE-ME" in settings.private_key_pem()


def test_secret_is_a_template_with_the_credentials():
    secret = named("Secret", "steward-credentials")
    assert "data" not in secret, "placeholders go in stringData"
    assert set(secret["stringData"]) == {
        PREFIX + "APP_ID",
        PREFIX + "PRIVATE_KEY",
        PREFIX + "WEBHOOK_SECRET",
    }
    config = named("ConfigMap", "steward-config")["data"]
    assert not set(config) & set(secret["stringData"]), "a setting in both"


# --- routes and probes -------------------------------------------------------------------


def web_probes() -> list[tuple[str, int, str]]:
    """(where, port, path) of every HTTP check aimed at the receiver."""
    out = []
    for rest in dockerfile("HEALTHCHECK"):
        for port, path in URL_PROBE.findall(rest):
            out.append(("Dockerfile HEALTHCHECK", int(port), path))
    test = " ".join(compose()["services"]["web"]["healthcheck"]["test"])
    out += [("compose web", int(port), path) for port, path in URL_PROBE.findall(test)]
    for workload, container in steward_containers():
        if container["args"][0] != "serve":
            continue
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            if probe in container:
                get = container[probe]["httpGet"]
                port = ports.get(get["port"], get["port"])
                out.append((f"{workload['metadata']['name']} {probe}", port, get["path"]))
        annotations = workload["spec"]["template"]["metadata"]["annotations"]
        out.append(
            (
                f"{workload['metadata']['name']} prometheus.io",
                int(annotations["prometheus.io/port"]),
                annotations["prometheus.io/path"],
            )
        )
    for ingress in of_kind("Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                out.append((f"Ingress {ingress['metadata']['name']}", 8000, path["path"]))
    return out


def test_probe_paths_are_real_routes():
    routes = web_routes()
    assert {"/webhooks/github", "/healthz", "/readyz", "/metrics"} <= routes
    probes = web_probes()
    assert len(probes) >= 6
    for where, port, path in probes:
        assert path in routes, f"{where}: {path} is not a route of bot.web"
        assert port == 8000, f"{where}: port {port}, the receiver listens on 8000"


def test_readiness_is_readyz_and_liveness_is_healthz():
    (web,) = [c for _, c in steward_containers() if c["args"][0] == "serve"]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert "/healthz" in dockerfile("HEALTHCHECK")[0]
    assert "/readyz" in " ".join(compose()["services"]["web"]["healthcheck"]["test"])
    (ingress,) = of_kind("Ingress")
    paths = [p["path"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]]
    assert paths == ["/webhooks/github"], "only the webhook is public"


def test_worker_checks_aim_at_its_metrics_port():
    # prometheus_client's server (bot.metrics.serve) answers /metrics on --metrics-port
    service = compose()["services"]["worker"]
    port = parse_steward(service["command"]).metrics_port
    test = " ".join(service["healthcheck"]["test"])
    assert [(int(p), path) for p, path in URL_PROBE.findall(test)] == [(port, "/metrics")]
    ((workload, container),) = [(w, c) for w, c in steward_containers() if c["args"][0] == "worker"]
    port = parse_steward(container["args"]).metrics_port
    assert [p["containerPort"] for p in container["ports"]] == [port]
    annotations = workload["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(port)
    assert annotations["prometheus.io/path"] == "/metrics"
    get = container["livenessProbe"]["httpGet"]
    assert get["path"] == "/metrics" and get["port"] == container["ports"][0]["name"]


# --- commands ----------------------------------------------------------------------------


def commands() -> list[tuple[str, list[str]]]:
    """(where, argv after `steward`) for everything that runs the steward image."""
    (entrypoint,) = dockerfile("ENTRYPOINT")
    assert exec_form(entrypoint) == ["steward"]
    (cmd,) = dockerfile("CMD")
    out = [("Dockerfile CMD", exec_form(cmd))]
    for name, service in compose()["services"].items():
        if service.get("image", "").split(":")[0] == STEWARD_IMAGE:
            assert "entrypoint" not in service, f"compose {name}: keep the image's entrypoint"
            out.append((f"compose {name}", service["command"]))
    for workload, container in steward_containers():
        assert "command" not in container, "keep the image's entrypoint (steward)"
        out.append((f"{workload['metadata']['name']}/{container['name']}", container["args"]))
    return out


@pytest.mark.parametrize(("where", "argv"), commands(), ids=[w for w, _ in commands()])
def test_commands_are_real_steward_command_lines(where, argv):
    args = parse_steward([str(a) for a in argv])
    assert args.func.__name__ in ("_serve", "_worker"), f"{where}: {argv}"


def test_one_image_for_web_and_worker():
    subcommands = sorted(argv[0] for _, argv in commands())
    assert subcommands.count("serve") == 3 and subcommands.count("worker") == 2
    assert exec_form(dockerfile("CMD")[0]) == ["serve", "--port", "8000"]


# --- Dockerfile --------------------------------------------------------------------------


def test_dockerfile_is_multi_stage_and_non_root():
    froms = dockerfile("FROM")
    assert len(froms) >= 2
    assert all(f.split()[0] == "python:3.11-slim" for f in froms)
    assert any("pip wheel . -w /wheels" in r for r in dockerfile("RUN"))
    final = final_stage()
    runs = " ".join(rest for word, rest in final if word == "RUN")
    assert "--no-index" in runs and "/wheels" in runs
    assert not re.search(r"apt-get|gcc|build-essential", runs), "no build tools in the image"
    (user,) = [rest for word, rest in final if word == "USER"]
    assert user.split(":")[0] == "10001"
    assert "--uid 10001" in runs


def test_dockerfile_runtime_settings():
    assert dockerfile("EXPOSE") == ["8000"]
    assert dockerfile("STOPSIGNAL") == ["SIGTERM"]
    assert any("PYTHONUNBUFFERED=1" in e for e in dockerfile("ENV"))
    port = parse_steward(exec_form(dockerfile("CMD")[0])).port
    assert dockerfile("EXPOSE") == [str(port)]
    (check,) = dockerfile("HEALTHCHECK")
    assert "python" in check and "curl" not in check


def dockerignored(path: str) -> bool:
    ignored = False
    for pattern in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        pattern = pattern.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.removeprefix("!").removeprefix("**/")
        if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path.split("/")[0], pattern):
            ignored = not negate
    return ignored


@pytest.mark.parametrize(
    "path", [".venv", ".git", ".env", "deploy/.env", "tests", ".pytest_cache", "steward.egg-info"]
)
def test_dockerignore_keeps_out(path):
    assert dockerignored(path), path


def test_dockerignore_keeps_what_the_build_copies():
    copied = []
    for rest in dockerfile("COPY"):
        if "--from" in rest:
            continue
        *sources, _dest = rest.split()
        copied += sources
    assert {"pyproject.toml", "bot", "rules"} <= set(copied)
    for source in copied:
        assert (ROOT / source).exists(), source
        assert not dockerignored(source), f".dockerignore drops {source}, which the build copies"


# --- docker compose ----------------------------------------------------------------------


def test_compose_redis_is_durable_and_never_evicts():
    redis = compose()["services"]["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command
    assert redis["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    volume = redis["volumes"][0].split(":")[0]
    assert volume in compose()["volumes"], "a named volume"


@pytest.mark.parametrize("name", ["web", "worker"])
def test_compose_steward_services(name):
    service = compose()["services"][name]
    assert service["env_file"] == ".env"
    assert service["depends_on"] == {"redis": {"condition": "service_healthy"}}
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (COMPOSE.parent / service["build"]["context"] / service["build"]["dockerfile"]).is_file()


def test_compose_web_port_matches_serve():
    web = compose()["services"]["web"]
    port = parse_steward(web["command"]).port
    assert [p.split(":")[-1] for p in web["ports"]] == [str(port)]


def test_compose_grace_periods_cover_the_work():
    services = compose()["services"]
    defaults = {n: f.default for n, f in Settings.model_fields.items()}
    web, worker = seconds(services["web"]["stop_grace_period"]), services["worker"]
    assert web == 30 and web > defaults["shutdown_grace_seconds"]
    assert seconds(worker["stop_grace_period"]) == 300
    assert seconds(worker["stop_grace_period"]) >= defaults["task_time_limit"]


def test_compose_flower_is_optional():
    flower = compose()["services"]["flower"]
    assert flower["profiles"] == ["flower"]
    assert flower["image"].startswith("mher/flower")
    assert "redis://redis:6379/0" in flower["environment"]["CELERY_BROKER_URL"]


# --- Kubernetes --------------------------------------------------------------------------


def test_kubernetes_objects_are_complete():
    for obj in objects():
        assert obj.get("apiVersion") and obj.get("kind"), obj
        assert obj.get("metadata", {}).get("name"), obj
    kinds = sorted(o["kind"] for o in objects())
    for kind, count in {
        "Deployment": 2,
        "Service": 2,
        "Ingress": 1,
        "PodDisruptionBudget": 1,
        "HorizontalPodAutoscaler": 1,
        "StatefulSet": 1,
        "Secret": 1,
        "ConfigMap": 1,
    }.items():
        assert kinds.count(kind) == count, kind
    assert named("HorizontalPodAutoscaler", "steward-worker")["apiVersion"] == "autoscaling/v2"


def selects(selector: dict, workload: dict) -> bool:
    labels = workload["spec"]["template"]["metadata"]["labels"]
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("workload", of_kind("Deployment") + of_kind("StatefulSet"))
def test_workload_selector_matches_its_pods(workload):
    assert selects(workload["spec"]["selector"]["matchLabels"], workload)


@pytest.mark.parametrize("service", of_kind("Service"), ids=lambda s: s["metadata"]["name"])
def test_services_reach_container_ports(service):
    pods = [
        w
        for w in of_kind("Deployment") + of_kind("StatefulSet")
        if selects(service["spec"]["selector"], w)
    ]
    assert len(pods) == 1, f"Service {service['metadata']['name']} selects {len(pods)} workloads"
    ports = {
        key: p["containerPort"]
        for c in pod_spec(pods[0])["containers"]
        for p in c["ports"]
        for key in (p["name"], p["containerPort"])
    }
    for port in service["spec"]["ports"]:
        assert port["targetPort"] in ports, f"{service['metadata']['name']}: {port}"


def test_ingress_hpa_and_pdb_point_at_real_objects():
    (ingress,) = of_kind("Ingress")
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            service = named("Service", backend["name"])
            assert backend["port"]["name"] in [p["name"] for p in service["spec"]["ports"]]
    hpa = named("HorizontalPodAutoscaler", "steward-worker")
    target = named(hpa["spec"]["scaleTargetRef"]["kind"], hpa["spec"]["scaleTargetRef"]["name"])
    assert target["metadata"]["name"] == "steward-worker"
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 10)
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    pdb = named("PodDisruptionBudget", "steward-web")
    assert selects(pdb["spec"]["selector"]["matchLabels"], named("Deployment", "steward-web"))


@pytest.mark.parametrize(
    ("workload", "container"),
    steward_containers(),
    ids=lambda x: x["metadata"]["name"] if "kind" in x else x["name"],
)
def test_steward_containers_are_locked_down(workload, container):
    spec = pod_spec(workload)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == 10001
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert "memory" in container["resources"]["limits"]
    refs = [next(iter(ref.values()))["name"] for ref in container["envFrom"]]
    assert refs == ["steward-config", "steward-credentials"]
    named("ConfigMap", refs[0]), named("Secret", refs[1])
    # a read-only root: /tmp is writable (PROMETHEUS_MULTIPROC_DIR, tempfiles)
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert "emptyDir" in {v["name"]: v for v in spec["volumes"]}[mounts["/tmp"]]


def test_web_deployment():
    web = named("Deployment", "steward-web")
    assert web["spec"]["replicas"] == 2
    spec = pod_spec(web)
    shutdown = int(named("ConfigMap", "steward-config")["data"][PREFIX + "SHUTDOWN_GRACE_SECONDS"])
    assert spec["terminationGracePeriodSeconds"] == 30 > shutdown
    (container,) = spec["containers"]
    port = parse_steward(container["args"]).port
    assert [p["containerPort"] for p in container["ports"]] == [port]


def test_worker_deployment():
    worker = named("Deployment", "steward-worker")
    spec = pod_spec(worker)
    limit = int(named("ConfigMap", "steward-config")["data"][PREFIX + "TASK_TIME_LIMIT"])
    assert spec["terminationGracePeriodSeconds"] == 330 > limit
    (container,) = spec["containers"]
    assert parse_steward(container["args"]).metrics_port == 9100
    assert "cpu" in container["resources"]["requests"], "the HPA needs a CPU request"


def test_redis_statefulset():
    redis = named("StatefulSet", "redis")
    (container,) = pod_spec(redis)["containers"]
    args = " ".join(container["args"])
    assert "--appendonly yes" in args and "--maxmemory-policy noeviction" in args
    (claim,) = redis["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] in [m["name"] for m in container["volumeMounts"]]
    assert redis["spec"]["serviceName"] == named("Service", "redis")["metadata"]["name"]
    broker = named("ConfigMap", "steward-config")["data"][PREFIX + "BROKER_URL"]
    port = named("Service", "redis")["spec"]["ports"][0]["port"]
    assert broker == f"redis://redis:{port}/0"


# --- tools -------------------------------------------------------------------------------


KUBECTL = shutil.which("kubectl")


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_kustomize_renders():
    done = subprocess.run(
        [KUBECTL, "kustomize", str(K8S)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    rendered = [d for d in yaml.safe_load_all(done.stdout) if d]
    assert len(rendered) == len(objects())
    namespaced = [o for o in rendered if o["kind"] != "Namespace"]
    assert {o["metadata"].get("namespace") for o in namespaced} == {"steward"}


@pytest.mark.parametrize("obj", objects(), ids=lambda o: f"{o['kind']}/{o['metadata']['name']}")
def test_manifest_matches_the_kubernetes_schema(obj):
    # kubernetes-validate ships the OpenAPI schemas of each Kubernetes release: offline
    kv = pytest.importorskip("kubernetes_validate")
    try:
        kv.validate(obj, kv.latest_version(), strict=True)
    except kv.ValidationError as exc:
        pytest.fail(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message} at {list(exc.path)}")


def test_schema_validation_catches_a_mistake():
    kv = pytest.importorskip("kubernetes_validate")
    broken = json.loads(json.dumps(named("Deployment", "steward-web")))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/x"
    with pytest.raises(kv.ValidationError):
        kv.validate(broken, kv.latest_version(), strict=True)


NETWORK_TROUBLE = (
    "NewConnectionError",
    "Failed to establish",
    "Temporary failure in name",
    "No matching distribution",
)


@pytest.mark.slow
def test_the_image_build_outside_docker(tmp_path):
    """What the Dockerfile does, without Docker: wheels, a fresh venv from them only, run."""
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", str(ROOT), "-w", str(wheels)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if built.returncode and any(s in built.stderr for s in NETWORK_TROUBLE):
        pytest.skip(f"pip wheel could not reach the package index: {built.stderr[-300:]}")
    assert built.returncode == 0, built.stderr
    env_dir = tmp_path / "venv"
    # a venv without pip of its own (ensurepip alone takes ~15 s here): this pip installs into it
    venv.create(env_dir, with_pip=False)
    bin_dir = env_dir / "bin"
    # only the wheels just built: no pip configuration (its find-links, indexes) either
    only_wheels = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    only_wheels["PIP_CONFIG_FILE"] = os.devnull
    install = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", bin_dir / "python", "install", "-q"),
            *("--no-index", "--find-links", wheels, "steward"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=only_wheels,
    )
    assert install.returncode == 0, install.stderr
    clean = {k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}
    clean["PYTHONUNBUFFERED"] = "1"
    run = subprocess.run(
        [bin_dir / "steward", "--help"], capture_output=True, text=True, env=clean, cwd=tmp_path
    )
    assert run.returncode == 0 and "serve" in run.stdout and "worker" in run.stdout
    run = subprocess.run(
        [bin_dir / "steward", "check", "--example"],
        capture_output=True,
        text=True,
        env=clean,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert "steward:comment" in run.stdout
    # the installed package, not the work tree, answered
    where = subprocess.run(
        [bin_dir / "python", "-c", "import bot; print(bot.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert str(env_dir) in where.stdout
