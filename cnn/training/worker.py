"""The process a TrainingJob (cnn/jobs/training_job.py) runs one training or fine-tune in:

    python -m cnn.training.worker      # started by TrainingJob, never by hand

Its own interpreter, started as a module: nothing of the page is imported here (a
multiprocessing "spawn" child would re-run the page's script, because Streamlit replaces
`__main__` with it). This is the only place the page's trainings import TensorFlow.

The protocol (cnn/jobs/protocol.py) says what crosses the pipe.
"""

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from cnn.files.candidates import model_signature
from cnn.files.mnist import MnistError
from cnn.jobs.progress import TrainingCancelled
from cnn.jobs.protocol import read_message, write_message
from cnn.net.network import ModelFileError, first_line


def run(kind: str, args: tuple, load_data, report, should_stop) -> None:
    """Do the work; every outcome is reported, none raised. A training is reported as succeeded
    the moment its model is saved; what only describes it (the card's shifted-digit accuracy)
    is measured after that, in this process, while the page already uses the new model."""
    try:
        # MNIST is read while TensorFlow is imported (about 1 s and 4 s, mostly on different cores).
        with ThreadPoolExecutor(max_workers=1) as pool:
            loading = pool.submit(load_data)
            if kind == "train":
                from cnn.training.train import train_and_save
            else:
                from cnn.training.fine_tune import fine_tune, save_candidate
                from cnn.training.model import load_model
            data = loading.result()
        if should_stop():
            raise TrainingCancelled("cancelled before training started")
        if kind == "train":
            config, out_path, probe = args
            described = train_and_save(
                config,
                data,
                out_path,
                on_progress=lambda progress: report(("progress", progress)),
                should_stop=should_stop,
                probe=probe,
                on_snapshot=lambda snapshot: report(("snapshot", snapshot)),
                on_saved=lambda card: report(("succeeded", card)),
            )
            report(("described", described))  # the same card, now with the shifted accuracy
        else:
            model_path, images, labels, ids, held_out = args
            base = model_signature(model_path)  # before reading it: a later replacement shows
            result = fine_tune(
                load_model(model_path),
                images,
                labels,
                ids,
                held_out,
                data,
                on_progress=lambda progress: report(("progress", progress)),
                should_stop=should_stop,
            )
            save_candidate(result, model_path, base)
            report(("succeeded", result.report))
    except TrainingCancelled:
        report(("cancelled", ""))
    except MnistError as error:
        report(("mnist", first_line(error)))
    except (ModelFileError, ValueError) as error:
        report(("refused", first_line(error)))
    except Exception as error:  # noqa: BLE001 - whatever broke, the page must say so and go on
        report(("failed", f"{type(error).__name__}: {first_line(error)}"))


def main() -> None:
    reports = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not corrupt the reports
    requests = sys.stdin.buffer.raw  # unbuffered: the stop watcher below reads it too
    kind, args, load_data = read_message(requests)
    stop = threading.Event()

    def stop_when_told() -> None:
        os.read(requests.fileno(), 1)  # a byte, or the end of stdin (the server closed it, or died)
        stop.set()

    threading.Thread(target=stop_when_told, daemon=True).start()
    run(kind, args, load_data, lambda message: write_message(reports, message), stop.is_set)
    reports.close()
    # Exit at once: the stop watcher may still be blocked reading stdin, and an interpreter
    # shutting down around a blocked daemon thread can abort. Everything is written by now.
    os._exit(0)


if __name__ == "__main__":
    main()
