"""The trained network in plain numpy, and everything computed from one reading of it:
preprocessing, every layer's output, the anatomy of the layers, saliency, shifted copies, the
arithmetic of one unit. Runs in the server (and in the CLI and the training child). Never
imports Keras or TensorFlow; the browser's copy of the network is held to this one by tests.
"""
