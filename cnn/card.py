"""The model card: a small JSON file beside each `.keras` model saying how it was made and how
well it scores, so the page and the command line can show it without re-evaluating.
"""

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ModelCard:
    test_accuracy: float
    test_loss: float
    epochs: int  # epochs actually trained
    batch_size: int
    optimizer: str
    learning_rate: float
    seed: int
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
    schedule: str = "constant"  # of the learning rate; cards from before schedules had none


def card_path_for(model_path: str | os.PathLike) -> Path:
    """`assets/mnist_convnet.keras` -> `assets/mnist_convnet.json`."""
    return Path(model_path).with_suffix(".json")


def write_card(card: ModelCard, path: str | os.PathLike) -> None:
    """Write the card atomically (temporary file, then rename), like the model itself."""
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".json")
    os.chmod(tmp_name, 0o644)  # mkstemp makes it 0600; a card is not a secret
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(card), handle, indent=2)
            handle.write("\n")
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def read_card(path: str | os.PathLike) -> ModelCard | None:
    """The card at `path`, or None when there is none or it cannot be read (a card is optional)."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        known = {name: raw[name] for name in ModelCard.__dataclass_fields__ if name in raw}
        return ModelCard(**known)
    except (OSError, ValueError, TypeError):
        return None
