"""Putting a numpy picture on the page as a crisp PNG, with alternative text."""

import numpy as np

from display.render import png_bytes


def show_picture(container, picture: np.ndarray, alt: str | None = None, **options) -> None:
    """An RGB/grey uint8 array as a crisp PNG (Streamlit's "auto" would send a blurry JPEG).
    `alt` says what the picture shows, for a screen reader (a caption names it, alt describes it)."""
    container.image(png_bytes(picture), output_format="PNG", alt=alt, **options)
