"""The container and Kubernetes files (issue 16 §3), checked offline: every Kubernetes manifest against the API schemas
of one pinned Kubernetes version (kubernetes-validate, strict: an unknown field is an error), the compose file against
the Compose Specification's JSON schema (vendored: deploy/container/compose-spec.json, see COMPOSE-SPEC.md there),
and what ties them to the code: the probe paths are our routes, the image's user is not root, and every variable the
manifests set for our processes is one the production settings (or gunicorn's) read."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from django.urls import resolve
from junxiu.health import PROBES

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
CONTAINER = ROOT / "deploy" / "container"
KUBERNETES_VERSION = "1.30"
OUR_IMAGE = re.compile(r"junxiu:")
URLCONFS = ("junxiu.urls_centre", "junxiu.urls_public")


def _manifests() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                found.append((path.name, document))
    return found


def _compose() -> dict:
    return yaml.safe_load((CONTAINER / "compose.yaml").read_text(encoding="utf-8"))


def _pod_specs() -> list[tuple[str, dict]]:
    specs = []
    for name, document in _manifests():
        if document["kind"] in ("Deployment", "Job"):
            specs.append((f"{name}:{document['metadata']['name']}", document["spec"]["template"]["spec"]))
    return specs


def _our_containers() -> list[tuple[str, dict, dict]]:
    return [
        (where, spec, container)
        for where, spec in _pod_specs()
        for container in spec["containers"]
        if OUR_IMAGE.search(container["image"])
    ]


@pytest.mark.parametrize(("name", "document"), _manifests(), ids=lambda value: value if isinstance(value, str) else "")
def test_every_kubernetes_manifest_is_valid_for_the_pinned_version(name, document):
    assert kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True) == KUBERNETES_VERSION


def test_the_kubernetes_check_refuses_an_unknown_field():
    """The check is strict: a misspelt field is an error, not ignored (as the API server would ignore it)."""
    deployment = copy.deepcopy(next(d for _n, d in _manifests() if d["metadata"]["name"] == "junxiu-web"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_the_kubernetes_design_has_what_the_issue_asks_and_no_cronjob():
    kinds = {(document["kind"], document["metadata"]["name"]) for _name, document in _manifests()}
    assert {
        ("Deployment", "junxiu-web"),
        ("Deployment", "junxiu-worker"),
        ("Service", "junxiu-web"),
        ("Job", "junxiu-migrate"),
        ("HorizontalPodAutoscaler", "junxiu-web"),
        ("HorizontalPodAutoscaler", "junxiu-worker"),
        ("ConfigMap", "junxiu-env"),
        ("Secret", "junxiu-secrets"),
        ("Ingress", "junxiu"),
    } <= kinds
    assert not [kind for kind, _name in kinds if kind == "CronJob"]  # the schedule lives in django-q2
    ingress = next(d for _n, d in _manifests() if d["kind"] == "Ingress")
    assert {rule["host"] for rule in ingress["spec"]["rules"]} == {"junxiu.example", "*.junxiu.example"}
    job = next(d for _n, d in _manifests() if d["kind"] == "Job")
    [migrate] = job["spec"]["template"]["spec"]["containers"]
    assert "migrate_schemas --shared" in migrate["args"][0] and "migrate_schemas --noinput" in migrate["args"][0]


def test_the_compose_file_follows_the_compose_specification():
    schema = json.loads((CONTAINER / "compose-spec.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)  # the schema's $schema: draft-07
    validator.validate(_compose())
    broken = _compose()
    broken["services"]["web"]["helthcheck"] = broken["services"]["web"].pop("healthcheck")
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(broken)


def test_the_compose_file_runs_every_piece_and_migrates_first():
    services = _compose()["services"]
    assert {"postgres", "pgbouncer", "redis", "minio", "migrate", "web", "worker", "nginx"} <= set(services)
    assert services["postgres"]["image"].split(":")[1].startswith("15")
    assert services["pgbouncer"]["environment"]["POOL_MODE"] == "session"
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["worker"]["command"] == ["django-admin", "qcluster"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert "migrate_schemas --shared" in services["migrate"]["command"][-1]
    nginx = (CONTAINER / "nginx.conf").read_text(encoding="utf-8")
    # quoted: nginx reads the braces of {1,29} as a block otherwise
    assert r'server_name junxiu.example "~^(?<centre>[a-z][a-z0-9]{1,29})\.junxiu\.example$";' in nginx


def test_the_edge_proxies_keep_readyz_to_the_probes():
    """/readyz may name the database's address: the nginx in front answers 404 to it; the probes reach the pods."""
    proxy = next(d for _n, d in _manifests() if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "junxiu-proxy")
    compose = (CONTAINER / "nginx.conf").read_text(encoding="utf-8")
    for where, text in [("compose", compose), ("k8s", proxy["data"]["default.conf"])]:
        assert re.search(r"location = /readyz \{\s*return 404;\s*\}", text), where


def _probe_paths() -> list[tuple[str, str]]:
    paths = []
    for where, _spec, container in _our_containers():
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            if "httpGet" in container.get(probe, {}):
                paths.append((f"{where} {probe}", container[probe]["httpGet"]["path"]))
    containerfile = (CONTAINER / "Containerfile").read_text(encoding="utf-8")
    for match in re.finditer(r"http://127\.0\.0\.1:8000(/\w+)", containerfile):
        paths.append(("Containerfile HEALTHCHECK", match.group(1)))
    for name, service in _compose()["services"].items():
        for match in re.finditer(r"http://127\.0\.0\.1:8000(/\w+)", json.dumps(service.get("healthcheck", {}))):
            paths.append((f"compose {name} healthcheck", match.group(1)))
    return paths


def test_every_probe_path_is_one_of_our_routes():
    paths = _probe_paths()
    assert {path for _where, path in paths} == {"/healthz", "/readyz"}
    for where, path in paths:
        assert path in PROBES, where
        for urlconf in URLCONFS:
            assert resolve(path, urlconf=urlconf).func is PROBES[path], (where, urlconf)
    web = next(c for w, _s, c in _our_containers() if "junxiu-web" in w)
    assert (web["readinessProbe"]["httpGet"]["path"], web["livenessProbe"]["httpGet"]["path"]) == (
        "/readyz",
        "/healthz",
    )
    worker = next(c for w, _s, c in _our_containers() if "junxiu-worker" in w)
    assert worker["readinessProbe"]["exec"]["command"] == ["django-admin", "readyz"]


def _runtime_user() -> str:
    containerfile = (CONTAINER / "Containerfile").read_text(encoding="utf-8")
    runtime = containerfile.split("AS runtime", 1)[1]
    return re.findall(r"^USER\s+(\S+)", runtime, flags=re.MULTILINE)[-1]


def test_the_image_and_every_pod_run_as_a_user_that_is_not_root():
    user = _runtime_user()
    assert user.isdigit() and int(user) != 0  # numeric, so Kubernetes can check runAsNonRoot
    for where, spec in _pod_specs():
        assert spec["securityContext"]["runAsNonRoot"] is True, where
        assert spec["securityContext"]["runAsUser"] != 0, where
    for where, spec, container in _our_containers():
        assert spec["securityContext"]["runAsUser"] == int(user), where
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, where


READS = re.compile(
    r"""(?:os\.environ\.get|os\.environ\.setdefault|os\.getenv|env_bool|env_list|_int|os\.environ\[)\(?\s*["']([A-Z][A-Z0-9_]*)["']"""
)


def _variables_read() -> set[str]:
    """The variables the production settings (and what they import for the database) and gunicorn's settings read;
    the ones production requires are in a tuple of names."""
    read: set[str] = set()
    for path in ("site/settings/base.py", "site/settings/production.py", "site/database.py", "deploy/gunicorn.conf.py"):
        read |= set(READS.findall((ROOT / path).read_text(encoding="utf-8")))
    read |= _required()
    return read


def _required() -> set[str]:
    production = (ROOT / "site/settings/production.py").read_text(encoding="utf-8")
    return set(re.findall(r'"([A-Z][A-Z0-9_]*)"', re.search(r"for required in \(([^)]*)\)", production).group(1)))


# Set by the image for the process itself, not for Django's settings.
IMAGE_ONLY = {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "DJANGO_SETTINGS_MODULE"}


def _variables_set() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for name, document in _manifests():
        if document["kind"] in ("ConfigMap", "Secret") and document["metadata"]["name"] != "junxiu-proxy":
            for key in {**document.get("data", {}), **document.get("stringData", {})}:
                found.setdefault(key, set()).add(f"{name}:{document['metadata']['name']}")
    for where, _spec, container in _our_containers():
        for variable in container.get("env", []):
            found.setdefault(variable["name"], set()).add(where)
    compose = _compose()
    for name in ("migrate", "web", "worker"):
        for key in compose["services"][name]["environment"]:
            found.setdefault(key, set()).add(f"compose.yaml:{name}")
    return found


def test_every_variable_the_manifests_set_is_read_by_the_settings():
    read = _variables_read()
    assert {"DATABASE_URL", "JUNXIU_MEDIA_S3_BUCKET", "JUNXIU_LOG_FORMAT", "GUNICORN_WORKERS"} <= read  # parsed
    unread = {key: sorted(where) for key, where in _variables_set().items() if key not in read | IMAGE_ONLY}
    assert unread == {}, "set by a manifest, read by no setting (a typo, or a setting that is gone)"


def test_the_manifests_set_every_variable_production_requires():
    required = _required()
    assert required == {"DJANGO_SECRET_KEY", "DATABASE_URL", "JUNXIU_FIELD_KEYS", "JUNXIU_LOOKUP_KEY"}
    assert required <= set(_variables_set())
    containerfile = (CONTAINER / "Containerfile").read_text(encoding="utf-8")
    collectstatic = containerfile.split("django-admin collectstatic")[0].rsplit("RUN ", 1)[1]
    assert {name for name in required if f"{name}=" in collectstatic} == required  # throw-away values at build
