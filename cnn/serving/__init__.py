"""What the server process holds for every session at once: the loaded model, reloaded when its
file changes, and the MNIST test digits offered as inputs. Safe to call from several threads;
never imports Keras or TensorFlow.
"""
