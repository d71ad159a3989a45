"""The page, one module per section of the screen; `app.py` only composes them.

Sections call the `cnn` package and never the other way round.
"""
