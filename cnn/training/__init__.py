"""Everything that imports Keras and TensorFlow: the model definitions, training, fine-tuning,
the snapshot recorder, MNIST's Keras download, and the child process trainings run in
(`python -m cnn.training.worker`). Nothing in the server imports this package; the server
starts it as a separate process (cnn/jobs/), and the command line (`python -m cnn`) imports it.
"""
