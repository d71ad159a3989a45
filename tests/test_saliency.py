"""Saliency: where the answer comes from."""

import numpy as np

from cnn.net.saliency import saliency
from display.render import heat_overlay


def test_saliency_sits_on_and_around_the_ink(shipped_network, mnist):
    inside, outside = [], []
    for index in range(20):
        image = mnist.x_test[index, ..., 0]
        heat = saliency(shipped_network, image, int(mnist.y_test[index]))
        assert heat.shape == (28, 28) and heat.min() >= 0 and heat.max() == 1.0
        near_ink = np.zeros_like(image, bool)
        rows, cols = np.nonzero(image > 0.2)
        for r, c in zip(rows, cols, strict=True):
            near_ink[max(0, r - 2) : r + 3, max(0, c - 2) : c + 3] = True
        inside.append(heat[near_ink].mean())
        outside.append(heat[~near_ink].mean())
    assert np.mean(inside) > 2 * np.mean(outside)


def test_saliency_depends_on_the_class_asked_about(shipped_network, mnist):
    image = mnist.x_test[0, ..., 0]
    assert not np.allclose(saliency(shipped_network, image, 7), saliency(shipped_network, image, 1))


def test_overlay_is_an_enlarged_rgb_picture():
    picture = heat_overlay(np.zeros((28, 28), np.float32), np.ones((28, 28), np.float32), size=252)
    assert picture.shape == (252, 252, 3) and picture.dtype == np.uint8
