"""The dense net the convnet is compared with: the shipped one loads, reads clear digits like the
convnet does, and trains in the background like the convnet, one training at a time."""

import numpy as np
import pytest

from cnn import DEFAULT_MLP_PATH
from cnn.files.card import read_card
from cnn.files.mnist import load_mnist
from cnn.jobs.training_job import SUCCEEDED, AlreadyTraining, TrainingJob
from cnn.net.features import FeatureExtractor
from cnn.net.network import load_network
from cnn.serving.model_store import ModelStore
from cnn.training.model import load_model
from cnn.training.train import TrainConfig
from tests.support import copy_shipped_dense_net, copy_shipped_model, make_mnist_arrays


@pytest.fixture(scope="module")
def dense_extractor():
    return FeatureExtractor(load_network(DEFAULT_MLP_PATH))


def test_both_networks_agree_on_clear_digits(extractor, dense_extractor, mnist):
    images, labels = mnist.x_test[:500], mnist.y_test[:500]
    conv = extractor.probabilities(images)
    dense = dense_extractor.probabilities(images)
    clear = conv.max(axis=1) > 0.99  # digits the convnet is sure of
    assert clear.sum() > 450
    agree = conv.argmax(axis=1)[clear] == dense.argmax(axis=1)[clear]
    assert agree.mean() > 0.97
    assert (dense.argmax(axis=1) == labels).mean() > 0.95


def test_the_dense_net_has_more_parameters_and_a_lower_test_accuracy(shipped_model):
    from cnn import DEFAULT_MODEL_PATH

    conv_card, dense_card = (
        read_card(DEFAULT_MODEL_PATH.with_suffix(".json")),
        read_card(DEFAULT_MLP_PATH.with_suffix(".json")),
    )
    dense = load_model(DEFAULT_MLP_PATH)
    assert dense_card.parameters == dense.count_params() > 4 * shipped_model.count_params()
    assert dense_card.test_accuracy < conv_card.test_accuracy
    for distance in ("2", "4", "6"):  # and it breaks sooner when the digit moves
        assert dense_card.shift_accuracy[distance] < conv_card.shift_accuracy[distance]


def test_the_dense_net_goes_through_the_model_store(dense_extractor, mnist):
    loaded = ModelStore(DEFAULT_MLP_PATH).current()
    assert loaded.extractor.layer_names == ()  # no feature maps to show
    reading = loaded.extractor.run(mnist.x_test[0, ..., 0])
    assert reading.maps == {} and reading.dense.shape == (512,)
    assert reading.digit == int(mnist.y_test[0])
    assert loaded.kernel("dense")[0].shape == (784, 512)


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, **make_mnist_arrays(train=400, test=40))
    return load_mnist(path)


@pytest.mark.slow
def test_retraining_the_dense_net_replaces_it_and_leaves_the_convnet(tmp_path, data):
    conv, dense = copy_shipped_model(tmp_path), copy_shipped_dense_net(tmp_path)
    conv_before = conv.read_bytes()
    job = TrainingJob(conv, load_data=lambda: data, mlp_path=dense)
    probe = data.x_test[5, ..., 0]
    job.start(TrainConfig(epochs=1, batch_size=16, arch="mlp"), probe=probe)
    with pytest.raises(AlreadyTraining):  # one training at a time, whichever network
        job.start(TrainConfig(epochs=1))
    status = job.wait(timeout=120)
    assert status.state == SUCCEEDED
    assert status.snapshots and status.snapshots[0].step == 0  # what the live progress shows
    assert read_card(dense.with_suffix(".json")).train_samples == 400
    assert conv.read_bytes() == conv_before


def test_a_job_without_a_dense_net_path_refuses_to_train_one(tmp_path, data):
    job = TrainingJob(tmp_path / "model.keras", load_data=lambda: data)
    with pytest.raises(ValueError, match="dense net"):
        job.start(TrainConfig(arch="mlp"))
