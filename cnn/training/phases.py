"""Where a training's wall time goes, phase by phase, for the command line and bench/train_speed.py.

    phases = Phases()
    with phases("fit"):
        model.fit(...)
    phases.add("snapshots", 1.8)      # time spent inside another phase, counted apart
    phases.describe()                 # 'fit 21.7 s, snapshots 1.8 s'

No Keras here: plain clocks.
"""

import contextlib
import time
from collections.abc import Iterator


class Phases:
    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - started)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def describe(self) -> str:
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.seconds.items())
