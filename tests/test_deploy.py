"""Replicas behind nginx, as deploy/local.sh runs them: the config is valid, a browser draws
through the proxy, Ctrl-C stops everything, only one replica trains at a time, and the page arrives compressed."""

import os
import re
import signal
import ssl
import subprocess
import time
import urllib.parse
import urllib.request

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from harness.browser import chromium, draw_digit, free_port, open_page, prediction_shown
from tests.deploy_support import LOCAL, PAGE_READY, first_answer, listening, local_hall, self_signed
from tests.support import REPO, make_mnist_arrays


def test_the_nginx_config_is_valid():
    result = subprocess.run(
        ["bash", str(LOCAL), "--check"],
        env=dict(os.environ, REPLICAS="3", PORT="18555"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "nginx config OK: 3 replicas" in result.stdout


def _local_site(tmp_path, **env: str) -> str:
    """The nginx site config deploy/local.sh would serve with `env`, checked (nginx -t), not started."""
    env = dict(os.environ, REPLICAS="2", PORT="18555", FIRST_REPLICA_PORT="18655", **env)
    result = subprocess.run(["bash", str(LOCAL), "--check", "--print"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _listens(site: str) -> list[str]:
    return re.findall(r"listen ([^;]+);", site)


def test_nginx_listens_on_loopback_unless_bind_says_otherwise_and_the_replicas_always_do(tmp_path):
    cert, key = self_signed(tmp_path)
    tls = {"TLS_CERT": str(cert), "TLS_KEY": str(key), "HTTP_PORT": "18580"}
    assert _listens(_local_site(tmp_path)) == ["127.0.0.1:18555"]  # a laptop serves nobody else
    assert sorted(_listens(_local_site(tmp_path, **tls))) == ["127.0.0.1:18555 ssl", "127.0.0.1:18580"]
    # A lecture hall: the https server and the plain http one that redirects, on every address.
    hall = _local_site(tmp_path, BIND="0.0.0.0", **tls)
    assert sorted(_listens(hall)) == ["0.0.0.0:18555 ssl", "0.0.0.0:18580"]
    assert _listens(_local_site(tmp_path, BIND="0.0.0.0")) == ["0.0.0.0:18555"]
    assert _listens(_local_site(tmp_path, BIND="::")) == ["[::]:18555"]
    # Only nginx is reachable from outside: the replicas stay on loopback.
    replicas = set(re.findall(r"server (\S+) max_fails", hall))
    assert replicas == {"127.0.0.1:18655", "127.0.0.1:18656"}


def test_compose_fills_in_exactly_what_the_template_asks_for():
    template = (REPO / "deploy" / "nginx.conf.template").read_text()
    compose = (REPO / "deploy" / "compose.yaml").read_text()
    asked = set(re.findall(r"\$\{(\w+)\}", template))
    assert asked == {"LISTEN", "TLS", "REDIRECT", "UPSTREAMS"}
    assert all(f"{name}:" in compose for name in asked)
    assert "nginx.conf.template:/etc/nginx/templates/default.conf.template" in compose


def _proxy_environment(compose: str) -> dict[str, str]:
    """The proxy's environment in compose.yaml (plain `NAME: "value"` lines and `NAME: |` blocks),
    with compose's $$ (its escape for $) read as $; no YAML parser is among the test's packages."""
    proxy = compose[compose.index("\n  proxy:") :]
    lines = proxy[proxy.index("    environment:\n") :].splitlines()[1:]
    environment, block = {}, None
    for line in lines:
        if block and (line.startswith(" " * 8) or not line.strip()):
            environment[block] += line[8:] + "\n"
            continue
        if line.strip().startswith("#"):
            continue
        match = re.fullmatch(r" {6}(\w+): (.*)", line)
        if not match:
            break
        name, value = match.groups()
        block = name if value == "|" else None
        environment[name] = "" if block else value.split(" #")[0].strip().strip('"')
    return {name: value.replace("$$", "$") for name, value in environment.items()}


def _compose_site(*files: str, **addresses: str) -> str:
    """The site config the nginx image writes from the template, given the proxy's environment
    as these compose files merge it (a later file's variable replaces an earlier one's). `addresses`
    replace what only exists inside compose: a listen line's port (listen_80="127.0.0.1:18556")
    and the "app" service (app="127.0.0.1:8501")."""
    environment = {}
    for name in files:
        environment.update(_proxy_environment((REPO / "deploy" / name).read_text()))
    template = (REPO / "deploy" / "nginx.conf.template").read_text()
    site = re.sub(r"\$\{(\w+)\}", lambda m: environment[m.group(1)], template)
    site = site.replace("server app:8501", f"server {addresses.pop('app', '127.0.0.1:8501')}")
    for name, address in addresses.items():
        site = re.sub(rf"listen {name.removeprefix('listen_')}\b", f"listen {address}", site)
    return site


def _nginx_test(folder, site: str) -> subprocess.CompletedProcess:
    (folder / "site.conf").write_text(site)
    (folder / "nginx.conf").write_text(
        f"pid {folder}/nginx.pid; error_log stderr; events {{}} http {{ include {folder}/site.conf; }}"
    )
    return subprocess.run(
        ["nginx", "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")], capture_output=True, text=True
    )


def test_the_config_compose_renders_is_valid(tmp_path):
    # As the nginx image does it: every ${NAME} of the template replaced from the proxy's
    # environment. "app" resolves only inside compose, so a local address stands in for it.
    compose = (REPO / "deploy" / "compose.yaml").read_text()
    site = _compose_site("compose.yaml", listen_80="127.0.0.1:18556")
    assert "hash $digit_lens_served consistent" in site
    result = _nginx_test(tmp_path, site)
    assert result.returncode == 0, result.stderr
    # A replica (or the proxy, or the database) that dies is started again by Docker.
    assert len(re.findall(r"^    restart: unless-stopped$", compose, re.M)) == 3
    # The app trusts the proxy's X-Forwarded-For (another container's address), which nginx
    # writes itself: the real client's address reaches the class wall's per-address cap.
    assert re.search(r'^      FORWARDED_ALLOW_IPS: "\*"$', compose[: compose.index("\n  db:")], re.M)
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site


def _compose_tls_site(folder, **addresses: str) -> str:
    """compose.yaml with compose.tls.yaml's TLS, the certificate and key the override mounts
    replaced by a self-signed pair made here (the container's paths exist only inside it)."""
    override = (REPO / "deploy" / "compose.tls.yaml").read_text()
    site = _compose_site("compose.yaml", "compose.tls.yaml", **addresses)
    cert, key = self_signed(folder)
    for inside, made in (("/etc/nginx/certs/hall.crt", cert), ("/etc/nginx/certs/hall.key", key)):
        assert re.search(rf"^      - \S+:{inside}:ro$", override, re.M), f"{inside} is not mounted"
        assert inside in site
        site = site.replace(inside, str(made))
    return site


def test_the_config_compose_tls_renders_is_valid_and_serves_https_only(tmp_path):
    site = _compose_tls_site(tmp_path, listen_443="127.0.0.1:18557", listen_80="127.0.0.1:18558")
    assert re.search(r"^    listen 127\.0\.0\.1:18557 ssl;$", site, re.M)
    assert "return 301 https://$host$request_uri;" in site  # the plain http server
    assert "error_page 497 =301 https://$host$request_uri;" in site  # plain http spoken to 443
    result = _nginx_test(tmp_path, site)
    assert result.returncode == 0, result.stderr
    override = (REPO / "deploy" / "compose.tls.yaml").read_text()
    assert '- "443:443"' in override and '- "80:80"' in override


@pytest.mark.slow
def test_nginx_with_compose_tls_serves_the_certificate_and_redirects_plain_http(tmp_path):
    """The override's config served by nginx here (no replica behind it: only what nginx answers
    itself): the certificate the files hold, and plain http, on 80 or 443, sent to https."""
    https, plain = free_port(), free_port()
    site = _compose_tls_site(tmp_path, listen_443=f"127.0.0.1:{https}", listen_80=f"127.0.0.1:{plain}")
    (tmp_path / "site.conf").write_text(site)
    config = (
        f"pid {tmp_path}/nginx.pid; error_log stderr; daemon off; events {{}} http {{ include {tmp_path}/site.conf; }}"
    )
    (tmp_path / "nginx.conf").write_text(config)
    nginx = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not (listening(https) and listening(plain)):
            assert nginx.poll() is None and time.monotonic() < deadline, nginx.stderr.read().decode()
            time.sleep(0.1)
        served = ssl.get_server_certificate(("127.0.0.1", https))
        assert ssl.PEM_cert_to_DER_cert(served) == ssl.PEM_cert_to_DER_cert((tmp_path / "hall.crt").read_text())
        # The test's "443" and "80" are other ports; what nginx answers is what a hall would see.
        assert first_answer(f"http://127.0.0.1:{plain}/?view=lecture") == (301, "https://127.0.0.1/?view=lecture")
        assert first_answer(f"http://127.0.0.1:{https}/_stcore/health") == (301, "https://127.0.0.1/_stcore/health")
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    """deploy/local.sh with 2 replicas on free ports; yields (process, proxy port, [replica ports])."""
    folder = tmp_path_factory.mktemp("deploy")
    # Big enough that a retrain outlasts the clicks below (about half a minute here).
    np.savez(folder / "mnist.npz", **make_mnist_arrays(train=24000, test=100))
    with local_hall(folder, replicas=2, MNIST_NPZ=str(folder / "mnist.npz")) as hall:
        yield hall.process, hall.port, hall.replica_ports


@pytest.mark.browser
def test_a_drawing_is_read_through_the_proxy(replicas, playwright):
    _, port, _ = replicas
    with chromium(playwright) as context:
        page = open_page(context, f"http://127.0.0.1:{port}")
        draw_digit(page, 7)
        prediction = prediction_shown(page)
        expect(prediction).to_contain_text(re.compile(r"Prediction\s*7"), timeout=30_000)
        # A picture the server keeps as a media file (the network's input goes inline; "Watch it
        # learn" does not), fetched from the replica that made it: sticky by cookie.
        media = page.locator("img[src*='/media/']").first
        media.scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=media.element_handle())
        cookies = {c["name"] for c in context.cookies()}
        assert "digit_lens_replica" in cookies
        assert page.errors == []


@pytest.mark.browser
@pytest.mark.slow
def test_retrain_on_one_replica_while_the_other_trains_is_refused(replicas, playwright):
    _, _, (first, second) = replicas
    with chromium(playwright) as context:
        trainer = open_page(context, f"http://127.0.0.1:{first}")
        sidebar = trainer.get_by_test_id("stSidebar")
        sidebar.get_by_role("button", name="Retrain").click()
        expect(sidebar.get_by_text(re.compile(r"Training: "))).to_be_visible(timeout=30_000)

        other = open_page(context, f"http://127.0.0.1:{second}")
        other_sidebar = other.get_by_test_id("stSidebar")
        expect(other_sidebar).to_contain_text("A training is running in another server process", timeout=20_000)
        other_sidebar.get_by_role("button", name="Retrain").click()
        expect(other_sidebar).to_contain_text("already running in another server process", timeout=20_000)

        try:  # end it early; had it finished already, there is nothing to cancel
            sidebar.get_by_role("button", name="Cancel training").click(timeout=3_000)
        except PlaywrightTimeoutError:
            pass
        expect(sidebar).to_contain_text(re.compile("cancelled|New model saved"), timeout=120_000)


def _first_load(context, url: str) -> dict:
    """Open `url` in a new tab of `context` and count what crossed the wire until the page is ready:
    bytes (Chromium's encodedDataLength: headers and body as received, 0 from the cache) and each
    script's Content-Encoding and Cache-Control."""
    received, scripts, addresses = [], {}, {}
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.responseReceived", lambda event: addresses.update({event["requestId"]: event["response"]["url"]}))
    cdp.on(
        "Network.loadingFinished",
        lambda event: received.append((event["encodedDataLength"], addresses.get(event["requestId"], "?"))),
    )

    def note(response):
        if response.request.resource_type == "script" and "/static/" in response.url:
            headers = response.all_headers()
            scripts[response.url] = (headers.get("content-encoding", ""), headers.get("cache-control", ""))

    page.on("response", note)
    page.goto(url)
    page.wait_for_function(PAGE_READY, timeout=60_000)
    page.wait_for_timeout(1500)  # the components' late modules and the fonts
    page.close()
    largest = [f"{size / 1000:.0f} KB {urllib.parse.urlsplit(url).path}" for size, url in sorted(received)[::-1][:8]]
    return {"bytes": sum(size for size, _ in received), "scripts": scripts, "largest": largest}


@pytest.mark.browser
def test_the_first_load_is_compressed_and_within_2_mb_and_a_repeat_visit_comes_from_the_cache(replicas, playwright):
    _, port, _ = replicas
    with chromium(playwright) as context:
        first = _first_load(context, f"http://127.0.0.1:{port}")
        again = _first_load(context, f"http://127.0.0.1:{port}")
    print(f"first load {first['bytes'] / 1e6:.2f} MB over the wire, a repeat visit {again['bytes'] / 1e6:.2f} MB")
    assert first["scripts"], "no script of Streamlit's was fetched"
    for script, (encoding, caching) in first["scripts"].items():
        # Only a script too small to gain from it (gzip_min_length) comes uncompressed.
        if encoding != "gzip":
            with urllib.request.urlopen(script, timeout=10) as response:
                assert len(response.read()) < 1024, (script, encoding)
        if urllib.parse.urlsplit(script).path.startswith("/static/"):  # Streamlit's own, hashed names
            assert "immutable" in caching, (script, caching)
    # The hall's Wi-Fi (issue 22): at most 2 MB. About 1.7 MB here (5.9 MB before nginx compressed,
    # 2.24 MB while the first page still held a data grid and a Vega chart, whose scripts are
    # 161 KB and 272 KB gzipped); most of the rest is fonts (woff2, packed already: Streamlit's
    # icon font alone is 375 KB, for its own sidebar and expander arrows) and the network's weights.
    assert first["bytes"] <= 2_000_000, first["largest"]
    assert again["bytes"] < first["bytes"] / 4  # Streamlit's hashed assets come from the cache


@pytest.mark.slow
def test_sigterm_stops_nginx_and_every_replica(replicas):
    # Last in this module: it ends the servers the other tests used.
    process, port, ports = replicas
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 128 + signal.SIGTERM
    deadline = time.monotonic() + 15
    while any(listening(p) for p in [port, *ports]):
        assert time.monotonic() < deadline, "something still listens after SIGTERM"
        time.sleep(0.2)


def test_the_image_holds_every_package_the_app_imports():
    import ast

    dockerfile = (REPO / "Dockerfile").read_text()
    ours = {path.name for path in REPO.iterdir() if (path / "__init__.py").is_file() and path.name != "tests"}
    imported = set()
    for source in [REPO / "app.py", *(REPO / "ui").glob("*.py"), *(REPO / "classwall").glob("*.py")]:
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
    needed = imported & ours
    assert {"cnn", "ui", "display", "classwall"} <= needed
    for package in needed:
        assert f"COPY {package} {package}" in dockerfile, package
    assert "COPY static static" in dockerfile  # the browser's code and the page's CSS (ui/components.py reads it)


def test_the_entrypoint_seeds_both_models_once(tmp_path):
    env = dict(
        os.environ, CNN_MODEL_PATH=str(tmp_path / "m" / "convnet.keras"), CNN_MLP_PATH=str(tmp_path / "m" / "mlp.keras")
    )
    subprocess.run(["sh", "deploy/entrypoint.sh", "true"], cwd=REPO, env=env, check=True)
    for stem, shipped in (("convnet", "mnist_convnet"), ("mlp", "mnist_mlp")):
        for suffix in (".keras", ".json", ".snapshots.npz"):
            seeded = tmp_path / "m" / f"{stem}{suffix}"
            assert seeded.read_bytes() == (REPO / "assets" / f"{shipped}{suffix}").read_bytes(), seeded
    (tmp_path / "m" / "mlp.keras").write_bytes(b"retrained here")
    subprocess.run(["sh", "deploy/entrypoint.sh", "true"], cwd=REPO, env=env, check=True)
    assert (tmp_path / "m" / "mlp.keras").read_bytes() == b"retrained here"  # never overwritten
    assert not list((tmp_path / "m").glob(".seed-*"))
