"""A fine-tuned model waiting beside the one in use (cnn/training/fine_tune.py makes it) until the
lecturer adopts or discards it. No TensorFlow here: the page does all of this.

    pending_candidate(model_path)   # its FineTuneReport, or None
    adopt_candidate(model_path)     # replaces the model atomically, with a new card, unless the
                                    # model changed since the fine-tune read it
    discard_candidate(model_path)
"""

import json
import os
import shutil
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from cnn.files.atomic import replacing
from cnn.files.card import card_path_for, read_card, write_card
from cnn.files.snapshots import snapshot_path_for
from cnn.net.network import load_network

MIN_DRAWINGS = 10  # fewer than this is not a class data set


@dataclass(frozen=True)
class FineTuneReport:
    class_before: float  # accuracy on the held-out class drawings, before and after
    class_after: float
    mnist_before: float  # accuracy on the MNIST test set, before and after
    mnist_after: float
    trained_on: int  # class drawings trained on
    held_out: int  # class drawings judged on
    mnist_mixed: int  # MNIST digits mixed in
    fixed_ids: tuple[int, ...]  # held-out drawings read wrong before and right after
    broken_ids: tuple[int, ...]  # held-out drawings read right before and wrong after
    seconds: float
    shift_accuracy: dict[str, float] = field(default_factory=dict)  # the tuned model's, as in its card
    base_model: str = ""  # the fine-tuned model file's signature when it was read (model_signature)


def model_signature(model_path) -> str:
    """What tells us the model file was replaced since: its inode, size and modification time."""
    info = Path(model_path).stat()
    return f"{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"


def candidate_path_for(model_path) -> Path:
    """`assets/mnist_convnet.keras` -> `assets/mnist_convnet.candidate.keras`."""
    return Path(model_path).with_suffix(".candidate.keras")


def report_path(candidate: Path) -> Path:
    return candidate.with_suffix(".json")


def pending_candidate(model_path) -> FineTuneReport | None:
    """The report of a fine-tuned model waiting for the lecturer's decision, if there is one."""
    candidate = candidate_path_for(model_path)
    try:
        raw = json.loads(report_path(candidate).read_text(encoding="utf-8"))
        if not candidate.is_file():
            return None
        raw["fixed_ids"], raw["broken_ids"] = tuple(raw["fixed_ids"]), tuple(raw["broken_ids"])
        raw.setdefault("shift_accuracy", {})
        return FineTuneReport(**raw)
    except (OSError, ValueError, TypeError):
        return None


def adopt_candidate(model_path) -> FineTuneReport:
    """Put the fine-tuned model in use: checked, then atomically replacing the model and its card."""
    model_path = Path(model_path)
    candidate = candidate_path_for(model_path)
    report = pending_candidate(model_path)
    if report is None:
        raise ValueError("there is no fine-tuned model waiting (someone else may have chosen already)")
    if report.base_model != model_signature(model_path):
        raise ValueError(
            "the model in use was replaced after this fine-tune started (a retrain?), so this result "
            "would undo it; discard it and fine-tune again"
        )
    load_network(candidate)  # refuse a broken candidate before it replaces a working model
    card = read_card(card_path_for(model_path))
    with replacing(model_path, suffix=".keras") as temporary:
        shutil.copyfile(candidate, temporary)
    if card is not None:
        write_card(
            replace(
                card,
                test_accuracy=report.mnist_after,
                trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
                data_source=f"{card.data_source}, fine-tuned on {report.trained_on} class drawings",
                history={},
                shift_accuracy=report.shift_accuracy,
            ),
            card_path_for(model_path),
        )
    # The snapshots show how the old weights were learned, not these: "Watch it learn" must not
    # claim they end at the model in use.
    snapshot_path_for(model_path).unlink(missing_ok=True)
    discard_candidate(model_path)
    return report


def discard_candidate(model_path) -> None:
    candidate = candidate_path_for(model_path)
    for path in (candidate, report_path(candidate)):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
