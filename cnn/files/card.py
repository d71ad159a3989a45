"""The model card: a small JSON file beside each `.keras` model saying how it was made (the whole
TrainConfig, as given) and how well it scores, so the page and the command line can show it
without re-evaluating.
"""

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cnn.config import TrainConfig, config_fields
from cnn.files.atomic import write_text_atomically


@dataclass(frozen=True)
class ModelCard:
    config: TrainConfig  # the recipe, field by field as it was given
    test_accuracy: float
    test_loss: float
    training_seconds: float
    trained_at: str  # ISO 8601, UTC
    keras_version: str
    tensorflow_version: str
    parameters: int
    train_samples: int
    data_source: str
    data_sha256: str | None
    # Per-epoch curves, for the training report: {"loss": [...], "accuracy": [...], ...}
    history: dict[str, list[float]] = field(default_factory=dict)
    # Test accuracy with every digit moved 0, 2, 4, 6 pixels (cnn/net/shifts.py): {"2": 0.95, ...}
    shift_accuracy: dict[str, float] = field(default_factory=dict)
    # True on the card written the moment the model is saved: the shifted accuracy only describes
    # the model, so it is measured after (about 8 s) and the card rewritten with it.
    shift_accuracy_pending: bool = False

    @property
    def shift_summary(self) -> str:
        """'measuring...' while pending, else '2 px 94.9%, 4 px 54.8%, 6 px 19.7%' ('' if never measured)."""
        if self.shift_accuracy_pending:
            return "measuring..."
        return ", ".join(f"{d} px {a:.1%}" for d, a in self.shift_accuracy.items() if d != "0")


def card_path_for(model_path: str | os.PathLike) -> Path:
    """`assets/mnist_convnet.keras` -> `assets/mnist_convnet.json`."""
    return Path(model_path).with_suffix(".json")


def write_card(card: ModelCard, path: str | os.PathLike) -> None:
    """Write the card atomically, like the model itself."""
    write_text_atomically(path, json.dumps(asdict(card), indent=2) + "\n")


def read_card(path: str | os.PathLike) -> ModelCard | None:
    """The card at `path`, or None when there is none or it cannot be read (a card is optional).

    Cards written before the card held the config kept its fields at the top level (and no
    schedule: those runs were "constant"); they are read into a config the same way. Cards from
    before TrainConfig.precision have none: those runs computed in float32.
    """
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        recipe = {"precision": "float32", **(raw.get("config") or {"schedule": "constant", **raw})}
        config = TrainConfig(**{name: recipe[name] for name in config_fields() if name in recipe})
        known = {name: raw[name] for name in ModelCard.__dataclass_fields__ if name in raw and name != "config"}
        return ModelCard(config=config, **known)
    except (OSError, ValueError, TypeError, AttributeError):
        return None
