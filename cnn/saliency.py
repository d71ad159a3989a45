"""Why this answer: which pixels of the 28x28 input the chosen class' probability is most
sensitive to (the gradient of its log-probability with respect to the input, Simonyan et al. 2013).

    heat = saliency(model, image, class_index=7)  # (28, 28) in [0, 1]
"""

import keras
import numpy as np
import tensorflow as tf

from cnn import IMAGE_SIZE


def saliency(model: keras.Model, image: np.ndarray, class_index: int) -> np.ndarray:
    """|d log p(class) / d pixel|, smoothed over a 3x3 neighbourhood and scaled to [0, 1]."""
    pixels = tf.constant(np.asarray(image, np.float32).reshape(1, IMAGE_SIZE, IMAGE_SIZE, 1))
    with tf.GradientTape() as tape:
        tape.watch(pixels)
        probability = model(pixels, training=False)[0, class_index]
        log_probability = tf.math.log(probability + 1e-12)  # keeps a gradient when p is near 1
    gradient = tape.gradient(log_probability, pixels).numpy()[0, ..., 0]
    heat = np.abs(gradient)
    # Single-pixel gradients are noisy; a 3x3 box blur shows regions a class can read.
    padded = np.pad(heat, 1, mode="edge")
    heat = sum(padded[r : r + IMAGE_SIZE, c : c + IMAGE_SIZE] for r in range(3) for c in range(3)) / 9.0
    peak = float(heat.max())
    return (heat / peak if peak > 0 else heat).astype(np.float32)
