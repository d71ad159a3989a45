"""The chapter "Among 10,000 digits": where the drawing lands among the test digits the network
has seen, and what would change its answer."""

import streamlit as st

from cnn.net.reading import Reading
from cnn.serving.model_store import LoadedModel


def among_class_ui(loaded: LoadedModel, reading: Reading, dense: LoadedModel | None) -> None:
    st.subheader("Your digit among 10,000")
    st.caption("Where the drawing lands among the test digits, and what would change its answer.")
