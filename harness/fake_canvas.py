"""A stand-in for streamlit_drawable_canvas in AppTest runs (the real one only works in a browser)."""

import types


class FakeCanvas:
    """Stands in for streamlit_drawable_canvas (which only works in a browser) in AppTest runs:
    st_canvas returns `self.drawing` and `self.strokes` (its json_data), and remembers the
    `initial_drawing` it was last given."""

    def __init__(self):
        self.drawing = None
        self.keys = []
        self.strokes = {"objects": []}
        self.initial_drawings = []
        self.module = types.ModuleType("streamlit_drawable_canvas")
        self.module.st_canvas = self.st_canvas

    def st_canvas(self, **kwargs):
        self.keys.append(kwargs["key"])
        self.initial_drawings.append(kwargs.get("initial_drawing"))
        assert kwargs["width"] == kwargs["height"] == 280 and kwargs["return_image_data"]
        return types.SimpleNamespace(image_data=self.drawing, json_data=self.strokes)
