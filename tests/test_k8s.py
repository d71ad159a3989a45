"""The Kubernetes manifests (deploy/k8s/): every one valid against the Kubernetes schemas, offline
(kubernetes-validate, strict), and saying what the app needs: the health path, sticky cookies and
long websocket timeouts, the shared models volume where CNN_MODEL_PATH points, Secrets that the
example has, only environment names the app reads, the Dockerfile's port and command, and
kustomizations that list every manifest. Nothing here needs a cluster."""

import ast
import json
import re
import shutil
import socket
import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath

import kubernetes_validate
import pytest
import yaml

from cnn.jobs.training_job import CANCEL_GRACE
from tests.support import REPO

K8S = REPO / "deploy" / "k8s"
# The newest Kubernetes the installed kubernetes-validate has schemas for, and the oldest
# release still maintained upstream when this was written: the manifests must suit both.
KUBERNETES_VERSIONS = ("1.33", "1.37")
APP_SOURCES = ["app.py", "ui", "display", "classwall", "cnn"]
HEALTH = "/_stcore/health"
TRIAL, TLS = "components/postgres-trial", "components/tls"


def documents(path: Path) -> list[dict]:
    with open(path) as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def manifest_files() -> list[Path]:
    """Every YAML file under deploy/k8s that is a Kubernetes object (not a kustomization)."""
    found = []
    for path in sorted(K8S.rglob("*.yaml")):
        if any(doc.get("kind") not in ("Kustomization", "Component") for doc in documents(path)):
            found.append(path)
    return found


def rendered(folder: Path = K8S, components: tuple[str, ...] = ()) -> list[dict]:
    """What `kubectl apply -k folder` would send, for what these tests read: the resources it
    lists (folders recursively) and those of the `components` turned on, with its namespace.
    No patches or images (test_kustomize_renders_them runs the real kustomize where there is one)."""
    kustomization = documents(folder / "kustomization.yaml")[0]
    objects = []
    for entry in [*kustomization.get("resources", []), *components]:
        target = (folder / entry).resolve()
        objects += rendered(target) if target.is_dir() else documents(target)
    namespace = kustomization.get("namespace")
    for obj in objects:
        if namespace and obj["kind"] != "Namespace":
            obj.setdefault("metadata", {})["namespace"] = namespace
    return objects


def one(objects: list[dict], kind: str, name: str | None = None) -> dict:
    found = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def app():
    return rendered(K8S)


@pytest.fixture(scope="module")
def container(app):
    pod = one(app, "Deployment", "digit-lens")["spec"]["template"]["spec"]
    return one([{"kind": "c", "metadata": c} for c in pod["containers"]], "c", "app")["metadata"]


def env_values(container: dict) -> dict[str, str | None]:
    return {var["name"]: var.get("value") for var in container.get("env", [])}


# Every manifest, valid for Kubernetes


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_every_manifest_validates_against_the_kubernetes_schemas(path, version):
    for doc in documents(path):
        # strict: a field the schema does not know (a typo, a field moved) fails too
        assert kubernetes_validate.validate(doc, version, strict=True) == version


def test_the_validation_would_catch_a_mistake():
    deployment = documents(K8S / "deployment.yaml")[0]
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}  # lower case: unknown
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def test_the_folders_hold_what_their_kustomizations_apply():
    kustomizations = sorted(K8S.rglob("kustomization.yaml"))
    folders = {p.parent.relative_to(K8S).as_posix() for p in kustomizations}
    assert folders == {".", "components/tls", "components/postgres-trial"}
    for kustomization_file in kustomizations:
        folder = kustomization_file.parent
        kustomization = documents(kustomization_file)[0]
        listed = list(kustomization.get("resources", [])) + [p["path"] for p in kustomization.get("patches", [])]
        for entry in listed:
            assert (folder / entry).exists(), f"{kustomization_file} lists {entry}, which does not exist"
        here = {p.name for p in folder.glob("*.yaml")} - {"kustomization.yaml"}
        examples = {name for name in here if name.endswith(".example.yaml")}
        assert set(listed) >= here - examples, f"{folder}: not applied: {sorted(here - examples - set(listed))}"
        assert not examples & set(listed), "an example Secret must never be applied with the manifests"
    for component in folders - {"."}:  # each said where to turn it on
        assert f"#   - {component} " in (K8S / "kustomization.yaml").read_text(), component


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="no kubectl here: its kustomize renders the folders")
@pytest.mark.parametrize("components", [(), (TLS, TRIAL)], ids=["as shipped", "TLS and the trial database on"])
def test_kustomize_renders_valid_objects(tmp_path, components):
    # A copy with the components' lines uncommented, as an operator turns them on.
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    text = (copy / "kustomization.yaml").read_text()
    for component in components:
        text = text.replace("# components:", "components:").replace(f"#   - {component} ", f"  - {component} ")
    (copy / "kustomization.yaml").write_text(text)
    output = subprocess.run(["kubectl", "kustomize", str(copy)], capture_output=True, text=True, timeout=60)
    assert output.returncode == 0, output.stderr
    objects = [doc for doc in yaml.safe_load_all(output.stdout) if doc]
    for obj in objects:
        assert kubernetes_validate.validate(obj, KUBERNETES_VERSIONS[-1], strict=True)
        assert obj["kind"] == "Namespace" or obj["metadata"]["namespace"] == "digit-lens"
    pod = one(objects, "Deployment", "digit-lens")["spec"]["template"]["spec"]
    assert pod["containers"][0]["image"].startswith("registry.example.org/digit-lens:")  # images: applied
    ingress = one(objects, "Ingress", "digit-lens")
    assert ("tls" in ingress["spec"]) == (TLS in components)
    assert all("host" in rule for rule in ingress["spec"]["rules"]) == (TLS in components)  # no plain catch-all left
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"  # kept by the patch
    assert len([o for o in objects if o["kind"] == "StatefulSet"]) == (TRIAL in components)


# What the app needs from them


def test_the_probes_ask_streamlits_health_endpoint_on_the_apps_port(container):
    port_names = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        check = container[probe]["httpGet"]
        assert check["path"] == HEALTH, probe
        assert port_names.get(check["port"], check["port"]) == 8501, probe


def _dockerfile() -> dict[str, list[str]]:
    instructions = {}
    for line in (REPO / "Dockerfile").read_text().splitlines():
        match = re.match(r"(EXPOSE|ENTRYPOINT|CMD|ENV)\s+(.*)", line)
        if match:
            keyword, rest = match.groups()
            instructions[keyword] = json.loads(rest) if rest.startswith("[") else rest.split()
    return instructions


def test_the_port_and_command_are_the_images(app, container):
    image = _dockerfile()
    assert container["command"] == image["ENTRYPOINT"] == ["deploy/entrypoint.sh"]  # it seeds the models volume
    assert container["args"] == image["CMD"]
    port = int(image["EXPOSE"][0])
    assert [p["containerPort"] for p in container["ports"]] == [port]
    assert container["args"][container["args"].index("--server.port") + 1] == str(port)
    service = one(app, "Service", "digit-lens")
    assert [p["targetPort"] for p in service["spec"]["ports"]] == [container["ports"][0]["name"]]
    pod_labels = one(app, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()


def test_the_ingress_keeps_a_student_on_one_replica_through_a_lecture(app):
    ingress = one(app, "Ingress", "digit-lens")
    notes = {k.removeprefix("nginx.ingress.kubernetes.io/"): v for k, v in ingress["metadata"]["annotations"].items()}
    assert notes["affinity"] == "cookie" and notes["affinity-mode"] == "persistent"
    assert int(notes["proxy-read-timeout"]) >= 3600 and int(notes["proxy-send-timeout"]) >= 3600
    assert notes["proxy-buffering"] == "off" and notes["proxy-request-buffering"] == "off"
    max_upload = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    assert notes["proxy-body-size"] == f"{max_upload}m"
    assert ingress["spec"]["ingressClassName"] == "nginx"
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    service = one(app, "Service", backend["name"])
    assert backend["port"]["name"] in [p["name"] for p in service["spec"]["ports"]]
    tls = documents(K8S / TLS / "ingress-tls.yaml")[0]  # the TLS patch: same backend, a Secret
    assert tls["metadata"]["name"] == ingress["metadata"]["name"]
    assert tls["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"] == backend
    assert tls["spec"]["tls"][0]["secretName"] and tls["spec"]["tls"][0]["hosts"] == [tls["spec"]["rules"][0]["host"]]


def test_the_models_live_on_one_volume_every_pod_shares_where_the_app_looks(app, container):
    pod = one(app, "Deployment")["spec"]["template"]["spec"]
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"]}
    mounts = {m["name"]: PurePosixPath(m["mountPath"]) for m in container["volumeMounts"]}
    (volume,) = [name for name in mounts if name in claims]
    pvc = one(app, "PersistentVolumeClaim", claims[volume])
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]  # a retrain in any pod reaches all
    env = env_values(container)
    image_env = dict(pair.split("=", 1) for pair in _dockerfile()["ENV"] if "CNN_" in pair)
    for name in ("CNN_MODEL_PATH", "CNN_MLP_PATH", "KERAS_HOME"):
        assert mounts[volume] in PurePosixPath(env[name]).parents, name
    assert {k: env[k] for k in image_env} == image_env  # what the image (and compose) use too


def test_the_secrets_referenced_are_in_the_example_secrets():
    app_example = one(documents(K8S / "secret.example.yaml"), "Secret")
    trial_example = one(documents(K8S / TRIAL / "secret.example.yaml"), "Secret")
    for objects, example in ((rendered(K8S), app_example), (rendered(K8S, (TRIAL,)), trial_example)):
        references = [
            (var["valueFrom"]["secretKeyRef"], obj["metadata"]["namespace"])
            for obj in objects
            if obj["kind"] in ("Deployment", "StatefulSet")
            for c in obj["spec"]["template"]["spec"]["containers"]
            for var in c.get("env", [])
            if "secretKeyRef" in var.get("valueFrom", {})
        ]
        assert references
        for ref, namespace in references:
            assert ref["name"] == example["metadata"]["name"] and namespace == example["metadata"]["namespace"]
            assert ref["key"] in example["stringData"], ref
    assert set(app_example["stringData"]) <= set(trial_example["stringData"])


def test_the_trial_databases_url_reaches_its_server_and_takes_the_database_lock():
    from sqlalchemy.engine import make_url

    from cnn.jobs.database_lock import DatabaseTrainingLock
    from cnn.jobs.training_lock import training_lock

    trial = rendered(K8S, (TRIAL,))
    secret = one(documents(K8S / TRIAL / "secret.example.yaml"), "Secret")["stringData"]
    url = make_url(secret["DATABASE_URL"])
    database = one(trial, "StatefulSet", "digit-lens-db")["spec"]["template"]["spec"]["containers"][0]
    db_env = env_values(database)
    service = one(trial, "Service", url.host)
    assert url.drivername == "postgresql+psycopg" and url.port == service["spec"]["ports"][0]["port"] == 5432
    assert (url.username, url.database) == (db_env["POSTGRES_USER"], db_env["POSTGRES_DB"])
    assert url.password == secret["POSTGRES_PASSWORD"]  # the one the database pod is created with
    assert isinstance(training_lock("/models/mnist_convnet.keras", secret["DATABASE_URL"]), DatabaseTrainingLock)
    assert one(trial, "Deployment", "digit-lens")  # the trial is the app plus its database


def _string_constants(tree: ast.Module) -> dict[str, str]:
    """A module's top-level NAME = "text" assignments."""
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            constants.update({t.id: node.value.value for t in node.targets if isinstance(t, ast.Name)})
    return constants


def _environment_reads(tree: ast.Module) -> set[str | None]:
    constants = _string_constants(tree)

    def name_of(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return constants.get(node.id) if isinstance(node, ast.Name) else None

    reads = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ"):
            reads.add(name_of(node.slice))
        elif isinstance(node, ast.Call) and node.args:
            called = ast.unparse(node.func)
            if called.endswith(("environ.get", "environ.setdefault", "environ.pop", "getenv")):
                reads.add(name_of(node.args[0]))
    return reads


def names_the_app_reads() -> set[str]:
    """Environment variable names read by the app's code: os.environ.get / [] / setdefault and
    os.getenv, with a literal or a module-level string constant (PASSCODE_VARIABLE = "...")."""
    files = [REPO / "app.py"] + [p for folder in APP_SOURCES[1:] for p in (REPO / folder).rglob("*.py")]
    return set().union(*(_environment_reads(ast.parse(f.read_text())) for f in files)) - {None}


def test_every_environment_name_in_the_manifests_is_one_the_app_reads(container):
    read = names_the_app_reads()
    # the scan itself works: names read directly, and through a module constant
    assert {"CNN_MODEL_PATH", "CNN_MLP_PATH", "DATABASE_URL", "DIGIT_LENS_PASSCODE", "DIGIT_LENS_PUBLIC_URL"} <= read
    set_here = set(env_values(container))
    assert set_here <= read, f"set in deployment.yaml but read by nothing in the app: {sorted(set_here - read)}"
    assert {"CNN_MODEL_PATH", "DATABASE_URL", "DIGIT_LENS_PASSCODE"} <= set_here


def test_the_replicas_scale_on_cpu_and_never_all_go_at_once(app, container):
    deployment = one(app, "Deployment", "digit-lens")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    # The autoscaler owns the count: a `replicas:` here would reset it at every apply.
    assert "replicas" not in deployment["spec"]
    rolling = deployment["spec"]["strategy"]["rollingUpdate"]
    assert rolling["maxUnavailable"] == 0 and rolling["maxSurge"] >= 1  # a new pod is ready before an old one goes
    hpa = one(app, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "digit-lens"}
    assert hpa["spec"]["minReplicas"] >= 2
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    assert container["resources"]["requests"]["cpu"] == "1"  # one process is about one core; the HPA's 100%
    pdb = one(app, "PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == 1 and pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()


# The drain before a pod stops


def _drain_command(container, least: str, most: str, port: int) -> list[str]:
    command = container["lifecycle"]["preStop"]["exec"]["command"]
    assert command[-3:] == ["10", "30", "8501"]  # as the manifest runs it: at least 10 s, at most 30 s
    return [sys.executable, *command[1:-3], least, most, str(port)]


def test_the_grace_period_covers_the_drain_and_a_trainings_stop(app, container):
    pod = one(app, "Deployment")["spec"]["template"]["spec"]
    most = float(container["lifecycle"]["preStop"]["exec"]["command"][-2])
    assert pod["terminationGracePeriodSeconds"] >= most + CANCEL_GRACE


def test_the_drain_waits_while_a_student_is_connected_and_ends_when_none_is(container):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        student = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        drain = subprocess.Popen(_drain_command(container, "0", "60", port))
        try:
            with pytest.raises(subprocess.TimeoutExpired):
                drain.wait(timeout=2)  # a connection is open: still draining
            student.close()
            accepted.close()
            assert drain.wait(timeout=20) == 0  # the last one left: the pod may stop
        finally:
            drain.kill()
            student.close()
            accepted.close()
    idle = subprocess.run(_drain_command(container, "0", "60", port), timeout=20)
    assert idle.returncode == 0
