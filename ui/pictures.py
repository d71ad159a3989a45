"""Putting a numpy picture on the page as a crisp PNG."""

import numpy as np

from display.render import png_bytes


def show_picture(container, picture: np.ndarray, **options) -> None:
    """An RGB/grey uint8 array as a crisp PNG (Streamlit's "auto" would send a blurry JPEG)."""
    container.image(png_bytes(picture), output_format="PNG", **options)
