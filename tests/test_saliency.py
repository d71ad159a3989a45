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


def test_the_overlay_shows_the_digit_where_cold_and_the_heat_where_hot():
    image = np.zeros((28, 28), np.float32)
    image[:, 10:14] = 1.0  # a bar of ink
    heat = np.zeros((28, 28), np.float32)
    heat[:5, :] = 1.0  # the top rows are what the class reads
    picture = heat_overlay(image, heat, size=252)
    assert picture.shape == (252, 252, 3) and picture.dtype == np.uint8
    cell = lambda row, column: picture[row * 9 + 4, column * 9 + 4]  # noqa: E731 - one 9x9 block per input pixel
    # Cold: the input in grey, ink brighter than background, no colour cast.
    ink, background = cell(20, 11), cell(20, 2)
    assert ink[0] == ink[1] == ink[2] and background[0] == background[1] == background[2]
    assert ink[0] > background[0] + 100
    # Hot: the colour map's hottest colour (inferno's pale yellow) whatever lies under it.
    assert np.array_equal(cell(2, 11), cell(2, 2))
    assert cell(2, 2)[0] > 200 and cell(2, 2)[2] < cell(2, 2)[0]
