"""At most one training at a time per model file, across all server processes (cnn/jobs/training_lock.py),
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
child (`python -m cnn.training.worker`) reports progress and snapshots through a pipe; a thread here
turns them into the status the page reads. A child whose server is gone stops at its next batch;
one that ignores a cancel for CANCEL_GRACE seconds is killed.
"""

import atexit
import pickle
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from cnn import child_environment
from cnn.config import TrainConfig
from cnn.files.candidates import FineTuneReport
from cnn.files.card import ModelCard
from cnn.files.mnist import Mnist, MnistError, load_mnist
from cnn.files.snapshots import Snapshot
from cnn.jobs.progress import TrainProgress
from cnn.jobs.protocol import read_message, write_message
from cnn.jobs.training_lock import training_lock

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
    snapshots: tuple[Snapshot, ...] = ()  # the network as it learns (cnn/files/snapshots.py), so far
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


CANCEL_GRACE = 30.0  # seconds a child may take to stop after a cancel before it is killed


@dataclass
class _Run:
    cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None  # the watcher here, relaying the child's reports
    child: subprocess.Popen | None = None

    def tell_child_to_stop(self) -> None:
        child = self.child
        if child is None or child.poll() is not None:
            return
        try:
            child.stdin.write(b"x")
            child.stdin.flush()
        except (OSError, ValueError):  # it has just ended, or its stdin is closed already
            pass
        timer = threading.Timer(CANCEL_GRACE, lambda: child.poll() is None and child.kill())
        timer.daemon = True
        timer.start()


_ALL_JOBS: "weakref.WeakSet[TrainingJob]" = weakref.WeakSet()


@atexit.register
def _stop_all_trainings() -> None:
    # Let a training end after its current batch rather than be killed mid-step (its model file
    # is replaced atomically either way).
    for job in list(_ALL_JOBS):
        if job.cancel():
            job.wait(timeout=CANCEL_GRACE)


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
        self._across_processes = training_lock(self.model_path)  # flock, or PostgreSQL's across hosts
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
        beside the model (cnn/training/fine_tune.py) until someone adopts it."""
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
            run.thread = threading.Thread(target=self._guarded, args=(work, run, *args), daemon=True, name=status.kind)
            try:
                run.thread.start()
            except BaseException:
                self._finish(FAILED, "Could not start the training (no thread available); try again.")
                raise

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
            run = self._run
        run.tell_child_to_stop()
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
            try:
                self._across_processes.update(
                    {"progress": f"epoch {progress.epoch} of {progress.epochs}, {progress.fraction_done:.0%} done"}
                )
            except OSError:  # a full or flaky shared volume: the other pages just see less detail
                pass

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
            self._await_description(run)

    def _await_description(self, run: _Run) -> None:
        """The child goes on to measure what only describes the saved model (its card's shifted
        accuracy, cnn/training/train.py) and sends the card again; the job is already done and the
        lock free, so `wait()` is all that waits for it."""
        while (message := read_message(run.child.stdout)) is not None:
            tag, payload = message
            if tag == "described":
                with self._lock:  # a training started since then owns the status now
                    if self._run is run:
                        self._status = replace(self._status, card=payload)
                return

    def _guarded(self, work, run: _Run, *args) -> None:
        """The watcher thread: whatever goes wrong here, the job ends and the lock is released."""
        try:
            work(run, *args)
        except BaseException as error:  # noqa: BLE001 - a job stuck "running" would block everyone
            if self.status().running:
                self._finish(FAILED, f"The training failed ({type(error).__name__}: {error}); nothing was replaced.")
            if run.child is not None and run.child.poll() is None:
                run.child.kill()
                run.child.wait()

    def _in_child(self, run: _Run, kind: str, args: tuple) -> tuple[str, object]:
        """Run `kind` in a child process, relaying its reports; returns (outcome, payload):
        ("succeeded", card or report), ("cancelled", ""), ("mnist" | "refused" | "failed", why)."""
        if run.cancel.is_set():
            return "cancelled", ""
        try:
            request = (kind, args, _portable(self._load_data))
        except MnistError as error:
            return "mnist", str(error)
        # Same working directory and environment as the server (relative paths mean the same),
        # with this project importable wherever the server was started from.
        child = subprocess.Popen(
            [sys.executable, "-m", "cnn.training.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=child_environment(),
        )
        run.child = child
        outcome = None
        try:
            write_message(child.stdin, request)
            if run.cancel.is_set():  # pressed while it was starting
                run.tell_child_to_stop()
            while (message := read_message(child.stdout)) is not None:
                tag, payload = message
                if tag == "progress":
                    self._on_progress(payload)
                elif tag == "snapshot":
                    self._on_snapshot(payload)
                else:
                    outcome = (tag, payload)
                    break
        finally:
            child.stdin.close()  # also tells a child still running to stop
            if outcome is None:  # it ended, was killed, or we stopped listening
                try:
                    child.wait(timeout=CANCEL_GRACE)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
                outcome = ("failed", f"the training process ended without a result (exit code {child.returncode})")
            else:
                threading.Thread(target=child.wait, daemon=True).start()  # reap it, not holding up the result
        return outcome

    def _finish(self, state: str, message: str, card: ModelCard | None = None) -> None:
        try:  # released first: a Retrain pressed the moment this says "done" must not be refused
            self._across_processes.release()
        finally:
            self._update(state=state, message=message, card=card, finished_at=time.time())


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
