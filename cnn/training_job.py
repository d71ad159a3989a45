"""At most one training at a time per model file, across all server processes (cnn/training_lock.py),
in a background thread, with progress anyone can
read and a cancel anyone can press. The page keeps one `TrainingJob` for the whole server.

    job = TrainingJob(model_path, mlp_path=dense_net_path)
    job.start(TrainConfig(epochs=3), started_by="session 42")   # raises AlreadyTraining if busy
    job.start(TrainConfig(arch="mlp"), probe=drawing)           # the dense net, watched on a drawing
    job.start_fine_tune(images, labels, ids, held_out)          # the convnet on a class's drawings
    job.status()                                                # a snapshot, safe to read anytime
    job.cancel()
"""

import atexit
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from cnn.card import ModelCard
from cnn.fine_tune import FineTuneReport, fine_tune, model_signature, save_candidate
from cnn.mnist import Mnist, MnistError, load_mnist
from cnn.model import ModelFileError, load_model
from cnn.snapshots import Snapshot
from cnn.training import TrainConfig, TrainingCancelled, TrainProgress, train_and_save
from cnn.training_lock import TrainingLock

IDLE, RUNNING, SUCCEEDED, CANCELLED, FAILED = "idle", "running", "succeeded", "cancelled", "failed"
_CURVE_POINTS_PER_EPOCH = 20


class AlreadyTraining(Exception):
    """A training is running; the message says how far it is."""


@dataclass(frozen=True)
class JobStatus:
    state: str = IDLE
    config: TrainConfig | None = None
    started_by: str | None = None
    started_at: float | None = None  # time.time()
    finished_at: float | None = None
    progress: TrainProgress | None = None  # the latest report
    epochs: tuple[TrainProgress, ...] = ()  # one report per finished epoch
    curve: tuple[TrainProgress, ...] = ()  # about 20 batch reports per epoch, for live curves
    snapshots: tuple[Snapshot, ...] = ()  # the network as it learns (cnn/snapshots.py), so far
    card: ModelCard | None = None  # of the model saved, on success
    message: str = ""  # what happened, in words, when it ended
    kind: str = "train"  # or "fine-tune": the convnet on the class's drawings
    fine_tune: FineTuneReport | None = None  # on a fine-tune's success

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def fraction_done(self) -> float:
        return self.progress.fraction_done if self.progress else 0.0

    def describe(self) -> str:
        """'epoch 2 of 5, 37% done, running for 24 s'."""
        if self.started_at is None:
            return "no training has run"
        elapsed = (self.finished_at or time.time()) - self.started_at
        if self.progress is None:
            where = "loading MNIST"
        else:
            where = f"epoch {self.progress.epoch} of {self.progress.epochs}"
        return f"{where}, {self.fraction_done:.0%} done, running for {elapsed:.0f} s"


@dataclass
class _Run:
    cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


_ALL_JOBS: "weakref.WeakSet[TrainingJob]" = weakref.WeakSet()


@atexit.register
def _stop_all_trainings() -> None:
    # A training thread killed mid-step at interpreter exit makes TensorFlow abort the process
    # with a core dump; cancelling lets it end after its current batch instead.
    for job in list(_ALL_JOBS):
        if job.cancel():
            job.wait(timeout=30)


class TrainingJob:
    """Trains the convnet at `model_path`, or the dense net at `mlp_path`; one at a time: both
    share the convnet's lock, so two trainings never share this machine's two cores."""

    def __init__(self, model_path, load_data: Callable[[], Mnist] = load_mnist, mlp_path=None):
        self.model_path = Path(model_path)
        self.mlp_path = None if mlp_path is None else Path(mlp_path)
        self._load_data = load_data
        self._lock = threading.Lock()
        self._status = JobStatus()
        self._run: _Run | None = None
        self._across_processes = TrainingLock(self.model_path)
        _ALL_JOBS.add(self)

    def status(self) -> JobStatus:
        with self._lock:
            return self._status

    def path_for(self, config: TrainConfig) -> Path:
        """Where the network `config` trains is saved."""
        if config.arch == "mlp":
            if self.mlp_path is None:
                raise ValueError("this server has no place for a dense net (no mlp_path)")
            return self.mlp_path
        return self.model_path

    def start(self, config: TrainConfig, started_by: str = "someone", probe=None) -> None:
        """Start training in the background; raises AlreadyTraining if one is running.
        `probe`: the 28x28 drawing whose reading the snapshots follow (default: a test digit)."""
        out_path = self.path_for(config)
        self._begin(JobStatus(RUNNING, config, started_by, time.time()), self._train, (config, out_path, probe))

    def start_fine_tune(self, images, labels, ids, held_out, started_by: str = "someone") -> None:
        """Fine-tune the convnet on a class's drawings (uint8 (N, 28, 28), labels, their ids, and
        which are held out for judging), in the background; the result waits as a candidate
        beside the model (cnn/fine_tune.py) until someone adopts it."""
        status = JobStatus(RUNNING, None, started_by, time.time(), kind="fine-tune")
        self._begin(status, self._fine_tune, (images, labels, ids, held_out))

    def _begin(self, status: JobStatus, work, args: tuple) -> None:
        with self._lock:
            if self._status.running:
                raise AlreadyTraining(f"A training is already running ({self._status.describe()}).")
            if not self._across_processes.acquire({"started_by": status.started_by, "progress": "loading MNIST"}):
                raise AlreadyTraining(f"A training is already running {self.elsewhere() or 'in another process'}.")
            run = _Run()
            self._run = run
            self._status = status
            run.thread = threading.Thread(target=work, args=(run, *args), daemon=True, name=status.kind)
        run.thread.start()

    def elsewhere(self) -> str | None:
        """'in another server process (epoch 1 of 2, ...)' while another process trains this model."""
        if self._across_processes.held_here:
            return None
        holder = self._across_processes.holder()
        if holder is None:
            return None
        return f"in another server process ({holder.get('progress', 'starting')}, pid {holder.get('pid', '?')})"

    def cancel(self) -> bool:
        """Ask a running training to stop after its current batch; False if none is running."""
        with self._lock:
            if not self._status.running or self._run is None:
                return False
            self._run.cancel.set()
            return True

    def wait(self, timeout: float | None = None) -> JobStatus:
        """Block until the current training ends (for tests and the command line)."""
        run = self._run
        if run is not None and run.thread is not None:
            run.thread.join(timeout)
        return self.status()

    def _update(self, **changes) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)

    def _on_progress(self, progress: TrainProgress) -> None:
        every = max(1, progress.batches_per_epoch // _CURVE_POINTS_PER_EPOCH)
        with self._lock:
            status = self._status
            if progress.kind == "epoch":
                status = replace(status, epochs=status.epochs + (progress,))
            elif progress.batch % every == 0:
                status = replace(status, curve=status.curve + (progress,))
            self._status = replace(status, progress=progress)
        if progress.kind == "epoch" or progress.batch % every == 0:  # for the other processes' pages
            self._across_processes.update(
                {"progress": f"epoch {progress.epoch} of {progress.epochs}, {progress.fraction_done:.0%} done"}
            )

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        with self._lock:
            self._status = replace(self._status, snapshots=self._status.snapshots + (snapshot,))

    def _fine_tune(self, run: _Run, images, labels, ids, held_out) -> None:
        try:
            data = self._load_data()
            base = model_signature(self.model_path)  # before reading it: a later replacement shows
            model = load_model(self.model_path)
            result = fine_tune(
                model, images, labels, ids, held_out, data, on_progress=self._on_progress, should_stop=run.cancel.is_set
            )
            save_candidate(result, self.model_path, base)
        except TrainingCancelled:
            self._finish(CANCELLED, "Fine-tuning was cancelled; the current model is unchanged.")
        except (MnistError, ModelFileError, ValueError) as error:
            self._finish(FAILED, f"Could not fine-tune: {error}")
        except Exception as error:  # noqa: BLE001 - whatever broke, the page must say so and go on
            self._finish(
                FAILED, f"Fine-tuning failed ({type(error).__name__}: {error}); the current model is unchanged."
            )
        else:
            report = result.report
            self._update(fine_tune=report)
            self._finish(
                SUCCEEDED,
                f"Fine-tuned: the class's held-out drawings {report.class_before:.0%} -> {report.class_after:.0%}, "
                f"MNIST test {report.mnist_before:.2%} -> {report.mnist_after:.2%}. Not in use until adopted.",
            )

    def _train(self, run: _Run, config: TrainConfig, out_path: Path, probe) -> None:
        try:
            data = self._load_data()
            if run.cancel.is_set():
                raise TrainingCancelled("cancelled before training started")
            card = train_and_save(
                config,
                data,
                out_path,
                on_progress=self._on_progress,
                should_stop=run.cancel.is_set,
                probe=probe,
                on_snapshot=self._on_snapshot,
            )
        except TrainingCancelled:
            self._finish(CANCELLED, "Training was cancelled; the previous model is still in use.")
        except MnistError as error:
            self._finish(FAILED, f"Could not load MNIST, so nothing was trained: {error}")
        except Exception as error:  # noqa: BLE001 - whatever broke, the page must say so and go on
            self._finish(
                FAILED,
                f"Training failed ({type(error).__name__}: {error}); the previous model is still in use.",
            )
        else:
            self._finish(SUCCEEDED, f"New model saved: test accuracy {card.test_accuracy:.2%}.", card=card)

    def _finish(self, state: str, message: str, card: ModelCard | None = None) -> None:
        self._update(state=state, message=message, card=card, finished_at=time.time())
        self._across_processes.release()
