"""Running the page headless with Streamlit's AppTest, and reading what it shows."""

from streamlit.testing.v1 import AppTest

from tests.conftest import REPO

APP = str(REPO / "app.py")


def start_app() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    return app


def main_metrics(app):
    return [m for m in app.main.metric if m.label == "Prediction"]


def sidebar_text(app) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "success", "info", "warning", "error")
        for e in getattr(app.sidebar, kind)
    ]
    return "\n".join(str(p) for p in parts)
