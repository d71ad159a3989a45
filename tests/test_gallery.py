"""Test digits as inputs: picking by class, avoiding a repeat, and the model's mistakes."""

import numpy as np

from cnn.net.preprocess import as_model_input
from cnn.serving.gallery import GalleryDigits, pick_other


def test_pick_by_class_and_never_the_same_twice(mnist):
    digits = GalleryDigits(mnist)
    rng = np.random.default_rng(0)
    picks = [digits.pick(rng, 5)]
    for _ in range(20):
        picks.append(digits.pick(rng, 5, avoid=picks[-1]))
    assert all(digits.labels[i] == 5 for i in picks)
    assert all(a != b for a, b in zip(picks, picks[1:], strict=False))
    assert pick_other(rng, np.array([4]), avoid=4) == 4  # the only one there is


def test_misclassified_are_exactly_the_models_mistakes(mnist, extractor):
    digits = GalleryDigits(mnist)
    wrong = digits.misclassified(extractor)
    predicted = extractor.probabilities(mnist.x_test).argmax(axis=1)
    np.testing.assert_array_equal(wrong, np.flatnonzero(predicted != mnist.y_test))
    assert 0 < len(wrong) < 100  # a ~99% model
    assert digits.predicted(extractor) is digits.predicted(extractor)  # worked out once per model
    matrix = digits.confusion(extractor)
    assert matrix.sum() == len(mnist.y_test) and np.trace(matrix) == len(mnist.y_test) - len(wrong)
    assert matrix.sum(axis=1).tolist() == np.bincount(mnist.y_test, minlength=10).tolist()


def test_test_digits_go_to_the_model_unchanged(mnist):
    image = mnist.x_test[7, ..., 0]
    prepared = as_model_input(image)
    np.testing.assert_array_equal(prepared.image, image)
    assert as_model_input(np.zeros((28, 28))).is_empty
