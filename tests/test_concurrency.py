"""One model serves every session: its calls must be safe from many threads at once, and a
reload in the middle must not hand anyone a half-loaded model. One training per server."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from cnn.files.mnist import load_mnist
from cnn.jobs.training_job import AlreadyTraining, TrainingJob
from cnn.serving.model_store import ModelStore
from cnn.training.model import build_model, save_model_atomically
from cnn.training.train import TrainConfig
from tests.support import copy_shipped_model, make_mnist_arrays


def test_extractor_gives_the_same_answers_from_many_threads(extractor, mnist):
    images = mnist.x_test[:64, ..., 0]
    expected = [extractor.run(image) for image in images]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(extractor.run, list(images) * 4))
    for index, result in enumerate(results):
        reference = expected[index % len(images)]
        np.testing.assert_array_equal(result.probabilities, reference.probabilities)
        np.testing.assert_array_equal(result.maps["conv2"], reference.maps["conv2"])


def test_sessions_keep_getting_whole_models_while_the_file_is_replaced(tmp_path):
    path = copy_shipped_model(tmp_path)
    store = ModelStore(path)
    store.current()
    image = np.zeros((28, 28), np.float32)
    failures, versions = [], set()
    stop = threading.Event()

    def session():
        while not stop.is_set():
            try:
                loaded = store.current()
                probabilities = loaded.extractor.run(image).probabilities
                assert probabilities.shape == (10,) and abs(probabilities.sum() - 1) < 1e-4
                versions.add(loaded.version)
            except Exception as error:  # noqa: BLE001 - any failure is what the test looks for
                failures.append(repr(error))

    threads = [threading.Thread(target=session) for _ in range(8)]
    for thread in threads:
        thread.start()
    for _ in range(3):
        save_model_atomically(build_model(), path)
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []
    assert max(versions) >= 2  # sessions moved on to newer files while they kept predicting
    final = store.current()  # and the store ends on the last file written
    from cnn.training.model import load_model

    np.testing.assert_allclose(
        final.extractor.probabilities(image), load_model(path)(image[None, ..., None]).numpy(), atol=1e-6
    )


@pytest.mark.slow
def test_two_presses_at_the_same_moment_start_exactly_one_training(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, **make_mnist_arrays(train=400, test=20))
    data = load_mnist(path)
    job = TrainingJob(tmp_path / "model.keras", load_data=lambda: data)
    barrier = threading.Barrier(8)
    outcomes = []

    def press(name):
        barrier.wait()
        try:
            job.start(TrainConfig(epochs=30, batch_size=8), started_by=name)
            outcomes.append("started")
        except AlreadyTraining:
            outcomes.append("refused")

    threads = [threading.Thread(target=press, args=(f"session {i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 7 + ["started"]
    assert job.cancel()
    job.wait(timeout=60)


@pytest.mark.slow
def test_a_corrupt_mnist_file_fails_the_job_before_training(tmp_path, monkeypatch):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    monkeypatch.setenv("MNIST_NPZ", str(bad))
    job = TrainingJob(tmp_path / "model.keras")  # the real loader, reading MNIST_NPZ
    job.start(TrainConfig(epochs=1))
    status = job.wait(timeout=30)
    assert status.state == "failed" and "truncated or corrupt" in status.message
    assert status.progress is None  # not a single batch ran
    assert not os.path.exists(tmp_path / "model.keras")


@pytest.mark.parametrize("threads", [4])
def test_model_store_loads_once_when_many_sessions_start_together(tmp_path, threads, monkeypatch):
    import cnn.serving.model_store as model_store

    path = copy_shipped_model(tmp_path)
    loads = []
    real_load = model_store.load_network
    monkeypatch.setattr(model_store, "load_network", lambda p: loads.append(p) or real_load(p))
    store = ModelStore(path)
    barrier = threading.Barrier(threads)

    def first_visit(_):
        barrier.wait()
        return store.current()

    with ThreadPoolExecutor(threads) as pool:
        models = list(pool.map(first_visit, range(threads)))
    assert len(loads) == 1 and len({id(m) for m in models}) == 1
