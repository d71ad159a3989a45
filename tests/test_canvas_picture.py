"""The canvas's picture handed to preprocessing as one grey channel (ui/canvas.py drawn_picture):
the same input, steps and guards as the RGBA picture the canvas returns, on MNIST test digits
drawn as the canvas draws them (white on opaque black) and on the guard cases."""

import numpy as np

from cnn.net.preprocess import preprocess
from harness.canvas_sim import random_drawing
from ui.canvas import drawn_picture


def test_one_channel_preprocesses_as_the_whole_rgba_picture(mnist):
    rng = np.random.default_rng(21)
    for digit in mnist.x_test[:200, ..., 0]:
        rgba = random_drawing(digit, rng)
        whole, grey = preprocess(rgba), preprocess(drawn_picture(rgba))
        assert grey.status == whole.status
        assert grey.crop_box == whole.crop_box and grey.shift == whole.shift
        np.testing.assert_allclose(grey.image, whole.image, atol=1e-6)
        np.testing.assert_allclose(grey.ink, whole.ink, atol=1e-6)


def test_the_guards_say_the_same():
    blank = np.zeros((280, 280, 4), np.uint8)
    blank[..., 3] = 255
    speck, full = blank.copy(), blank.copy()
    speck[140:143, 140:143, :3] = 255
    full[..., :3] = 255
    for rgba in (blank, speck, full):
        assert preprocess(drawn_picture(rgba)).status == preprocess(rgba).status != "ok"
