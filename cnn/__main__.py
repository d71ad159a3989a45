"""Command line for the cnn package.

    python -m cnn train [--arch convnet|mlp] [--epochs N] [--batch-size B] [--optimizer NAME] [--learning-rate X]
                        [--schedule cosine|constant] [--precision float32|mixed_bfloat16] [--seed-recipe]
                        [--data PATH] [--out PATH] [--seed S]
    python -m cnn evaluate [--model PATH] [--data PATH]
    python -m cnn predict [--model PATH] [--json] IMAGE...

Errors end with one line on stderr and a non-zero exit status, never a traceback.
"""

import argparse
import os
import sys

# TensorFlow's C++ start-up chatter is noise on a command line; set before TensorFlow loads.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from cnn import DEFAULT_MLP_PATH, DEFAULT_MODEL_PATH  # noqa: E402
from cnn.config import ARCHITECTURES, OPTIMIZERS, PRECISIONS, SCHEDULES  # noqa: E402  (no TensorFlow behind it)

DEFAULT_OUT = {"convnet": DEFAULT_MODEL_PATH, "mlp": DEFAULT_MLP_PATH}

EXIT_ERROR = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m cnn", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train the convnet (or the dense net) on MNIST and save it")
    train.add_argument("--arch", choices=ARCHITECTURES, help="convnet (default) or mlp: the notebook's dense network")
    train.add_argument("--epochs", type=_positive_int)
    train.add_argument("--batch-size", type=_positive_int)
    train.add_argument("--optimizer", choices=OPTIMIZERS)
    train.add_argument("--learning-rate", type=float, help="the peak rate with --schedule cosine")
    train.add_argument("--schedule", choices=SCHEDULES)
    train.add_argument(
        "--precision",
        choices=PRECISIONS,
        help="what the layers compute in while training (default mixed_bfloat16; the saved model is float32)",
    )
    train.add_argument(
        "--seed-recipe",
        action="store_true",
        help="the seed notebook's recipe (RMSprop 1e-3, batch 64, 5 epochs, constant, float32)",
    )
    train.add_argument("--seed", type=int)
    train.add_argument("--data", help="mnist.npz (default: $MNIST_NPZ, else Keras' download)")
    train.add_argument(
        "--out",
        help=f"where to save the model (default: {DEFAULT_MODEL_PATH.name} or {DEFAULT_MLP_PATH.name} in assets/)",
    )

    evaluate = commands.add_parser("evaluate", help="test accuracy of a saved model")
    evaluate.add_argument("--model", default=str(DEFAULT_MODEL_PATH))
    evaluate.add_argument("--data", help="mnist.npz (default: $MNIST_NPZ, else Keras' download)")

    predict = commands.add_parser("predict", help="read the digit in each picture")
    predict.add_argument("--model", default=str(DEFAULT_MODEL_PATH))
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.add_argument("images", nargs="+", metavar="IMAGE")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from cnn.files.mnist import MnistError
    from cnn.net.network import ModelFileError

    try:
        if args.command == "train":
            return _train(args)
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "predict":
            return _predict(args)
    except (MnistError, ModelFileError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("error: interrupted; nothing was saved", file=sys.stderr)
        return EXIT_ERROR
    raise AssertionError(f"unhandled command {args.command}")


def _train(args) -> int:
    import time
    from concurrent.futures import ThreadPoolExecutor

    from cnn.config import TrainConfig, config_fields, with_overrides
    from cnn.files.mnist import load_mnist
    from cnn.jobs.training_lock import training_lock

    # Each --flag is named after the TrainConfig field it sets; flags left out keep the recipe's.
    flags = {name: getattr(args, name) for name in config_fields() if hasattr(args, name)}
    config = with_overrides(TrainConfig.seed_recipe() if args.seed_recipe else TrainConfig(), **flags)
    args.out = args.out or str(DEFAULT_OUT[config.arch])
    lock = training_lock(args.out)  # the same lock the server's replicas take
    if not lock.acquire({"started_by": "python -m cnn train", "progress": "loading MNIST"}):
        raise ValueError(f"another process is training {args.out} ({(lock.holder() or {}).get('progress', '')})")
    started = time.perf_counter()

    def timed_load():
        data = load_mnist(args.data)
        return data, time.perf_counter() - started

    # MNIST is read while TensorFlow is imported: about 1 s and 4 s, mostly on different cores.
    with ThreadPoolExecutor(max_workers=1) as pool:
        loading = pool.submit(timed_load)
        from cnn.training.phases import Phases
        from cnn.training.train import train_and_save

        phases = Phases()
        phases.add("import TensorFlow", time.perf_counter() - started)
        data, load_seconds = loading.result()  # fails here, before any training, on a bad file
    phases.add("load MNIST (beside the import)", load_seconds)
    print(f"training on {len(data.y_train)} images from {data.source}: {config}", flush=True)

    def report(progress):
        if progress.kind == "epoch":
            print(
                f"epoch {progress.epoch}/{progress.epochs}: loss {progress.loss:.4f}, accuracy {progress.accuracy:.4f}",
                flush=True,
            )

    def saved(card):
        print(
            f"test accuracy {card.test_accuracy:.4f} (loss {card.test_loss:.4f}) "
            f"after {card.training_seconds:.1f} s; saved {args.out} "
            f"{time.perf_counter() - started:.1f} s after the start",
            flush=True,
        )

    card = train_and_save(config, data, args.out, on_progress=report, on_saved=saved, phases=phases)
    print(_shift_line(card.shift_accuracy))
    print(f"where the time went: {phases.describe()}", flush=True)
    return 0


def _shift_line(accuracies: dict) -> str:
    """'test accuracy with digits moved 0 px 0.9919, 2 px 0.9470, ...'"""
    return "test accuracy with digits moved " + ", ".join(
        f"{distance} px {accuracy:.4f}" for distance, accuracy in accuracies.items()
    )


def _evaluate(args) -> int:
    from cnn.files.mnist import load_mnist
    from cnn.training.model import load_model
    from cnn.training.train import evaluate, shifted_test_accuracy

    model = load_model(args.model)
    data = load_mnist(args.data)
    loss, accuracy = evaluate(model, data.x_test, data.y_test)
    print(f"test accuracy {accuracy:.4f} (loss {loss:.4f}) on {len(data.y_test)} images")
    print(_shift_line(shifted_test_accuracy(model, data)))
    return 0


def _predict(args) -> int:
    import json

    from cnn.files.pictures import PictureError, read_picture
    from cnn.net.features import FeatureExtractor
    from cnn.net.network import load_network
    from cnn.net.preprocess import preprocess

    extractor = FeatureExtractor(load_network(args.model))
    failures = 0
    for path in args.images:
        try:
            prepared = preprocess(read_picture(path))
        except (PictureError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            failures += 1
            continue
        if prepared.is_empty:
            record = {"path": path, "digit": None, "probabilities": None, "empty": prepared.message}
            line = f"{path}: no digit ({prepared.message})"
        else:
            probabilities = extractor.probabilities(prepared.image)[0]
            digit = int(probabilities.argmax())
            record = {
                "path": path,
                "digit": digit,
                "probabilities": [round(float(p), 6) for p in probabilities],
            }
            line = f"{path}: {digit} ({probabilities[digit]:.3f})"
        print(json.dumps(record) if args.json else line, flush=True)
    return EXIT_ERROR if failures else 0


if __name__ == "__main__":
    sys.exit(main())
