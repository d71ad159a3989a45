"""What the page shows but does not draw: the lecture view's payload, close-up rows, captions.

Pure numpy, no Streamlit and no Keras: unit-tested on its own. The `ui` package puts these on
screen; the `cnn` package computes what they describe.
"""
