"""The deep-dive chapters under the answer, one at a time: the feature maps (with the
convolution close-up), the notebook's lesson, dense net vs convnet (with the shift map), or the
digit among the test set's (its neighbours, and what would flip the answer).

One at a time because every element on the page is re-sent on every stroke: with both chapters a
stroke cost the server about twice the CPU (`bench/load_test.py`: 24.8 ms against 12.3 ms
without either), and a hall of students drawing at once is bounded by exactly that. The picker
also puts both chapters one tap away on the first screen instead of a long scroll apart.

The chosen chapter is also in the address (`?chapter=compare`), so a reload, a link or a tab that
comes back to another server process (a new session there) opens the same chapter.

Session state it owns: `chapter`, `chosen_chapter`.
"""

import streamlit as st

FEATURE_MAPS = "Feature maps"
COMPARE = "Dense net vs convnet"
AMONG = "Among 10,000 digits"
CHAPTERS = (FEATURE_MAPS, COMPARE, AMONG)
_IN_THE_ADDRESS = {FEATURE_MAPS: "maps", COMPARE: "compare", AMONG: "among"}


def chapter_ui() -> str:
    """The chapter to show under the answer (a radio: it fits the narrow middle column).

    The choice is kept outside the widget too: Streamlit forgets the value of a widget that a run
    does not draw (a visit to the lecture view or the wall), which would reopen the first chapter."""
    from_address = {v: k for k, v in _IN_THE_ADDRESS.items()}.get(st.query_params.get("chapter"), FEATURE_MAPS)
    chosen = st.session_state.get("chosen_chapter", from_address)
    if "chapter" not in st.session_state:
        st.session_state.chapter = chosen
    chapter = st.radio(
        "Look closer",
        CHAPTERS,
        key="chapter",
        help="Feature maps: what each layer of the convnet sees, and one value computed by hand. "
        "Dense net vs convnet: the notebook's comparison on your digit, and what moving it does. "
        "Among 10,000 digits: where your digit lands among the test digits, and what would change the answer.",
    )
    st.session_state.chosen_chapter = chapter
    if st.query_params.get("chapter") != _IN_THE_ADDRESS[chapter]:  # written only when it changes
        st.query_params["chapter"] = _IN_THE_ADDRESS[chapter]
    return chapter
