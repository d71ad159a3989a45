"""What the shift map costs: both networks read all 176 moved copies of one drawing (13 x 13
shifts and 7 scales, cnn/net/shifts.py), one batch each, the way the page computes it on request;
the first call (it traces the batch function) and the calls after it.

    python bench/shift_map.py [--drawings 40]

Target (issue 14): the full map <= 250 ms on this machine.
"""

import argparse
import time

from common import mnist_path, spread_ms, summary_ms

from cnn import DEFAULT_MLP_PATH, DEFAULT_MODEL_PATH
from cnn.files.mnist import load_mnist
from cnn.net.features import FeatureExtractor
from cnn.net.network import load_network
from cnn.net.shifts import moved_copies, shift_map


def measure(drawings: int) -> dict[str, list[float]]:
    images = load_mnist(mnist_path()).x_test[:drawings, ..., 0]
    conv = FeatureExtractor(load_network(DEFAULT_MODEL_PATH))
    dense = FeatureExtractor(load_network(DEFAULT_MLP_PATH))

    def both(image):
        started = time.perf_counter()
        shift_map(conv.classify, image)
        shift_map(dense.classify, image)
        return time.perf_counter() - started

    first = [both(images[0])]
    maps = [both(image) for image in images[1:]]
    copies = []
    for image in images:
        started = time.perf_counter()
        moved_copies(image)
        copies.append(time.perf_counter() - started)
    return {"first": first, "map": maps, "copies": copies}


def rows(drawings: int = 40) -> list[tuple[str, str, str]]:
    figures = measure(drawings)
    return [
        ("shift map, both networks, first call", f"{figures['first'][0] * 1000:.0f} ms", "<= 250 ms"),
        ("shift map, both networks, after", spread_ms(figures["map"]), "<= 250 ms"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=40)
    figures = measure(parser.parse_args().drawings)
    print(f"shift map, both networks, first call (traces)  {figures['first'][0] * 1000:.0f} ms   target <= 250 ms")
    print(f"shift map, both networks                       {summary_ms(figures['map'])}   target <= 250 ms")
    print(f"  of which making the 176 moved copies         {summary_ms(figures['copies'])}")


if __name__ == "__main__":
    main()
