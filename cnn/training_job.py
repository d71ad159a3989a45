"""At most one training at a time per model file, across all server processes (cnn/training_lock.py),
run in a child process, with progress anyone can read and a cancel anyone can press. The page
keeps one `TrainingJob` for the whole server.

    job = TrainingJob(model_path, mlp_path=dense_net_path)
    job.start(TrainConfig(epochs=3), started_by="session 42")   # raises AlreadyTraining if busy
    job.start(TrainConfig(arch="mlp"), probe=drawing)           # the dense net, watched on a drawing
    job.start_fine_tune(images, labels, ids, held_out)          # the convnet on a class's drawings
    job.status()                                                # a snapshot, safe to read anytime
    job.cancel()

Why a child process: training is the only thing that needs TensorFlow. In its own process it
never costs the server its memory (~680 MiB) or its start-up time, and it never competes with the
page's threads for the server's interpreter lock, so strokes keep flowing while it trains. The
child reports progress and snapshots through a queue; a thread here turns them into the status
the page reads. A child whose server is gone stops at its next batch.
"""

import atexit
import multiprocessing
import os
import pickle
import queue
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from cnn.candidates import FineTuneReport, model_signature
from cnn.card import ModelCard
from cnn.config import TrainConfig
from cnn.mnist import Mnist, MnistError, load_mnist
from cnn.network import ModelFileError
from cnn.progress import TrainingCancelled, TrainProgress
from cnn.snapshots import Snapshot
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


# A fresh interpreter for each training: forking a server full of threads is unsafe.
_SPAWN = multiprocessing.get_context("spawn")


@dataclass
class _Run:
    cancel: "multiprocessing.synchronize.Event" = field(default_factory=_SPAWN.Event)  # seen by the child
    thread: threading.Thread | None = None  # the watcher here, relaying the child's reports


_ALL_JOBS: "weakref.WeakSet[TrainingJob]" = weakref.WeakSet()


@atexit.register
def _stop_all_trainings() -> None:
    # Let a training end after its current batch rather than be killed mid-step.
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
        outcome, payload = self._in_child(run, "fine-tune", (self.model_path, images, labels, ids, held_out))
        if outcome == "cancelled":
            self._finish(CANCELLED, "Fine-tuning was cancelled; the current model is unchanged.")
        elif outcome in ("mnist", "refused"):
            self._finish(FAILED, f"Could not fine-tune: {payload}")
        elif outcome == "failed":
            self._finish(FAILED, f"Fine-tuning failed ({payload}); the current model is unchanged.")
        else:
            report: FineTuneReport = payload
            self._update(fine_tune=report)
            self._finish(
                SUCCEEDED,
                f"Fine-tuned: the class's held-out drawings {report.class_before:.0%} -> {report.class_after:.0%}, "
                f"MNIST test {report.mnist_before:.2%} -> {report.mnist_after:.2%}. Not in use until adopted.",
            )

    def _train(self, run: _Run, config: TrainConfig, out_path: Path, probe) -> None:
        outcome, payload = self._in_child(run, "train", (config, out_path, probe))
        if outcome == "cancelled":
            self._finish(CANCELLED, "Training was cancelled; the previous model is still in use.")
        elif outcome == "mnist":
            self._finish(FAILED, f"Could not load MNIST, so nothing was trained: {payload}")
        elif outcome in ("failed", "refused"):
            self._finish(FAILED, f"Training failed ({payload}); the previous model is still in use.")
        else:
            card: ModelCard = payload
            self._finish(SUCCEEDED, f"New model saved: test accuracy {card.test_accuracy:.2%}.", card=card)

    def _in_child(self, run: _Run, kind: str, args: tuple) -> tuple[str, object]:
        """Run `kind` in a child process, relaying its reports; returns (outcome, payload):
        ("succeeded", card or report), ("cancelled", ""), ("mnist" | "refused" | "failed", why)."""
        try:
            load_data = _portable(self._load_data)
        except MnistError as error:
            return "mnist", str(error)
        reports = _SPAWN.Queue()
        child = _SPAWN.Process(
            target=_work, args=(kind, args, load_data, reports, run.cancel, os.getpid()), name=kind, daemon=True
        )
        child.start()
        try:
            while True:
                try:
                    tag, payload = reports.get(timeout=0.5)
                except queue.Empty:
                    if child.is_alive():
                        continue
                    try:  # it may have said its last word just before ending
                        tag, payload = reports.get(timeout=1)
                    except queue.Empty:
                        return "failed", f"the training process ended without a result (exit code {child.exitcode})"
                if tag == "progress":
                    self._on_progress(payload)
                elif tag == "snapshot":
                    self._on_snapshot(payload)
                else:
                    return tag, payload
        finally:
            child.join(timeout=30)
            if child.is_alive():
                child.kill()

    def _finish(self, state: str, message: str, card: ModelCard | None = None) -> None:
        self._update(state=state, message=message, card=card, finished_at=time.time())
        self._across_processes.release()


class _Given:
    """A loader that hands over data already loaded (for loaders that cannot cross processes)."""

    def __init__(self, data: Mnist):
        self.data = data

    def __call__(self) -> Mnist:
        return self.data


def _portable(load_data: Callable[[], Mnist]) -> Callable[[], Mnist]:
    """`load_data` itself when the child can import it (load_mnist: the child then reads the file
    and this process never holds the data set); else the data, loaded here."""
    try:
        pickle.dumps(load_data)
        return load_data
    except (pickle.PicklingError, AttributeError, TypeError):
        return _Given(load_data())


def _work(kind: str, args: tuple, load_data, reports, cancel, server_pid: int) -> None:
    """The child process: the only place the page's trainings import TensorFlow."""

    def should_stop() -> bool:
        return cancel.is_set() or os.getppid() != server_pid  # cancelled, or the server is gone

    def report(tag: str):
        return lambda payload: reports.put((tag, payload))

    try:
        data = load_data()
        if should_stop():
            raise TrainingCancelled("cancelled before training started")
        if kind == "train":
            from cnn.training import train_and_save

            config, out_path, probe = args
            card = train_and_save(
                config,
                data,
                out_path,
                on_progress=report("progress"),
                should_stop=should_stop,
                probe=probe,
                on_snapshot=report("snapshot"),
            )
            reports.put(("succeeded", card))
        else:
            from cnn.fine_tune import fine_tune, save_candidate
            from cnn.model import load_model

            model_path, images, labels, ids, held_out = args
            base = model_signature(model_path)  # before reading it: a later replacement shows
            result = fine_tune(
                load_model(model_path),
                images,
                labels,
                ids,
                held_out,
                data,
                on_progress=report("progress"),
                should_stop=should_stop,
            )
            save_candidate(result, model_path, base)
            reports.put(("succeeded", result.report))
    except TrainingCancelled:
        reports.put(("cancelled", ""))
    except MnistError as error:
        reports.put(("mnist", str(error)))
    except (ModelFileError, ValueError) as error:
        reports.put(("refused", str(error)))
    except Exception as error:  # noqa: BLE001 - whatever broke, the page must say so and go on
        reports.put(("failed", f"{type(error).__name__}: {error}"))
