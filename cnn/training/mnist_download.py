"""MNIST from Keras' own download, in a process of its own, so that whoever needs it (the page
choosing "MNIST test digit" with no MNIST_NPZ set) never loads TensorFlow itself:

    python -m cnn.training.mnist_download     # prints the path of Keras' cached mnist.npz

Keras downloads the file once into its cache (~/.keras/datasets, or $KERAS_HOME/datasets) and
checks its SHA-256; cnn/files/mnist.py then reads that file like any other.
"""

import sys


def download() -> str:
    import keras

    from cnn.files.mnist import KERAS_MNIST_SHA256

    # The same file, origin and hash as keras.datasets.mnist.load_data(), which returns only arrays.
    return keras.utils.get_file(
        fname="mnist.npz",
        origin="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        file_hash=KERAS_MNIST_SHA256,
    )


def main() -> None:
    try:
        path = download()
    except Exception as error:  # noqa: BLE001 - urllib, ssl, socket, hash mismatch: all "not available"
        print(f"{type(error).__name__}: {str(error)[:200]}", file=sys.stderr)
        sys.exit(1)
    print(path)


if __name__ == "__main__":
    main()
