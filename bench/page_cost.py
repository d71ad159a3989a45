"""What each section of the detailed page costs the server per drawing, measured in one process
with Streamlit's AppTest (real model, real Keras, a stand-in canvas): the script is run for N
different drawings under yappi (CPU clock, all threads: AppTest runs the script in a thread of
its own), and the CPU time inside each `ui` section is printed per run and as a share of the
script's. Shares within one run compare; absolute times include the profiler's overhead.

    python bench/page_cost.py [--drawings 40]
"""

import argparse
import sys
import time

from common import REPO, mnist_path

from cnn.files.mnist import load_mnist
from harness.canvas_sim import draw_on_canvas
from harness.fake_canvas import FakeCanvas

SECTIONS = (
    ("canvas_ui", "ui/canvas.py"),
    ("readout_ui", "ui/prediction.py"),
    ("prediction_ui", "ui/prediction.py"),
    ("network_input_ui", "ui/network_input.py"),
    ("feature_maps_ui", "ui/feature_maps.py"),
    ("closeup_ui", "ui/closeup.py"),
    ("compare_ui", "ui/compare.py"),
    ("dense_line_ui", "ui/compare.py"),
    ("shift_map_ui", "ui/shift_map.py"),
    ("send_row", "ui/send.py"),
    ("learning_ui", "ui/learning.py"),
    ("training_report_ui", "ui/training_report.py"),
    ("model_card_ui", "ui/sidebar.py"),
    ("retrain_ui", "ui/sidebar.py"),
    ("read", "cnn/net/reading.py"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=40)
    drawings = parser.parse_args().drawings
    fake = FakeCanvas()
    sys.modules["streamlit_drawable_canvas"] = fake.module
    from streamlit.testing.v1 import AppTest

    digits = load_mnist(mnist_path()).x_test[:drawings, ..., 0]
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    fake.drawing = draw_on_canvas(digits[0], 0.5, left=40, top=40)
    app.run()  # load the models, warm every cache
    import yappi

    yappi.set_clock_type("cpu")
    cpu = time.process_time()
    yappi.start()
    for index, digit in enumerate(digits):
        fake.drawing = draw_on_canvas(digit, 0.4 + 0.02 * (index % 10), left=30 + index % 50, top=30)
        app.run()
    yappi.stop()
    cpu = time.process_time() - cpu
    cumulative, script = {}, 0.0
    for stat in yappi.get_func_stats():
        if stat.name == "main" and stat.module.endswith("app.py"):
            script += stat.ttot
        for section, where in SECTIONS:
            if stat.name == section and stat.module.endswith(where):
                cumulative[section] = cumulative.get(section, 0.0) + stat.ttot
    print(
        f"{drawings} drawings, whole page each (AppTest, under yappi): {cpu / drawings * 1000:.1f} ms CPU "
        f"per run, app.main() {script / drawings * 1000:.1f} ms"
    )
    for section, seconds in sorted(cumulative.items(), key=lambda item: -item[1]):
        share = seconds / max(script, 1e-9)
        print(f"  {section:20s} {seconds / drawings * 1000:7.2f} ms per run  {share:6.1%} of app.main()")


if __name__ == "__main__":
    main()
