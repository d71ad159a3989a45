"""Fine-tuning on a class's drawings (cnn/training/fine_tune.py), with real MNIST and the shipped model:
it learns the class's handwriting without forgetting MNIST, and the result waits as a candidate
that is adopted atomically or discarded."""

import os
import shutil

import numpy as np
import pytest
from scipy import ndimage

from classwall.dataset import held_out
from cnn.files.card import read_card
from cnn.files.snapshots import snapshot_path_for
from cnn.training.fine_tune import (
    adopt_candidate,
    candidate_path_for,
    discard_candidate,
    fine_tune,
    model_signature,
    pending_candidate,
    save_candidate,
)
from cnn.training.model import ModelFileError, load_model

pytestmark = pytest.mark.slow  # every test here fine-tunes with Keras


def slanted_class(mnist, count=200, angle=45):
    """A class that writes every digit slanted by `angle` degrees: the shipped model reads
    about three in four of these right."""
    source = (mnist.x_test[5000 : 5000 + count, ..., 0] * 255).astype(np.uint8)
    images = np.stack([ndimage.rotate(image, angle, reshape=False, order=1) for image in source]).astype(np.uint8)
    return images, mnist.y_test[5000 : 5000 + count], np.arange(1, count + 1)


@pytest.fixture(scope="module")
def tuned(shipped_model, mnist):
    images, labels, ids = slanted_class(mnist)
    return fine_tune(shipped_model, images, labels, ids, held_out(ids), mnist)


def test_fine_tuning_learns_the_class_and_keeps_mnist(tuned):
    report = tuned.report
    assert report.held_out == 40 and report.trained_on == 160
    assert report.class_before < 0.9
    assert report.class_after >= report.class_before + 0.1
    assert report.mnist_after >= 0.985
    assert report.fixed_ids and set(report.fixed_ids) <= set(range(5, 201, 5))  # held-out ones only


def test_too_few_drawings_are_refused(shipped_model, mnist):
    images, labels, ids = slanted_class(mnist, count=6)
    with pytest.raises(ValueError, match="at least"):
        fine_tune(shipped_model, images, labels, ids, held_out(ids), mnist)


def test_the_candidate_waits_then_is_adopted_or_discarded(tuned, model_copy):
    before = model_copy.read_bytes()
    save_candidate(tuned, model_copy, model_signature(model_copy))
    assert model_copy.read_bytes() == before  # nothing changes until someone chooses
    waiting = pending_candidate(model_copy)
    assert waiting.class_after == tuned.report.class_after and waiting.fixed_ids == tuned.report.fixed_ids
    discard_candidate(model_copy)
    assert pending_candidate(model_copy) is None and not candidate_path_for(model_copy).exists()

    save_candidate(tuned, model_copy, model_signature(model_copy))
    adopt_candidate(model_copy)
    assert model_copy.read_bytes() != before and pending_candidate(model_copy) is None
    adopted = load_model(model_copy)
    assert all(np.array_equal(a, b) for a, b in zip(adopted.get_weights(), tuned.model.get_weights(), strict=True))
    card = read_card(model_copy.with_suffix(".json"))
    assert card.test_accuracy == tuned.report.mnist_after and "fine-tuned on 160 class drawings" in card.data_source
    assert card.shift_accuracy == tuned.report.shift_accuracy and set(card.shift_accuracy) == {"0", "2", "4", "6"}
    assert not snapshot_path_for(model_copy).exists()  # they showed how the old weights were learned
    with pytest.raises(ValueError, match="no fine-tuned model waiting"):
        adopt_candidate(model_copy)  # a second press, from another tab


def test_a_candidate_older_than_the_model_in_use_is_refused(tuned, model_copy):
    save_candidate(tuned, model_copy, model_signature(model_copy))
    shutil.copy(model_copy, model_copy.with_name("retrained.keras"))
    os.replace(model_copy.with_name("retrained.keras"), model_copy)  # a retrain lands meanwhile
    after_retrain = model_copy.read_bytes()
    with pytest.raises(ValueError, match="replaced after this fine-tune"):
        adopt_candidate(model_copy)
    assert model_copy.read_bytes() == after_retrain


def test_a_broken_candidate_never_replaces_the_model(tuned, model_copy):
    before = model_copy.read_bytes()
    save_candidate(tuned, model_copy, model_signature(model_copy))
    candidate_path_for(model_copy).write_bytes(b"not a model")
    with pytest.raises(ModelFileError):
        adopt_candidate(model_copy)
    assert model_copy.read_bytes() == before
