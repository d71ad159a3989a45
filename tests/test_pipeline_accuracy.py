"""The whole pipeline on 1000 real MNIST test digits re-drawn at random size and position."""

import numpy as np

from cnn.net.preprocess import plain_resize, preprocess
from harness.canvas_sim import random_drawing


def test_redrawn_test_digits_are_read_correctly(mnist, extractor):
    rng = np.random.default_rng(2026)
    digits, labels = mnist.x_test[:1000, ..., 0], mnist.y_test[:1000]
    canvases = [random_drawing(digit, rng, min_scale=0.4, max_scale=1.0) for digit in digits]
    prepared = [preprocess(canvas) for canvas in canvases]
    assert not any(p.is_empty for p in prepared)
    predicted = extractor.probabilities(np.stack([p.image for p in prepared])).argmax(axis=1)
    accuracy = (predicted == labels).mean()
    assert accuracy >= 0.98, accuracy
    naive = extractor.probabilities(np.stack([plain_resize(c) for c in canvases])).argmax(axis=1)
    assert (naive == labels).mean() < accuracy - 0.2  # preprocessing is what makes it work
