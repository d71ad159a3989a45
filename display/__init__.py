"""What the page shows but does not draw: feature-map pictures (render), layer captions read from
the model, the probability chart's spec, the lecture view's arrays and the close-up rows.

Pure numpy, no Streamlit and no Keras: unit-tested on its own. The `ui` package puts these on
screen; the `cnn` package computes what they describe.
"""
