"""The lecturer's side of the class wall, behind the passcode: moderate (hold new drawings, approve
or hide each with one tap, hide one already on the wall), delete a drawing, clear the wall,
export the class's data set, and fine-tune the convnet on the class's drawings (then adopt or
discard the result). Every action is logged, to the server log and the database. The panel sits
under the projected wall, so held drawings show only their count until the lecturer turns on
"Show held drawings (not on the projector)".

Session state it owns: `lecturer_passcode`, `lecturer_ok`, `wall_hold`, `wall_show_held`, `wall_approve_*`,
`wall_hide_*`, `wall_approve_all`, `wall_delete_id`, `wall_clear_sure`, `wall_clear_confirmed`, `wall_fine_tune*`,
`wall_adopt`, `wall_discard`, `wall_export`.
"""

import logging
import time

import streamlit as st

from classwall.dataset import class_dataset_npz, held_out
from classwall.lecturer import PASSCODE_VARIABLE, configured_passcode, passcode_matches
from classwall.moderation import holds_new_drawings, set_holding
from classwall.store import HELD, HIDDEN, SHOWN, WallStore, WallStoreError
from cnn.files.candidates import MIN_DRAWINGS, FineTuneReport, adopt_candidate, discard_candidate, pending_candidate
from cnn.jobs.training_job import AlreadyTraining, TrainingJob
from cnn.net.network import ModelFileError
from ui.resources import wall_store
from ui.wall import refresh_wall
from ui.wall_tiles import tile

log = logging.getLogger("digit_lens.wall")
WRONG_PASSCODE = "wrong passcode"  # as logged in the database
MAX_WRONG_PER_MINUTE = 5
QUEUE_REFRESH_SECONDS = 3  # as often as the wall itself: a new drawing waits at most this long to be seen
MODERATED_AT_ONCE = 12  # held drawings, and drawings on the wall, offered at a time: two rows of six
SHOW_HELD = "wall_show_held"  # the switch that shows the held drawings' tiles (off: only their count)


def lecturer_passcode() -> str | None:
    """The lecturer's passcode, if one is set (environment, else Streamlit's secrets)."""
    return configured_passcode(_secrets())


def lecturer_ui(job: TrainingJob) -> None:
    """Moderate, clear the wall, delete one drawing, export the class's data set, fine-tune:
    passcode first."""
    expected = lecturer_passcode()
    with st.expander("Lecturer"):
        if expected is None:
            st.caption(
                f"Lecturer actions are off: set {PASSCODE_VARIABLE} "
                "(or `lecturer_passcode` in secrets) to turn them on."
            )
            return
        try:
            store = wall_store()
            if not st.session_state.get("lecturer_ok") and not _passcode_ui(store, expected):
                return
            moderation_ui(store)
            _lecturer_actions(store)
            fine_tune_ui(store, job)
        except WallStoreError as error:
            st.error(f"The class wall's database cannot be used: {error}")


def _passcode_ui(store: WallStore, expected: str) -> bool:
    """True once the right passcode is in. Wrong guesses are counted in the database (every
    process sees them) and cost a second each; after MAX_WRONG_PER_MINUTE, guessing stops."""
    given = st.text_input("Passcode", type="password", key="lecturer_passcode")
    if not given:
        return False
    if store.actions_since(WRONG_PASSCODE, time.time() - 60) >= MAX_WRONG_PER_MINUTE:
        st.error("Too many wrong passcodes in the last minute; wait a minute and try again.")
        return False
    if passcode_matches(given, expected):
        st.session_state.lecturer_ok = True
        return True
    time.sleep(1)
    _record(store, WRONG_PASSCODE, "a wrong lecturer passcode was entered")
    st.error("That is not the passcode.")
    return False


def moderation_ui(store: WallStore) -> None:
    """Whether new drawings wait for approval, and the queue of those that do."""
    st.toggle(
        "Hold new drawings until I approve them",
        value=holds_new_drawings(store, passcode_set=True),
        key="wall_hold",
        on_change=_switch_holding,
        args=(store,),
        help="The wall is projected: held, a drawing shows only once you approve it.",
    )
    moderation_queue_ui(store)


def _switch_holding(store: WallStore) -> None:
    on = bool(st.session_state.wall_hold)
    set_holding(store, on)
    _record(store, "hold", "new drawings are held for approval" if on else "new drawings show at once")


@st.fragment(run_every=QUEUE_REFRESH_SECONDS)
def moderation_queue_ui(store: WallStore) -> None:
    """Held drawings with Approve / Hide, then the wall's newest with Hide: one tap each. Refreshes
    itself, so a drawing sent meanwhile appears without the lecturer doing anything."""
    try:
        held, waiting = store.recent(MODERATED_AT_ONCE, status=HELD), store.count(HELD)
        shown = store.recent(MODERATED_AT_ONCE, status=SHOWN)
    except WallStoreError as error:
        st.error(f"The class wall's database cannot be read: {error}")
        return
    if waiting:
        held_queue_ui(store, held, waiting)
    else:
        st.session_state.pop(SHOW_HELD, None)  # the queue is empty: the next held drawing arrives unseen again
        st.caption("No drawing is waiting for approval.")
    if shown:
        st.markdown("**On the wall now** (newest first): Hide takes one off every wall at its next refresh.")
        _drawing_buttons(store, shown, (("Hide", HIDDEN),))


def held_queue_ui(store: WallStore, held, waiting: int) -> None:
    """How many wait, and, only once the lecturer asks for them, their tiles with Approve / Hide.
    This panel sits under the projected wall: a lecturer who unlocks it there must not put what
    they have not approved in front of the hall, so the tiles are behind an explicit switch, off
    by default and off again whenever the queue empties."""
    heading, approve_all = st.columns([3, 1], vertical_alignment="center")
    heading.markdown(f"**Waiting for you: {waiting}** (newest first)")
    showing = st.toggle(
        "Show held drawings (not on the projector)",
        key=SHOW_HELD,
        help="They show on this page, which is the projected one: turn this on on your own screen only.",
    )
    if not showing:
        st.caption(
            "Held drawings are not shown: this page is on the projector. On your own phone or laptop, "
            "open this page, unlock this panel and turn on the switch to approve or hide them."
        )
        return
    approve_all.button(
        f"Approve all {waiting}", key="wall_approve_all", on_click=_approve_all, args=(store,), type="primary"
    )
    st.caption("While the switch is on, every new held drawing shows here as it arrives.")
    _drawing_buttons(store, held, (("Approve", SHOWN), ("Hide", HIDDEN)))


def _drawing_buttons(store: WallStore, drawings, actions) -> None:
    """Six to a row: each drawing's tile, and one button per action under it."""
    for start in range(0, len(drawings), 6):
        for column, drawing in zip(st.columns(6), drawings[start : start + 6], strict=False):
            with column:
                st.html(tile(drawing, link=False))
                for label, status in actions:
                    column.button(
                        f"{label} #{drawing.id}",
                        key=f"wall_{label.lower()}_{drawing.id}",
                        on_click=_moderate,
                        args=(store, drawing.id, status),
                        type="primary" if status == SHOWN else "secondary",
                        width="stretch",
                    )


def _moderate(store: WallStore, drawing_id: int, status: str) -> None:
    """Runs as the button is pressed, before the rerun draws the panel and the wall anew."""
    done = store.set_status(drawing_id, status)
    refresh_wall()
    _record(store, "approve" if status == SHOWN else "hide", f"drawing {drawing_id}: {status if done else 'not found'}")


def _approve_all(store: WallStore) -> None:
    approved = store.set_status_of_all(HELD, SHOWN)
    refresh_wall()
    _record(store, "approve", f"all {approved} held drawings")


def _lecturer_actions(store: WallStore) -> None:
    delete_column, clear_column, export_column = st.columns(3)
    with delete_column:
        drawing_id = st.number_input("Drawing #", min_value=1, step=1, key="wall_delete_id")
        if st.button("Delete it", key="wall_delete"):
            done = store.delete(int(drawing_id))
            refresh_wall()
            _record(store, "delete", f"drawing {int(drawing_id)}: {'deleted' if done else 'not found'}")
            (st.success if done else st.warning)(
                f"Drawing #{int(drawing_id)} {'deleted' if done else 'is not on the wall'}."
            )
    with clear_column:
        st.checkbox("Yes, remove every drawing", key="wall_clear_sure")
        if st.button("Clear the wall", key="wall_clear", on_click=_confirm_clear):
            if st.session_state.pop("wall_clear_confirmed", False):
                removed = store.clear()
                refresh_wall()
                _record(store, "clear", f"{removed} drawings removed")
                st.success(f"The wall is empty ({removed} drawings removed).")
            else:
                st.warning("Tick the box first: clearing removes every drawing.")
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
            "MNIST's layout: x_train, y_train, x_test (drawings #5, #10, ...), y_test; "
            "`python -m cnn train --data` reads it."
        )


def _confirm_clear() -> None:
    """Runs as Clear is pressed: take the tick as this press's confirmation and untick the box,
    so the next clear asks again."""
    st.session_state.wall_clear_confirmed = st.session_state.get("wall_clear_sure", False)
    st.session_state.wall_clear_sure = False


def _record(store: WallStore, action: str, detail: str) -> None:
    log.warning("wall: lecturer %s: %s", action, detail)
    store.log(action, detail)


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except Exception:  # noqa: BLE001 - no secrets file is the usual case, not an error
        return {}


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
        f"Only drawings the wall shows are used, never held or hidden ones. "
        f"{count} drawings now (at least {MIN_DRAWINGS} needed)."
    )
    if st.button("Fine-tune now", key="wall_fine_tune", disabled=count < MIN_DRAWINGS):
        ids, images, labels = store.images_and_labels()
        try:
            job.start_fine_tune(images, labels, ids, held_out(ids), started_by="the lecturer")
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
        st.html(f'<div class="wall-grid">{"".join(tile(d, "now read right") for d in fixed)}</div>')
    use, discard = st.columns(2)
    if use.button("Use the fine-tuned model", key="wall_adopt", type="primary"):
        try:
            adopt_candidate(job.model_path)
        except (ValueError, ModelFileError) as refusal:
            st.error(f"The fine-tuned model was not put in use: {refusal}")
            return
        _record(
            store, "adopt", f"class {report.class_before:.3f}->{report.class_after:.3f}, MNIST {report.mnist_after:.4f}"
        )
        st.rerun()
    if discard.button("Discard it", key="wall_discard"):
        discard_candidate(job.model_path)
        _record(store, "discard", "fine-tuned model discarded")
        st.rerun()
