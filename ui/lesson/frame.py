"""The lesson's frame: which step is shown (from the address, `?step=3`, so a lecturer can project
"step 3" and students can come back to it), where you are ("Step 3 of 9"), and Back / Next at the
top, where they are on a projector's screen and above a phone's fold.

Session state it owns: `lesson_on_canvas_step` (False on every step but the first; see digit.py).
"""

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from cnn.jobs.training_job import TrainingJob
from cnn.serving.model_store import LoadedModel


@dataclass(frozen=True)
class Lesson:
    """What every step may use: the models in use and the training job."""

    loaded: LoadedModel
    dense: LoadedModel | None
    job: TrainingJob
    model_path: str


@dataclass(frozen=True)
class Step:
    title: str
    show: Callable[[Lesson], None]


def step_number(steps: tuple[Step, ...]) -> int:
    """1-based, from the address; anything else there is step 1."""
    try:
        number = int(st.query_params.get("step", "1"))
    except ValueError:
        return 1
    return min(max(number, 1), len(steps))


def _go(number: int) -> None:
    st.query_params["step"] = str(number)


def lesson_frame_ui(steps: tuple[Step, ...], lesson: Lesson, leave: Callable[[], None]) -> int:
    """The heading, where you are, Back / Next; then the step itself. Returns the step shown."""
    number = step_number(steps)
    if st.query_params.get("step") != str(number):
        st.query_params["step"] = str(number)  # the address always names the step shown
    step = steps[number - 1]
    if number != 1:
        st.session_state.lesson_on_canvas_step = False
    with st.container(key="lesson_frame"):
        heading, out, back, forward = st.columns([6, 1.1, 1, 1], vertical_alignment="center")
        heading.markdown(f"Lesson · step {number} of {len(steps)}")
        out.button("Leave", on_click=leave, key="lesson_to_detailed", width="stretch", help="Back to the drawing page")
        back.button("Back", on_click=_go, args=(number - 1,), disabled=number == 1, key="lesson_back", width="stretch")
        forward.button(
            "Next",
            on_click=_go,
            args=(number + 1,),
            disabled=number == len(steps),
            key="lesson_next",
            type="primary",
            width="stretch",
        )
        # The title under the buttons' row, not beside them: on a phone a long title wrapping
        # inside the row's first column ran under the wrapped buttons.
        st.markdown(f"#### {step.title}")
        st.progress(number / len(steps))
    step.show(lesson)
    return number
