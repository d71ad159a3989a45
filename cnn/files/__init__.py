"""What lives on disk beside the models: atomic writes, model cards, training snapshots, fine-tune
candidates, MNIST files and pictures. Read and written by the server, the CLI and the training
child alike; never imports Keras or TensorFlow (MNIST's Keras download runs in a child process,
cnn/training/mnist_download.py).
"""
