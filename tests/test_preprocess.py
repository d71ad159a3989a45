"""MNIST-style preprocessing: pure logic, fast, plus real MNIST digits re-drawn on a canvas."""

import numpy as np
import pytest
from scipy import ndimage

from cnn.net.preprocess import CENTRE, DIGIT_BOX, ink_strength, plain_resize, preprocess
from harness.canvas_sim import CANVAS_SIZE, draw_on_canvas


def blank_canvas(colour=0, size=CANVAS_SIZE):
    canvas = np.full((size, size, 4), colour, dtype=np.uint8)
    canvas[..., 3] = 255  # the canvas component paints its background opaque
    return canvas


def bar_canvas():
    canvas = blank_canvas()
    canvas[40:240, 60:90, :3] = 255  # a tall white stroke: a "1", off-centre to the left
    return canvas


def test_output_is_28x28_in_unit_range_with_mnist_geometry():
    result = preprocess(bar_canvas())
    assert result.status == "ok" and not result.is_empty
    assert result.image.shape == (28, 28) and result.image.dtype == np.float32
    assert 0.0 <= result.image.min() and result.image.max() <= 1.0
    assert result.crop_box == (60, 40, 90, 240)
    assert max(result.digit.shape) == DIGIT_BOX  # longest side scaled to 20, aspect ratio kept
    assert result.digit.shape == (20, 3)
    assert np.allclose(ndimage.center_of_mass(result.image), CENTRE, atol=0.5)


@pytest.mark.parametrize("place", [(0, 0), (200, 10), (100, 190)])
def test_position_on_the_canvas_does_not_matter(place):
    left, top = place
    digit = np.zeros((28, 28), np.float32)
    digit[6:22, 12:16] = 1.0
    digit[6:10, 8:20] = 1.0
    results = [preprocess(draw_on_canvas(digit, 0.3, x, y)).image for x, y in [(90, 90), (left, top)]]
    np.testing.assert_allclose(results[0], results[1], atol=1e-5)


@pytest.mark.parametrize(
    "style",
    [
        "light-on-dark",
        "dark-on-light",
        "rgb",
        "grey",
        "grey-float",
        "transparent-black-ink",
        "transparent-white-ink",
        "uint16",
    ],
)
def test_ink_colour_is_read_from_the_picture(style):
    canvas = bar_canvas()
    ink = canvas[..., 0].astype(np.float32) / 255
    pictures = {
        "light-on-dark": canvas,
        "dark-on-light": 255 - canvas[..., :3],
        "rgb": np.where(ink[..., None] > 0, [200, 30, 30], [250, 250, 240]).astype(np.uint8),
        "grey": canvas[..., 0],
        "grey-float": ink,
        "transparent-black-ink": np.dstack([np.zeros((280, 280, 3), np.uint8), canvas[..., 0]]),
        "transparent-white-ink": np.dstack([np.full((280, 280, 3), 255, np.uint8), canvas[..., 0]]),
        "uint16": (ink * 65535).astype(np.uint16),
    }
    reference = preprocess(canvas).image
    result = preprocess(pictures[style])
    assert result.status == "ok"
    np.testing.assert_allclose(result.image, reference, atol=0.02)


def test_any_canvas_size():
    small, large = blank_canvas(size=100), blank_canvas(size=600)
    small[20:80, 45:55, :3] = 255
    large[120:480, 270:330, :3] = 255
    a, b = preprocess(small), preprocess(large)
    assert a.status == b.status == "ok"
    np.testing.assert_allclose(a.image, b.image, atol=0.1)


def test_nothing_drawn_is_blank():
    result = preprocess(blank_canvas())
    assert result.is_empty and result.status == "blank" and result.image is None
    assert "nothing" in result.message.lower()


def test_a_single_dot_is_too_little_ink():
    canvas = blank_canvas()
    canvas[140:150, 140:150, :3] = 255  # one click with a 10 px brush
    result = preprocess(canvas)
    assert result.is_empty and result.status == "too_small"


def test_a_thin_short_line_is_too_small_but_a_long_one_is_read():
    short, long = blank_canvas(), blank_canvas()
    short[140:143, 140:150, :3] = 255
    long[140:150, 30:250, :3] = 255
    assert preprocess(short).status == "too_small"
    assert preprocess(long).status == "ok"


def test_canvas_scribbled_all_over():
    rng = np.random.default_rng(0)
    canvas = blank_canvas()
    canvas[20:260, 20:260, :3] = (rng.random((240, 240, 1)) > 0.2) * 255
    result = preprocess(canvas)
    assert result.status == "all_ink" and result.is_empty


def test_a_canvas_that_is_all_ink_has_no_digit():
    canvas = blank_canvas()
    canvas[12:-12, 12:-12, :3] = 255  # painted over up to a rim of background: 84% ink
    result = preprocess(canvas)
    assert result.status == "all_ink" and result.is_empty
    assert result.crop_box == (12, 12, CANVAS_SIZE - 12, CANVAS_SIZE - 12)


def test_a_picture_that_is_white_all_over_is_an_empty_light_page():
    # No border to tell ink from paper: a white page with nothing on it, like a blank photo.
    assert preprocess(blank_canvas(colour=255)).status == "blank"


@pytest.mark.parametrize("shape", [(280,), (280, 280, 2), (1, 1), (0, 0, 4)])
def test_pictures_of_impossible_shape_are_refused_clearly(shape):
    with pytest.raises(ValueError, match="picture"):
        preprocess(np.zeros(shape, np.uint8))


def test_nan_and_out_of_range_floats_do_not_break_it():
    picture = np.zeros((100, 100), np.float32)
    picture[10:90, 45:55] = np.nan
    picture[10:90, 40:45] = 300.0
    ink = ink_strength(picture)
    assert not np.isnan(ink).any() and ink.max() <= 1.0
    result = preprocess(picture)
    # NaN is no ink; 300 is full ink: what is left is the 5-pixel-wide bar, read as a "1".
    assert result.status == "ok"
    assert result.crop_box == (40, 10, 45, 90)


def test_plain_resize_is_28x28():
    assert plain_resize(bar_canvas()).shape == (28, 28)


def test_small_off_centre_mnist_digit_comes_back_close_to_the_original(mnist):
    original = mnist.x_test[0, ..., 0]  # a 7
    canvas = draw_on_canvas(original, scale=0.35, left=170, top=12)
    result = preprocess(canvas)
    correlation = np.corrcoef(result.image.ravel(), original.ravel())[0, 1]
    assert correlation > 0.9
    naive = np.corrcoef(plain_resize(canvas).ravel(), original.ravel())[0, 1]
    assert naive < 0.5  # the plain resize is nothing like it: that is why preprocessing exists
