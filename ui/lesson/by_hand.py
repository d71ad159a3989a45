"""The lesson's steps done by hand: the digit as numbers, the notebook's worked convolution, the
same operation with a learned filter on the student's digit, and max pooling on a patch of it.
All numbers come from the network's own code (cnn/net/network.py: valid_convolution, max_pool;
cnn/net/convolution.py), never typed in.

Session state it owns: `lesson_position`, `lesson_playing`, `lesson_play_started`, `lesson_edit`,
`lesson_image_edit`, `lesson_filter_edit`, `lesson_filter`.
"""

import numpy as np
import streamlit as st

from cnn.net.convolution import convolution_step
from cnn.net.network import max_pool, valid_convolution
from display.lesson import grey_shade, matrix_svg, number_text, signed_shade
from ui.lesson.digit import draw_digit_ui, kept_reading, no_digit_ui
from ui.lesson.frame import Lesson

# The seed notebook's example (its figure from Ujjwal Karn's "An Intuitive Explanation of
# Convolutional Neural Networks"): a 5x5 binary image and a 3x3 filter.
SEED_IMAGE = np.array(
    [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]], dtype=np.int64
)
SEED_FILTER = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.int64)
_BINARY = grey_shade(1.0)


def _svg(markup: str) -> None:
    st.markdown(markup, unsafe_allow_html=True)


def matrix_step(lesson: Lesson) -> None:
    draw_column, numbers_column = st.columns([1, 1.6], gap="medium")
    with draw_column:
        st.markdown("Draw a digit. The network never sees strokes: only a grid of numbers.")
        prepared = draw_digit_ui(lesson.loaded)
    with numbers_column:
        if prepared is None:
            st.markdown(
                "**An image is a matrix of numbers.** A greyscale picture is a grid of pixels, each a "
                "number from 0 (black) to 255 (white). Draw on the left to see yours."
            )
            return
        values = np.round(prepared.image * 255)
        _svg(matrix_svg(values, "Your digit as 28 by 28 numbers from 0 to 255", max_width=430))
        st.caption(
            f"Your digit as the network receives it: 28 x 28 = 784 numbers from 0 (black) to 255 (white); "
            f"{int((values > 0).sum())} of them are ink. Hover a pixel for its value. (The network divides "
            "each by 255, so it works with 0 to 1.)"
        )


def seed_feature(image: np.ndarray = SEED_IMAGE, kernel: np.ndarray = SEED_FILTER) -> np.ndarray:
    """The convolved feature of the worked example, by the network's own convolution."""
    return np.rint(valid_convolution(image, kernel)).astype(np.int64)


def _products_line(image: np.ndarray, kernel: np.ndarray, row: int, column: int) -> str:
    step = convolution_step(
        image.astype(np.float64), kernel[:, :, None, None].astype(np.float64), np.zeros(1), row, column, 0
    )
    terms = " + ".join(
        f"{number_text(p)}×{number_text(k)}" for p, k in zip(step.patch.ravel(), step.kernel.ravel(), strict=True)
    )
    return f"{terms} = **{number_text(step.pre_activation)}**"


def seed_convolution_step(lesson: Lesson) -> None:
    edit_column, play_column = st.columns([4, 1], vertical_alignment="center")
    editing = edit_column.toggle("Your turn: change the image and the filter", key="lesson_edit")
    play_column.button(
        "Play", on_click=_play, key="lesson_play", width="stretch", help="Slide the filter over the image"
    )
    if editing:
        image, kernel = _edited_example()
    else:
        image, kernel = SEED_IMAGE, SEED_FILTER
    playing = st.session_state.get("lesson_playing", False)
    # While playing, only this part reruns, on a timer, one filter position a tick (the notebook's animation).
    st.fragment(_stepped_example, run_every=PLAY_SECONDS if playing else None)(image, kernel)


PLAY_SECONDS = 0.9


def _play() -> None:
    st.session_state.lesson_playing = True
    st.session_state.lesson_position = 1
    st.session_state.lesson_play_started = False


def _stepped_example(image: np.ndarray, kernel: np.ndarray) -> None:
    feature = seed_feature(image, kernel)
    size = feature.shape[0]
    if st.session_state.get("lesson_playing"):
        if st.session_state.get("lesson_play_started"):  # a tick: the next position
            st.session_state.lesson_position = min(st.session_state.get("lesson_position", 1) + 1, size * size)
        st.session_state.lesson_play_started = True
    position = st.slider("Filter position", 1, size * size, 1, key="lesson_position") - 1
    if st.session_state.get("lesson_playing") and position == size * size - 1:
        st.session_state.lesson_playing = False
        st.rerun()  # the whole step again, without the timer: shows the last position and stops
    row, column = divmod(position, size)
    shown = np.full(feature.shape, np.nan)
    shown.flat[: position + 1] = feature.flat[: position + 1]
    image_column, filter_column, feature_column = st.columns([5, 3.4, 3.4], gap="medium")
    with image_column:
        st.markdown("**Image** (5 x 5)")
        _svg(matrix_svg(image, "The 5 by 5 image", shade=_BINARY, outline=(row, column, 3), max_width=260))
    with filter_column:
        st.markdown("**Filter** (3 x 3)")
        _svg(matrix_svg(kernel, "The 3 by 3 filter", shade=_BINARY, max_width=160))
    with feature_column:
        st.markdown("**Convolved feature**")
        _svg(
            matrix_svg(
                shown,
                "The convolved feature, filled in up to this position",
                shade=_feature_shade(feature),
                marked=(row, column),
                max_width=160,
            )
        )
    st.markdown(
        f"Position {position + 1} of {size * size}: the filter over rows {row + 1}-{row + 3}, columns "
        f"{column + 1}-{column + 3}. Multiply each pixel by the filter's number under it and add up: "
        + _products_line(image, kernel, row, column)
    )


def _feature_shade(feature: np.ndarray):
    top = float(np.abs(feature).max()) or 1.0
    grey = signed_shade(top)

    def shade(value: float) -> tuple[str, str]:
        return ("#f4f4f4", "#f4f4f4") if np.isnan(value) else grey(value)

    return shade


def _edited_example() -> tuple[np.ndarray, np.ndarray]:
    """The student's own 5x5 image and 3x3 filter, starting from the notebook's."""
    image_column, filter_column = st.columns([5, 3.4])
    image = image_column.data_editor(
        [dict(zip("abcde", map(int, row), strict=True)) for row in SEED_IMAGE],
        key="lesson_image_edit",
        hide_index=True,
    )
    kernel = filter_column.data_editor(
        [dict(zip("abc", map(int, row), strict=True)) for row in SEED_FILTER],
        key="lesson_filter_edit",
        hide_index=True,
    )
    return _as_matrix(image, 5), _as_matrix(kernel, 3)


def _as_matrix(rows, size: int) -> np.ndarray:
    values = np.array([[row.get(k) for k in "abcde"[:size]] for row in rows], dtype=np.float64)
    return np.nan_to_num(values).round().astype(np.int64)


def strongest_channel(maps: np.ndarray) -> int:
    return int(np.argmax(maps.reshape(-1, maps.shape[-1]).max(axis=0)))


def learned_filter_step(lesson: Lesson) -> None:
    reading = kept_reading(lesson.loaded)
    if reading is None:
        no_digit_ui()
        return
    loaded = lesson.loaded
    name = loaded.first_conv
    kernels, biases = loaded.kernel(name)
    maps = reading.maps[name]
    count = kernels.shape[-1]
    channel = (
        st.slider(
            f"One of {name}'s {count} learned filters", 1, count, strongest_channel(maps) + 1, key="lesson_filter"
        )
        - 1
    )
    kernel = kernels[:, :, 0, channel]
    feature = np.maximum(valid_convolution(reading.image, kernel) + biases[channel], 0)
    row, column = np.unravel_index(int(np.argmax(feature)), feature.shape)
    step = convolution_step(reading.image, kernels, biases, int(row), int(column), channel)
    filter_column, input_column, map_column = st.columns([1, 1.4, 1.4], gap="medium")
    with filter_column:
        st.markdown(f"**Filter {channel + 1}**, learned")
        limit = float(np.abs(kernel).max()) or 1.0
        _svg(
            matrix_svg(
                np.round(kernel, 2),
                f"Filter {channel + 1} of {name}: 3 by 3 weights",
                shade=signed_shade(limit),
                max_width=200,
            )
        )
        st.caption(f"bias {biases[channel]:+.2f}; red adds, blue subtracts")
    with input_column:
        st.markdown("**Your digit** (28 x 28)")
        _svg(
            matrix_svg(
                reading.image,
                "Your digit, with the filter's window",
                outline=(int(row), int(column), 3),
                numbers=False,
                max_width=300,
            )
        )
    with map_column:
        st.markdown(f"**Its feature map** ({feature.shape[0]} x {feature.shape[1]})")
        _svg(
            matrix_svg(
                feature,
                f"The feature map filter {channel + 1} makes of your digit",
                marked=(int(row), int(column)),
                numbers=False,
                max_width=300,
            )
        )
    st.markdown(
        f"The same operation as the 5 x 5 example, with numbers the network learned: at the brightest "
        f"point (row {row + 1}, column {column + 1}) the 9 pixels times the 9 weights add up to "
        f"{step.pre_activation - step.bias:.2f}, plus the bias {step.bias:+.2f}, = {step.pre_activation:.2f}; "
        f"ReLU keeps it: **{step.output:.2f}**. Negative sums become 0: dark in the map."
    )


def pooling_patch(feature: np.ndarray) -> tuple[int, int]:
    """The top-left corner (even, so it lines up with the pooling windows) of the 4x4 patch of
    `feature` with the most activation."""
    best, corner = -1.0, (0, 0)
    for r in range(0, feature.shape[0] - 3, 2):
        for c in range(0, feature.shape[1] - 3, 2):
            total = float(feature[r : r + 4, c : c + 4].sum())
            if total > best:
                best, corner = total, (r, c)
    return corner


def pooling_step(lesson: Lesson) -> None:
    reading = kept_reading(lesson.loaded)
    if reading is None:
        no_digit_ui()
        return
    name = lesson.loaded.first_conv
    maps = reading.maps[name]
    channel = strongest_channel(maps)
    feature = maps[:, :, channel]
    row, column = pooling_patch(feature)
    patch = np.round(feature[row : row + 4, column : column + 4], 2)
    pooled = max_pool(feature[row : row + 4, column : column + 4], 2)
    map_column, patch_column, pooled_column = st.columns([1.3, 1.3, 1], gap="medium")
    with map_column:
        st.markdown(f"**Map {channel + 1} of {name}** on your digit")
        _svg(
            matrix_svg(
                feature,
                f"Feature map {channel + 1} of {name}, with a 4 by 4 patch outlined",
                outline=(row, column, 4),
                numbers=False,
                max_width=300,
            )
        )
    limit = float(patch.max()) or 1.0
    with patch_column:
        st.markdown("**A 4 x 4 patch of it**")
        _svg(matrix_svg(patch, "The 4 by 4 patch, in four 2 by 2 windows", shade=grey_shade(limit), max_width=240))
    with pooled_column:
        st.markdown("**Max pooled** (2 x 2)")
        _svg(
            matrix_svg(
                np.round(pooled, 2), "The largest value of each 2 by 2 window", shade=grey_shade(limit), max_width=130
            )
        )
    st.markdown(
        "MaxPooling2D((2, 2)) keeps the largest of every 2 x 2 window: a quarter of the numbers, and a "
        "feature that moves by a pixel still comes out the same. Over the whole map: "
        f"{feature.shape[0]} x {feature.shape[1]} becomes {feature.shape[0] // 2} x {feature.shape[1] // 2}."
    )
