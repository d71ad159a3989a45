"""What excites each unit: the top test digits of every unit against sorting every digit's
activation by brute force, the cache beside the model (a new model file is new examples, old files
cleaned), and the blocks the panels show."""

import dataclasses
import io
import json
import shutil
import zipfile

import h5py
import numpy as np
import pytest

from cnn.files.candidates import FineTuneReport, adopt_candidate, candidate_path_for, model_signature, report_path
from cnn.net import top_activations as top_module
from cnn.net.network import load_network
from cnn.net.top_activations import TOP, searched_layers, top_activations
from cnn.serving.digit_maps import DigitMapShelf
from cnn.serving.model_store import ModelStore
from cnn.serving.unit_examples import KEPT_VERSIONS, NO_MNIST, ExampleDigits, UnitExampleShelf, local_test_set
from display.unit_examples import crop_of, examples_picture, unit_examples_block
from tests.support import copy_shipped_model


@pytest.fixture(scope="module")
def some_digits(mnist):
    """600 real test digits as the server keeps them (uint8) and their labels."""
    return (mnist.x_test[:600, ..., 0] * 255).round().astype(np.uint8), mnist.y_test[:600]


def test_every_units_top_nine_is_what_sorting_every_digit_gives(shipped_network, some_digits, monkeypatch):
    images, labels = some_digits
    monkeypatch.setattr(top_module, "_CHUNK", 64)  # ten chunks: the merge between them is what is tested
    top = top_activations(shipped_network, images, labels)
    outputs = shipped_network.forward(images.astype(np.float32) / 255)
    for name in searched_layers(shipped_network):
        every = outputs[name].reshape(len(images), -1)  # (600, units)
        expected = -np.sort(-every, axis=0)[:TOP].T  # (units, 9): each unit's 9 largest, by brute force
        found = top.values[name].reshape(-1, TOP)
        np.testing.assert_allclose(found, expected, rtol=1e-5, atol=1e-6, err_msg=name)  # batch sizes: float32 sums
        # ...and each index is a digit with that activation (ties may pick any of the tied digits).
        indices = top.indices[name].reshape(-1, TOP)
        np.testing.assert_allclose(
            np.take_along_axis(every.T, indices, axis=1), found, rtol=1e-5, atol=1e-6, err_msg=name
        )
        assert all(len(set(row)) == TOP for row in indices.tolist()), f"{name}: a digit counted twice"
    assert top.images == 600


def test_a_few_units_by_hand_strongest_first(shipped_network, some_digits):
    images, labels = some_digits
    top = top_activations(shipped_network, images, labels)
    outputs = shipped_network.forward(images.astype(np.float32) / 255)
    for name, unit in (("conv1", (13, 13, 5)), ("conv3", (1, 1, 7)), ("dense", (3,))):
        activations = outputs[name][(slice(None), *unit)]
        order = np.argsort(-activations, kind="stable")[:TOP]
        assert top.indices[name][unit].tolist() == order.tolist()
        assert np.all(np.diff(top.values[name][unit]) <= 0)


def test_the_ten_outputs_get_their_surest_and_least_sure_digits(shipped_network, some_digits):
    images, labels = some_digits
    top = top_activations(shipped_network, images, labels)
    probabilities = shipped_network.predict(images.astype(np.float32) / 255)
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        sure = probabilities[members, digit]
        assert set(labels[top.most_convincing[digit]]) == {digit} == set(labels[top.least_convincing[digit]])
        np.testing.assert_allclose(top.convincing_values[digit, 0], -np.sort(-sure)[:TOP], atol=1e-6)
        np.testing.assert_allclose(top.convincing_values[digit, 1], np.sort(sure)[:TOP], atol=1e-6)
    # The least convincing 4 is where a student sees why a 4 can be read as a 9.
    assert top.convincing_values[:, 1, 0].min() < 0.5


# ---- the shelf: once per model version, on disk beside it ---------------------------------------


def _small_test_set(images, labels) -> ExampleDigits:
    return ExampleDigits(images, labels, digest="test" + str(len(images)), source="test")


def _retrained(path, factor: float) -> None:
    """Replace the model file at `path` with one whose weights differ, as a retrain would (a new
    file, atomically renamed over the old): conv1's kernel and every bias scaled."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    weights = io.BytesIO(files["model.weights.h5"])
    with h5py.File(weights, "r+") as h5:
        for key in h5["layers"]:
            for variable in h5["layers"][key].get("vars", {}).values():
                variable[...] = variable[...] * factor
    files["model.weights.h5"] = weights.getvalue()
    temporary = path.with_suffix(".new")
    with zipfile.ZipFile(temporary, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    temporary.replace(path)


def _files(model):
    return sorted(model.parent.glob(f"{model.stem}.unit-examples-*.npz"))


def test_built_once_per_model_version_kept_beside_it_and_rebuilt_after_a_retrain(tmp_path, some_digits):
    images, labels = some_digits
    model = copy_shipped_model(tmp_path)
    store = ModelStore(model)
    shelf = UnitExampleShelf(_small_test_set(images, labels))
    first = store.current()
    assert shelf.examples(first.network, model).examples is None  # never waits: it starts in the background
    before = shelf.wait(first.network, model).examples
    assert shelf.builds == 1 and len(_files(model)) == 1
    assert shelf.examples(first.network, model).examples is before  # asked again: no work at all
    # Another replica (another process: another shelf) reads the file instead of building it.
    other = UnitExampleShelf(_small_test_set(images, labels))
    again = other.wait(load_network(model), model).examples
    assert other.builds == 0
    np.testing.assert_array_equal(again.indices["conv2"], before.indices["conv2"])

    for version, factor in enumerate((0.5, 0.7, 1.3), start=2):  # never back to an earlier model
        _retrained(model, factor)
        loaded = store.current()
        assert loaded.version == version
        after = shelf.wait(loaded.network, model).examples
        assert shelf.builds == version
        # Scaled weights change the activations, so the examples are new, not the old ones reread.
        assert not np.allclose(after.values["conv1"], before.values["conv1"])
        assert len(_files(model)) == min(version, KEPT_VERSIONS)  # old versions cleaned


def test_without_mnist_the_panel_says_so_and_nothing_is_built(tmp_path, monkeypatch, shipped_network):
    monkeypatch.delenv("MNIST_NPZ", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "no-keras"))  # no cached download either
    assert local_test_set() == NO_MNIST
    state = UnitExampleShelf(local_test_set()).examples(shipped_network, tmp_path / "model.keras")
    assert state.examples is None and "MNIST is not on this server" in state.message
    assert not list(tmp_path.glob("*.npz"))


def test_a_broken_mnist_file_is_said_in_words(tmp_path, monkeypatch):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(b"not a zip")
    monkeypatch.setenv("MNIST_NPZ", str(bad))
    assert "MNIST could not be read" in local_test_set()


def test_an_unwritable_folder_only_means_building_again(tmp_path, some_digits, shipped_network):
    images, labels = some_digits
    model = tmp_path / "read-only" / "model.keras"
    model.parent.mkdir()
    model.parent.chmod(0o500)
    try:
        state = UnitExampleShelf(_small_test_set(images, labels)).wait(shipped_network, model)
    finally:
        model.parent.chmod(0o700)
    assert state.examples is not None  # kept in memory; the page still shows them


# ---- what the panels show -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped_examples(shipped_network, some_digits):
    images, labels = some_digits
    return top_activations(shipped_network, images, labels), _small_test_set(images, labels)


def test_a_map_units_examples_are_cropped_around_its_receptive_field(shipped_examples, shipped_network):
    store_layers = _anatomy(shipped_network)
    examples, test_set = shipped_examples
    weights = {layer.name: (layer.kernel, layer.bias) for layer in shipped_network.layers if layer.kernel is not None}
    conv2 = store_layers["conv2"]
    block = unit_examples_block(examples, test_set, conv2, weights, channel=5, row=5, column=5)
    (top, left, size), (field_top, field_left, field) = crop_of(conv2, 5, 5)
    assert field == conv2.receptive_field == 8 and (top + field_top, left + field_left) == (10, 10)
    assert block["crop"] == [top, left, size] and block["field"] == [field_top, field_left, field]
    assert [e["index"] for e in block["examples"]] == examples.indices["conv2"][5, 5, 5].tolist()
    assert all(e["digit"] == test_set.labels[e["index"]] for e in block["examples"])
    assert "filter" not in block  # conv2 reads conv1's maps, not the image: its kernel is no picture
    picture = examples_picture(block, test_set.images)
    assert picture.shape[0] == size * 6 and picture.shape[2] == 3
    # conv1 reads the image: its 3x3 filter comes along.
    conv1 = unit_examples_block(examples, test_set, store_layers["conv1"], weights, channel=3, row=12, column=12)
    np.testing.assert_allclose(conv1["filter"], weights["conv1"][0][..., 0, 3], atol=1e-4)


def test_a_unit_that_never_fires_shows_no_digits(shipped_examples, shipped_network):
    examples, test_set = shipped_examples
    layers = _anatomy(shipped_network)
    corner = unit_examples_block(examples, test_set, layers["conv1"], {"conv1": (np.zeros((3, 3, 1, 32)), 0)}, 0)
    values = examples.values["conv1"][0, 0, 0]
    assert len(corner["examples"]) == int((values > 0).sum())


def test_dense_units_see_the_whole_digit_and_outputs_their_class(shipped_examples, shipped_network):
    examples, test_set = shipped_examples
    layers = _anatomy(shipped_network)
    dense = unit_examples_block(examples, test_set, layers["dense"], {}, channel=3)
    assert dense["kind"] == "dense" and dense["crop"] == [0, 0, 28] and dense["field"] is None
    assert [e["activation"] for e in dense["examples"]] == np.round(
        examples.values["dense"][3].astype(float), 4
    ).tolist()
    seven = unit_examples_block(examples, test_set, layers["probabilities"], {}, channel=7)
    assert seven["kind"] == "class" and {e["digit"] for e in seven["most"] + seven["least"]} == {7}
    assert seven["most"][0]["activation"] >= seven["least"][0]["activation"]


def _anatomy(network):
    from cnn.net.anatomy import anatomy

    return {layer.name: layer for layer in anatomy(network)}


def _fine_tune_waiting(model, factor: float) -> None:
    """A fine-tuned candidate beside `model` as cnn/training/fine_tune.py leaves one: other weights
    (scaled, as `_retrained` makes them) and its report, naming the model it started from."""
    candidate = candidate_path_for(model)
    shutil.copyfile(model, candidate)
    _retrained(candidate, factor)
    report = FineTuneReport(0.7, 0.9, 0.99, 0.99, 160, 40, 0, (), (), 1.0, base_model=model_signature(model))
    report_path(candidate).write_text(json.dumps(dataclasses.asdict(report)))


@pytest.mark.parametrize("shelf_kind", [UnitExampleShelf, DigitMapShelf], ids=["unit examples", "digit map"])
def test_an_adopted_fine_tune_is_found_again_not_read_from_the_old_file(tmp_path, some_digits, shelf_kind):
    images, labels = some_digits
    model = copy_shipped_model(tmp_path)
    store = ModelStore(model)
    shelf = shelf_kind(_small_test_set(images, labels))
    before = shelf.wait(store.current().network, model).examples
    assert shelf.builds == 1
    old_files = set(model.parent.glob(f"{model.stem}.{shelf.KIND}-*.npz"))

    _fine_tune_waiting(model, 0.6)
    adopt_candidate(model)  # what the lecturer's Adopt does
    loaded = store.current()
    assert loaded.version == 2
    after = shelf.wait(loaded.network, model).examples
    assert shelf.builds == 2  # built for the tuned weights, not the old file read again
    new_files = set(model.parent.glob(f"{model.stem}.{shelf.KIND}-*.npz")) - old_files
    assert len(new_files) == 1
    assert not np.allclose(_numbers(after), _numbers(before))  # the tuned weights give other numbers


def _numbers(found) -> np.ndarray:
    """Every real number the shelf keeps (the examples' activations, the map's points and units)."""
    return np.concatenate([np.ravel(v) for v in found.arrays().values() if np.asarray(v).dtype.kind == "f"])
