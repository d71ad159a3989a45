"""The lecture view's payload and the close-up rows, against the model they describe."""

import base64

import numpy as np
import pytest

from cnn.net.anatomy import anatomy
from display.closeup import reading_closeup, strongest_point, strongest_positions, unit_closeup
from display.lecture import lecture_payload, quantise, strongest_inputs


@pytest.fixture(scope="module")
def seven(mnist):
    return mnist.x_test[int(np.flatnonzero(mnist.y_test == 7)[0]), ..., 0]  # (28, 28) in [0, 1]


@pytest.fixture(scope="module")
def weights(shipped_model):
    return {layer.name: tuple(layer.get_weights()) for layer in shipped_model.layers if len(layer.get_weights()) == 2}


def test_quantise_keeps_each_channels_pattern_and_peak():
    rng = np.random.default_rng(0)
    maps = rng.random((5, 4, 3)).astype(np.float32) * np.array([1.0, 10.0, 0.0], np.float32)
    data, peaks = quantise(maps)
    pixels = np.frombuffer(base64.b64decode(data), np.uint8).reshape(3, 5, 4)
    np.testing.assert_allclose(peaks, maps.max(axis=(0, 1)), rtol=1e-3)
    np.testing.assert_allclose(pixels[1] / 255 * peaks[1], maps[..., 1], atol=peaks[1] / 255)
    assert pixels[2].max() == 0  # a dead channel stays black


def test_strongest_inputs_are_the_largest_products():
    rng = np.random.default_rng(1)
    inputs, kernel = rng.random(20), rng.normal(size=(20, 3))
    top = strongest_inputs(inputs, kernel, count=4)
    for unit in range(3):
        products = inputs * kernel[:, unit]
        assert [index for index, _ in top[unit]] == list(np.argsort(-products)[:4])
        assert top[unit][0][1] == pytest.approx(products.max(), abs=1e-4)


def test_lecture_payload_has_every_layer_of_the_model(shipped_model, extractor, weights, seven, shipped_network):
    image = seven.astype(np.float32)
    activations = extractor.run(image)
    payload = lecture_payload(anatomy(shipped_network), weights, image, activations)
    assert [layer["name"] for layer in payload["layers"]] == ["conv1", "pool1", "conv2", "pool2", "conv3"]
    for layer in payload["layers"]:
        assert len(base64.b64decode(layer["data"])) == np.prod(layer["shape"])
    assert payload["parameters"] == shipped_model.count_params()
    assert payload["digit"] == 7 and len(payload["probabilities"]) == 10
    assert len(payload["dense"]["values"]) == 64 and len(payload["output"]["inputs"]) == 10
    kernel = weights["probabilities"][0]
    best_unit, contribution = payload["output"]["inputs"][7][0]
    assert contribution == pytest.approx(float((activations.dense * kernel[:, 7]).max()), abs=1e-3)
    assert best_unit == int(np.argmax(activations.dense * kernel[:, 7]))


@pytest.mark.parametrize("name,source", [("conv1", None), ("conv2", "pool1"), ("conv3", "pool2"), ("pool1", "conv1")])
def test_the_closeup_adds_up_to_the_value_on_screen(extractor, weights, seven, name, source, shipped_network):
    image = seven.astype(np.float32)
    activations = extractor.run(image)
    layer = next(layer for layer in anatomy(shipped_network) if layer.name == name)
    maps = activations.maps[name]
    channel = int(np.argmax(maps.max(axis=(0, 1))))
    row, column = strongest_point(maps[..., channel])
    assert maps[row, column, channel] == maps[..., channel].max() > 0  # never a blank patch
    layer_input = image if source is None else activations.maps[source]
    closeup = unit_closeup(layer, layer_input, weights, maps, channel, row, column)
    assert closeup["value"] == pytest.approx(float(maps[row, column, channel]), abs=1e-3)
    if closeup["kind"] == "pool":
        assert closeup["maximum"] == pytest.approx(closeup["value"], abs=1e-4)
        return
    assert closeup["output"] == pytest.approx(closeup["value"], abs=1e-3)
    assert closeup["sum"] + closeup["bias"] == pytest.approx(closeup["preActivation"], abs=1e-3)
    if name == "conv1":
        assert np.sum(closeup["products"]) == pytest.approx(closeup["sum"], abs=1e-3)
    else:
        shares = [s["share"] for s in closeup["strongest"]]
        assert sum(shares) + closeup["others"] == pytest.approx(closeup["sum"], abs=1e-3)
        assert shares == sorted(shares, key=abs, reverse=True)


def test_the_strongest_position_of_each_channel_is_its_first_maximum():
    maps = np.zeros((3, 4, 3), np.float32)
    maps[2, 1, 0] = 5.0
    maps[0, 3, 1] = maps[1, 0, 1] = 2.0  # a tie: the first in reading order
    assert strongest_positions(maps) == [2 * 4 + 1, 3, 0]  # a dead channel: its first position
    assert strongest_point(maps[..., 0]) == (2, 1) and strongest_point(maps[..., 1]) == (0, 3)


def test_the_closeup_of_a_reading_takes_the_map_before_the_layer(shipped_network, mnist):
    from cnn.net.preprocess import as_model_input
    from cnn.net.reading import read
    from cnn.serving.model_store import LoadedModel

    loaded = LoadedModel.of(shipped_network, None, 1)
    reading = read(loaded.extractor, as_model_input(mnist.x_test[0, ..., 0]))
    first, later = (reading_closeup(loaded, reading, name, 0, 1, 1) for name in ("conv1", "conv2"))
    assert first["inputName"] == "input" and later["inputName"] == "pool1"
    direct = unit_closeup(loaded.layer("conv2"), reading.maps["pool1"], loaded.weights, reading.maps["conv2"], 0, 1, 1)
    assert later == direct | {"inputName": "pool1"}


def test_a_unit_outside_the_layer_is_refused(extractor, weights, seven, shipped_network):
    activations = extractor.run(seven.astype(np.float32))
    conv3 = next(layer for layer in anatomy(shipped_network) if layer.name == "conv3")
    with pytest.raises(ValueError, match="outside"):
        unit_closeup(conv3, activations.maps["pool2"], weights, activations.maps["conv3"], 64, 0, 0)


def test_probability_bars_are_as_long_as_the_probabilities():
    import re

    from display.bars import comparison_bars_html, probability_bars_html

    probabilities = np.array([0.001, 0.0, 0.9, 0.05, 0.049, 0, 0, 0, 0, 0], dtype=np.float32)
    html = probability_bars_html(probabilities)
    widths = [float(w) for w in re.findall(r'class="prob-bar" style="width:([\d.]+)%"', html)]
    assert widths == pytest.approx(list(probabilities * 100), abs=0.05)
    assert html.count("prob-best") == 1 and 'prob-row prob-best"><span class="prob-digit">2<' in html
    assert "<1%" in html and "90%" in html
    pair = comparison_bars_html(probabilities, probabilities[::-1])
    assert len(re.findall(r'class="prob-bar"', pair)) == 20
    assert re.findall(r"width:([\d.]+)%;background:#ff7f0e", pair)[7] == "90.0"  # the dense net's 7
