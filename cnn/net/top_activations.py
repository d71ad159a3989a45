"""What excites each unit: for every unit of every layer, the test images that make it fire most
(Zeiler and Fergus' method, on whole digits), worked out in one pass over the images.

    top = top_activations(network, images)              # images (N, 28, 28) in [0, 1] or uint8
    top.indices["conv2"][row, column, channel]           # (9,) image indices, strongest first
    top.values["conv2"][row, column, channel]            # (9,) their activations
    top.most_convincing[7], top.least_convincing[7]      # 9 sevens read as 7 most / least surely

A unit is one value of a layer's output: a position of one channel of a feature map (it sees one
receptive field of the input; neighbouring positions of a channel share its kernel but see other
pixels), or one Dense unit. The softmax's units get the digits of their own class it is most and
least sure of instead, since its top images would be that class's clearest digits and no more.

Cost: one forward pass of every image (numpy, in chunks) and, per chunk, a partial sort of every
unit's candidates; bench/unit_examples.py measures it.
"""

from dataclasses import dataclass

import numpy as np

from cnn.net.network import Network, forward_in_chunks

_CHUNK = 256  # images per forward pass (a test makes it small, to merge across chunks)

TOP = 9  # examples per unit: Zeiler and Fergus' 3x3 grids


@dataclass(frozen=True)
class TopActivations:
    indices: dict[str, np.ndarray]  # layer name -> (*shape, TOP) int32 image indices, strongest first
    values: dict[str, np.ndarray]  # layer name -> (*shape, TOP) float32 activations, descending
    most_convincing: np.ndarray  # (10, TOP) int32: digits of each class with the highest p(class)
    least_convincing: np.ndarray  # (10, TOP) int32: digits of each class with the lowest p(class)
    convincing_values: np.ndarray  # (10, 2, TOP) float32: those probabilities, [most, least]
    images: int  # how many images were searched

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything as flat named arrays, for np.savez (from_arrays reads them back)."""
        named = {f"indices/{name}": array for name, array in self.indices.items()}
        named |= {f"values/{name}": array for name, array in self.values.items()}
        named |= {
            "most_convincing": self.most_convincing,
            "least_convincing": self.least_convincing,
            "convincing_values": self.convincing_values,
            "images": np.asarray(self.images),
        }
        return named

    @staticmethod
    def from_arrays(named) -> "TopActivations":
        def layers(prefix: str) -> dict[str, np.ndarray]:
            return {key.split("/", 1)[1]: np.asarray(named[key]) for key in named if key.startswith(prefix + "/")}

        return TopActivations(
            indices=layers("indices"),
            values=layers("values"),
            most_convincing=np.asarray(named["most_convincing"]),
            least_convincing=np.asarray(named["least_convincing"]),
            convincing_values=np.asarray(named["convincing_values"]),
            images=int(named["images"]),
        )


def searched_layers(network: Network) -> list[str]:
    """The layers whose units get examples: every one with units of its own except the softmax
    (Flatten only reorders conv3's)."""
    return [layer.name for layer in network.layers[:-1] if layer.kind != "Flatten"]


def top_activations(network: Network, images: np.ndarray, labels: np.ndarray, count: int = TOP) -> TopActivations:
    """images: (N, 28, 28) float32 in [0, 1], or uint8 in 0-255; labels: (N,) digits 0-9."""
    names = searched_layers(network)
    shapes = {name: network.layer(name).shape for name in names}
    best_values = {name: np.full((int(np.prod(shapes[name])), count), -np.inf, np.float32) for name in names}
    best_indices = {name: np.zeros((int(np.prod(shapes[name])), count), np.int32) for name in names}
    probabilities = []
    last = network.layers[-1].name
    for start, outputs in forward_in_chunks(network, images, _CHUNK):
        probabilities.append(outputs[last])
        for name in names:
            units = outputs[name].reshape(len(outputs[last]), -1)  # (n, units)
            best_values[name], best_indices[name] = _merge(best_values[name], best_indices[name], units, start)
    for name in names:
        values, indices = _descending(best_values[name], best_indices[name])
        best_values[name] = values.reshape(*shapes[name], count)
        best_indices[name] = indices.astype(np.int32).reshape(*shapes[name], count)
    most, least, sureness = _convincing(np.concatenate(probabilities), np.asarray(labels), count)
    return TopActivations(best_indices, best_values, most, least, sureness, len(images))


def _merge(values: np.ndarray, indices: np.ndarray, chunk: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray]:
    """The `count` largest of each unit's kept values (units, count) and of a chunk's (n, units),
    whose image indices are start, start + 1, ...; order within the result is arbitrary."""
    count = values.shape[1]
    # Only chunk values above a unit's weakest kept one can enter: after the first chunk that is
    # about 1% of them (most units are 0 on most digits), so only those are sorted.
    hit_images, hit_units = np.nonzero(chunk > values.min(axis=1))
    if len(hit_units) > chunk.size // 20:  # the first chunk: everything enters; partition whole rows
        candidates = np.concatenate([values, chunk.T], axis=1)  # (units, count + n)
        chosen = np.argpartition(-candidates, count - 1, axis=1)[:, :count]
        # Columns below `count` are the kept ones (look up their image); the rest are chunk images.
        from_kept = np.take_along_axis(indices, np.minimum(chosen, count - 1), axis=1)
        images = np.where(chosen < count, from_kept, start + chosen - count)
        return np.take_along_axis(candidates, chosen, axis=1), images
    changing = np.unique(hit_units)
    units = np.concatenate([np.repeat(changing, count), hit_units])
    scores = np.concatenate([values[changing].ravel(), chunk[hit_images, hit_units]])
    images = np.concatenate([indices[changing].ravel(), start + hit_images])
    order = np.lexsort((-scores, units))  # grouped by unit, strongest first within each
    # Each group holds at least its `count` kept values: its first `count` are the new top.
    first = np.searchsorted(units[order], changing)[:, np.newaxis] + np.arange(count)
    values[changing], indices[changing] = scores[order][first], images[order][first]
    return values, indices


def _descending(values: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row sorted by value, largest first, and on a tie by image index (a fixed order)."""
    order = np.lexsort((indices, -values), axis=1)
    return np.take_along_axis(values, order, axis=1), np.take_along_axis(indices, order, axis=1)


def _convincing(probabilities: np.ndarray, labels: np.ndarray, count: int):
    """Per class: the `count` digits of that class with the highest and the lowest probability of
    it (fewer when the class has fewer digits: the rest are -1 with probability nan)."""
    classes = probabilities.shape[1]
    most = np.full((classes, count), -1, np.int32)
    least = np.full((classes, count), -1, np.int32)
    sureness = np.full((classes, 2, count), np.nan, np.float32)
    for digit in range(classes):
        members = np.flatnonzero(labels == digit)
        order = members[np.lexsort((members, -probabilities[members, digit]))]  # surest first
        top, bottom = order[:count], order[::-1][:count]
        most[digit, : len(top)], least[digit, : len(bottom)] = top, bottom
        sureness[digit, 0, : len(top)] = probabilities[top, digit]
        sureness[digit, 1, : len(bottom)] = probabilities[bottom, digit]
    return most, least, sureness
