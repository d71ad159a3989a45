"""The lesson: the seed notebook's cells in its order, one step a screen (ui/lesson/frame.py)."""

from collections.abc import Callable

from ui.lesson.by_hand import learned_filter_step, matrix_step, pooling_step, seed_convolution_step
from ui.lesson.frame import Lesson, Step, lesson_frame_ui
from ui.lesson.network_steps import keras_step, maps_step
from ui.lesson.training_steps import claim_step, evaluation_step, training_step

STEPS = (
    Step("An image is a matrix of numbers", matrix_step),
    Step("Convolution by hand: a 5 x 5 image, a 3 x 3 filter", seed_convolution_step),
    Step("The same on your digit, with a filter the network learned", learned_filter_step),
    Step("Max pooling: the strongest of every 2 x 2", pooling_step),
    Step("The convnet in Keras, and model.summary()", keras_step),
    Step("Feature maps: what each layer extracts", maps_step),
    Step("Training: rmsprop, 5 epochs, batch 64", training_step),
    Step("Evaluation on 10,000 test digits", evaluation_step),
    Step("Dense net 92%, convnet 99%", claim_step),
)


def lesson_ui(lesson: Lesson, leave: Callable[[], None]) -> int:
    """`leave`: the callback of the frame's button back to the drawing page."""
    return lesson_frame_ui(STEPS, lesson, leave)
