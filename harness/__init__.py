"""Drives the real app from outside, for tests/ and bench/ alike: a Streamlit server process,
Debian's Chromium through Playwright, simulated drawings, a stand-in for the canvas component.
Never imported by the app.
"""
