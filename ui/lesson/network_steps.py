"""The lesson's steps about the network as a whole: the notebook's Keras cell beside what
`model.summary()` prints for the shipped model, and what each layer extracts from the student's
digit.

Session state it owns: `lesson_layer`.
"""

import numpy as np
import streamlit as st

from cnn.net.anatomy import LayerAnatomy, anatomy
from display.captions import layer_story
from display.lesson import maps_grid
from display.render import png_bytes
from ui.lesson.digit import kept_reading, no_digit_ui
from ui.lesson.frame import Lesson

KERAS_CELL = """from keras import layers, models

model = models.Sequential()
model.add(layers.Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(64, (3, 3), activation='relu'))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(64, (3, 3), activation='relu'))
model.add(layers.Flatten())
model.add(layers.Dense(64, activation='relu'))
model.add(layers.Dense(10, activation='softmax'))
model.summary()"""


def summary_text(layers: list[LayerAnatomy], total: int) -> str:
    """What Keras' model.summary() prints, from the model file the page serves."""
    lines = [f"{'Layer (type)':<28}{'Output Shape':<22}{'Param #':>9}", "=" * 59]
    for layer in layers:
        shape = "(None, " + ", ".join(str(d) for d in layer.shape) + ")"
        lines.append(f"{f'{layer.name} ({layer.kind})':<28}{shape:<22}{layer.parameters:>9,}")
    lines += ["=" * 59, f"Total params: {total:,}", f"Trainable params: {total:,}", "Non-trainable params: 0"]
    return "\n".join(lines)


def keras_step(lesson: Lesson) -> None:
    code_column, summary_column = st.columns(2, gap="medium")
    with code_column:
        st.markdown("**The notebook's cell**: the convnet in a few lines of Keras")
        st.code(KERAS_CELL, language="python")
    with summary_column:
        st.markdown("**What `model.summary()` prints** for the model this page uses")
        st.code(summary_text(anatomy(lesson.loaded.network), lesson.loaded.parameters), language=None)
    st.caption(
        "Each Conv2D has (3 x 3 x inputs + 1) x filters parameters: conv1 (3 x 3 x 1 + 1) x 32 = 320. "
        "The pooling and Flatten layers learn nothing; most parameters sit in the first Dense layer."
    )


def maps_step(lesson: Lesson) -> None:
    reading = kept_reading(lesson.loaded)
    if reading is None:
        no_digit_ui()
        return
    convs = [layer for layer in lesson.loaded.layers if layer.kind == "Conv2D" and layer.name in reading.maps]
    chosen = st.radio(
        "Layer", [layer.name for layer in convs], horizontal=True, key="lesson_layer", label_visibility="collapsed"
    )
    layer = next(layer for layer in convs if layer.name == chosen)
    maps = reading.maps[layer.name]
    columns = 8 if maps.shape[-1] <= 32 else 16
    picture = maps_grid(maps, columns=columns, scale=max(1, 70 // maps.shape[0]))
    picture_column, words_column = st.columns([2.2, 1], gap="medium")
    picture_column.image(
        png_bytes(picture),
        output_format="PNG",
        width="stretch",
        alt=f"The {maps.shape[-1]} feature maps of {layer.name} on your digit, yellow where they respond most",
    )
    with words_column:
        st.markdown(f"**{layer.name}**: {maps.shape[-1]} maps of {maps.shape[0]} x {maps.shape[1]}")
        st.markdown(layer_story(layer))
        active = int((maps.reshape(-1, maps.shape[-1]).max(axis=0) > 0).sum())
        st.caption(
            f"{active} of the {maps.shape[-1]} respond to your digit somewhere (yellow = strongest in this "
            f"layer, {float(np.max(maps)):.2f}). Deeper layers are smaller and more abstract: they say "
            "which parts, not where each pixel is."
        )
