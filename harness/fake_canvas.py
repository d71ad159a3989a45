"""A stand-in for streamlit_drawable_canvas in AppTest runs (the real one only works in a browser)."""

import types


class FakeCanvas:
    """Stands in for streamlit_drawable_canvas (which only works in a browser) in AppTest runs:
    st_canvas returns `self.drawing`."""

    def __init__(self):
        self.drawing = None
        self.keys = []
        self.module = types.ModuleType("streamlit_drawable_canvas")
        self.module.st_canvas = self.st_canvas

    def st_canvas(self, **kwargs):
        self.keys.append(kwargs["key"])
        assert kwargs["width"] == kwargs["height"] == 280 and kwargs["return_image_data"]
        return types.SimpleNamespace(image_data=self.drawing, json_data={"objects": []})
