"""The network the page runs: its weights file is made from the same .keras file the server reads,
float16 changes no answer on the 10,000 test digits, and the fixtures the JS is held to
(`node --test tests/js/`) are what the Python computes now."""

import json

import numpy as np
import pytest

from cnn import DEFAULT_MLP_PATH, DEFAULT_MODEL_PATH
from cnn.net.browser_weights import browser_weights, read_browser_weights
from cnn.net.network import load_network
from tests.js_network_fixtures import FIXTURE, WEIGHTS, as_browser_runs_it, fixtures

REGENERATE = "regenerate them: python -m tests.js_network_fixtures"


@pytest.mark.parametrize("path", [DEFAULT_MODEL_PATH, DEFAULT_MLP_PATH], ids=["convnet", "dense net"])
def test_the_weights_file_holds_every_layer_of_the_keras_file(path):
    network = load_network(path)
    header, arrays = read_browser_weights(browser_weights(network))
    assert [layer["name"] for layer in header["layers"]] == [layer.name for layer in network.layers]
    assert [layer["kind"] for layer in header["layers"]] == [layer.kind for layer in network.layers]
    originals = [array for layer in network.layers if layer.kernel is not None for array in (layer.kernel, layer.bias)]
    assert [a.shape for a in arrays] == [o.shape for o in originals]
    for array, original in zip(arrays, originals, strict=True):
        # float16 keeps 11 significant bits: each weight within half a unit in its last place
        assert np.all(np.abs(array - original) <= np.abs(original) * 2**-11 + 2**-24)


def test_float16_weights_change_no_answer_on_the_test_set(mnist):
    network = load_network(DEFAULT_MODEL_PATH)
    in_browser = as_browser_runs_it(network, browser_weights(network))
    exact, rounded = network.predict(mnist.x_test), in_browser.predict(mnist.x_test)
    assert np.array_equal(exact.argmax(axis=1), rounded.argmax(axis=1))
    assert np.abs(exact - rounded).max() < 0.005  # measured: 0.00094


def test_a_file_that_is_not_ours_or_is_cut_short_is_refused():
    blob = browser_weights(load_network(DEFAULT_MODEL_PATH))
    with pytest.raises(ValueError, match="DLW1"):
        read_browser_weights(b"PK\x03\x04" + blob[4:])
    with pytest.raises(ValueError):
        read_browser_weights(blob[:-2] + b"\x00\x00\x00\x00")


def test_the_committed_js_fixtures_are_what_python_computes_now():
    data, blob = fixtures()
    assert WEIGHTS.read_bytes() == blob, f"tests/js/fixtures/convnet.dlw is stale; {REGENERATE}"
    committed = json.loads(FIXTURE.read_text())
    assert committed["messages"] == data["messages"], REGENERATE
    assert [c["name"] for c in committed["cases"]] == [c["name"] for c in data["cases"]], REGENERATE
    for old, new in zip(committed["cases"], data["cases"], strict=True):
        assert (old["canvas"], old["status"], old["cropBox"], old.get("shift")) == (
            new["canvas"],
            new["status"],
            new["cropBox"],
            new.get("shift"),
        ), f"{new['name']}: {REGENERATE}"
        if "probabilities" in new:
            assert np.allclose(old["probabilities"], new["probabilities"], atol=1e-5), f"{new['name']}: {REGENERATE}"


def test_each_model_version_is_published_once_under_a_name_of_its_own(tmp_path):
    import dataclasses

    from cnn.net.network import Network
    from cnn.serving.browser_files import KEPT_VERSIONS, published_weights

    network = load_network(DEFAULT_MODEL_PATH)
    name = published_weights(network, tmp_path)
    assert (tmp_path / name).read_bytes() == browser_weights(network)
    written = (tmp_path / name).stat().st_mtime_ns
    assert published_weights(network, tmp_path) == name and (tmp_path / name).stat().st_mtime_ns == written
    assert published_weights(load_network(DEFAULT_MODEL_PATH), tmp_path) == name  # another replica: same name
    first = network.layers[0]
    retrained = Network(network.name, [dataclasses.replace(first, bias=first.bias + 0.5), *network.layers[1:]])
    assert published_weights(retrained, tmp_path) != name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, published_weights(retrained, tmp_path)])
    # A course of retrains: only the newest versions stay on disk, the one in use among them.
    names = [name, published_weights(retrained, tmp_path)]
    for step in range(1, 5):
        names.append(
            published_weights(
                Network(network.name, [dataclasses.replace(first, bias=first.bias + step), *network.layers[1:]]),
                tmp_path,
            )
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[-KEPT_VERSIONS:])
