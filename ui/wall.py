"""The class wall (?view=wall), for the lecturer's projector: how to join (QR code and URL), the
class's accuracy against MNIST's, its confusion matrix, and the newest drawings with what the
network read (wrong ones marked; click one to open it in the main view). Refreshes itself.
Lecturer actions sit behind the passcode.

Session state it owns: `lecturer_passcode`, `lecturer_ok`, `wall_delete_id`, `wall_clear_sure`.
"""

import base64
import io
import logging
import os

import numpy as np
import pandas as pd
import segno
import streamlit as st

from classwall.dataset import accuracy, class_dataset_npz, confusion, held_out
from classwall.lecturer import PASSCODE_VARIABLE, configured_passcode, passcode_matches
from classwall.store import WallStore, WallStoreError
from cnn.fine_tune import MIN_DRAWINGS, FineTuneReport, adopt_candidate, discard_candidate, pending_candidate
from cnn.model_store import LoadedModel
from cnn.training_job import AlreadyTraining, TrainingJob
from ui.resources import wall_store

REFRESH_SECONDS = 3
NEWEST = 18  # drawings on the wall: three rows of six at 1280x720
PUBLIC_URL_VARIABLE = "DIGIT_LENS_PUBLIC_URL"
log = logging.getLogger("digit_lens.wall")


def join_url() -> str:
    """The address students type: DIGIT_LENS_PUBLIC_URL, else the one this page was opened at."""
    given = os.environ.get(PUBLIC_URL_VARIABLE)
    if given:
        return given
    url = (getattr(st.context, "url", None) or "http://localhost:8501").split("?")[0]
    return url.rstrip("/") + "/"


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def join_ui() -> None:
    url = join_url()
    st.image(qr_png(url), width=210)
    st.markdown(f"**Join:** `{url}`")
    st.caption(
        "Draw, then press *Send to the class wall*. "
        f"Set {PUBLIC_URL_VARIABLE} if students reach the server at another address."
    )


def stats_ui(store: WallStore, loaded: LoadedModel) -> None:
    labels, reads = store.labels_and_reads()
    class_accuracy = accuracy(labels, reads)
    left, right = st.columns(2)
    left.metric(
        "The class's digits", "-" if class_accuracy is None else f"{class_accuracy:.0%}", help="Read right, of all sent"
    )
    right.metric(
        "MNIST test",
        f"{loaded.card.test_accuracy:.1%}" if loaded.card else "-",
        help="The same network on MNIST's test set",
    )
    st.caption(f"{len(labels)} drawings, {int((labels != reads).sum())} read wrong.")
    if len(labels):
        st.html(confusion_html(confusion(labels, reads)))


def confusion_html(matrix: np.ndarray) -> str:
    """The class's confusion matrix as a compact heatmap table (all of it fits beside the wall;
    a dataframe widget that size scrolls). Log scale, so single mistakes show beside the
    diagonal's dozens."""
    table = pd.DataFrame(
        matrix,
        index=pd.Index(range(10), name="meant ↓ read →"),
        columns=pd.Index(range(10)),
    )
    styled = table.style.background_gradient(cmap="Reds", gmap=np.log1p(matrix), axis=None)
    return styled.set_table_attributes('class="wall-confusion"').to_html()


def _tile(drawing, verdict: str | None = None) -> str:
    picture = base64.b64encode(drawing.picture).decode("ascii")
    right = drawing.read_right or verdict is not None
    verdict = verdict or (f"read {drawing.predicted}" if right else f"meant {drawing.label}, read {drawing.predicted}")
    return (
        f'<a class="wall-tile {"right" if right else "wrong"}" href="?drawing={drawing.id}" target="_self" '
        f'title="#{drawing.id}: open it with all its feature maps">'
        f'<img src="data:image/png;base64,{picture}" alt="drawing {drawing.id}"/>'
        f"<span>{verdict}</span></a>"
    )


def drawings_ui(store: WallStore) -> None:
    newest = store.recent(NEWEST)
    if not newest:
        st.info("No drawings yet. Students: draw a digit and press *Send to the class wall*.")
        return
    st.html(f'<div class="wall-grid">{"".join(_tile(d) for d in newest)}</div>')


@st.fragment(run_every=REFRESH_SECONDS)
def live_wall_ui(loaded: LoadedModel) -> None:
    try:
        store = wall_store()
    except WallStoreError as error:
        st.error(f"The class wall's database cannot be opened: {error}")
        return
    stats_column, drawings_column = st.columns([1.15, 2], gap="medium")
    with stats_column:
        stats_ui(store, loaded)
    with drawings_column:
        drawings_ui(store)


def lecturer_ui(job: TrainingJob) -> None:
    """Clear the wall, delete one drawing, export the class's data set, fine-tune: passcode first."""
    expected = configured_passcode(_secrets())
    with st.expander("Lecturer"):
        if expected is None:
            st.caption(
                f"Lecturer actions are off: set {PASSCODE_VARIABLE} "
                "(or `lecturer_passcode` in secrets) to turn them on."
            )
            return
        if not st.session_state.get("lecturer_ok"):
            given = st.text_input("Passcode", type="password", key="lecturer_passcode")
            if given and passcode_matches(given, expected):
                st.session_state.lecturer_ok = True
            elif given:
                log.warning("wall: a wrong lecturer passcode was entered")
                st.error("That is not the passcode.")
                return
            else:
                return
        store = wall_store()
        _lecturer_actions(store)
        fine_tune_ui(store, job)


def _lecturer_actions(store: WallStore) -> None:
    delete_column, clear_column, export_column = st.columns(3)
    with delete_column:
        drawing_id = st.number_input("Drawing #", min_value=1, step=1, key="wall_delete_id")
        if st.button("Delete it", key="wall_delete"):
            done = store.delete(int(drawing_id))
            _record(store, "delete", f"drawing {int(drawing_id)}: {'deleted' if done else 'not found'}")
            (st.success if done else st.warning)(
                f"Drawing #{int(drawing_id)} {'deleted' if done else 'is not on the wall'}."
            )
    with clear_column:
        sure = st.checkbox("Yes, remove every drawing", key="wall_clear_sure")
        if st.button("Clear the wall", key="wall_clear", disabled=not sure):
            removed = store.clear()
            _record(store, "clear", f"{removed} drawings removed")
            st.success(f"The wall is empty ({removed} drawings removed).")
    with export_column:
        st.download_button(
            "Export the class's digits (.npz)",
            lambda: class_dataset_npz(store),  # built only when pressed
            file_name="class_digits.npz",
            mime="application/octet-stream",
            on_click=lambda: _record(store, "export", f"{store.count()} drawings"),
            key="wall_export",
        )
        st.caption(
            "MNIST's layout: x_train, y_train, x_test (every fifth), y_test; `python -m cnn train --data` reads it."
        )


def _record(store: WallStore, action: str, detail: str) -> None:
    log.warning("wall: lecturer %s: %s", action, detail)
    store.log(action, detail)


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except Exception:  # noqa: BLE001 - no secrets file is the usual case, not an error
        return {}


def wall_page_ui(loaded: LoadedModel, job: TrainingJob) -> None:
    join_column, wall_column = st.columns([1, 4.2], gap="medium")
    with join_column:
        st.markdown("### Class wall")
        join_ui()
    with wall_column:
        live_wall_ui(loaded)
    lecturer_ui(job)


def fine_tune_ui(store: WallStore, job: TrainingJob) -> None:
    """Fine-tune the convnet on the wall's drawings (mixed with MNIST), see before and after on
    drawings it never trained on, then choose whether the new model replaces the current one."""
    st.markdown("**Fine-tune the convnet on the class's drawings**")
    status = job.status()
    if status.running:
        fine_tune_progress_ui(job)
        return
    pending = pending_candidate(job.model_path)
    if pending is not None:
        fine_tune_outcome_ui(store, job, pending)
        return
    if status.kind == "fine-tune" and status.state in ("failed", "cancelled"):
        st.warning(status.message)
    count = store.count()
    st.caption(
        f"Trains the current convnet a little on 4 of every 5 drawings on the wall, mixed with MNIST digits so "
        f"it does not forget them; the fifth drawings judge it. Everyone keeps the current model until you choose. "
        f"{count} drawings now (at least {MIN_DRAWINGS} needed)."
    )
    if st.button("Fine-tune now", key="wall_fine_tune", disabled=count < MIN_DRAWINGS):
        ids, images, labels = store.images_and_labels()
        try:
            job.start_fine_tune(images, labels, ids, held_out(len(labels)), started_by="the lecturer")
        except AlreadyTraining as busy:
            st.warning(f"{busy} One training at a time; wait for it or cancel it.")
            return
        _record(store, "fine-tune", f"started on {len(labels)} drawings")
        st.rerun()


@st.fragment(run_every=1.0)
def fine_tune_progress_ui(job: TrainingJob) -> None:
    status = job.status()
    if not status.running:
        st.rerun()
    what = "Fine-tuning" if status.kind == "fine-tune" else "A retrain is running"
    st.progress(status.fraction_done, text=f"{what}: {status.describe()}")
    if st.button("Cancel", key="wall_fine_tune_cancel"):
        job.cancel()


def fine_tune_outcome_ui(store: WallStore, job: TrainingJob, report: FineTuneReport) -> None:
    before, after = st.columns(2)
    before.metric(
        f"Class's held-out drawings ({report.held_out})",
        f"{report.class_after:.0%}",
        f"{(report.class_after - report.class_before) * 100:+.0f} points (was {report.class_before:.0%})",
    )
    after.metric(
        "MNIST test set",
        f"{report.mnist_after:.2%}",
        f"{(report.mnist_after - report.mnist_before) * 100:+.2f} points (was {report.mnist_before:.2%})",
    )
    st.caption(
        f"Trained on {report.trained_on} class drawings and {report.mnist_mixed:,} MNIST digits "
        f"in {report.seconds:.0f} s. "
        f"Held-out drawings it now reads right: {len(report.fixed_ids)}; "
        f"now reads wrong: {len(report.broken_ids)}."
    )
    fixed = [drawing for drawing in (store.get(i) for i in report.fixed_ids[:12]) if drawing is not None]
    if fixed:
        st.html(f'<div class="wall-grid">{"".join(_tile(d, "now read right") for d in fixed)}</div>')
    use, discard = st.columns(2)
    if use.button("Use the fine-tuned model", key="wall_adopt", type="primary"):
        adopt_candidate(job.model_path)
        _record(
            store, "adopt", f"class {report.class_before:.3f}->{report.class_after:.3f}, MNIST {report.mnist_after:.4f}"
        )
        st.rerun()
    if discard.button("Discard it", key="wall_discard"):
        discard_candidate(job.model_path)
        _record(store, "discard", "fine-tuned model discarded")
        st.rerun()


def close_wall_drawing() -> None:
    st.query_params.pop("drawing", None)


def wall_drawing_input_ui(drawing_id: str):
    """The input when a drawing was opened from the wall (?drawing=ID): its 28x28 as read then."""
    from cnn.preprocess import as_model_input

    st.button("Back to drawing my own", on_click=close_wall_drawing, key="close_wall_drawing", type="primary")
    try:
        drawing = wall_store().get(int(drawing_id))
    except (ValueError, WallStoreError) as error:
        st.warning(f"That drawing cannot be opened: {error}")
        return None
    if drawing is None:
        st.warning(f"Drawing #{drawing_id} is not on the class wall (any more).")
        return None
    st.image(drawing.picture, width=140, caption=f"Class wall #{drawing.id}, as drawn")
    st.markdown(f"Meant **{drawing.label}**; read as **{drawing.predicted}** when it was sent.")
    return as_model_input(drawing.image.astype(np.float32) / 255.0)
