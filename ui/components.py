"""Our own Components v2 pieces: each is an ES module `static/js/<stem>.js` (the browser's code
lives under static/js/, modules importing each other: lib/ holds what they share) styled by
`static/components/<stem>.css`, registered once at import under the name `digit_lens.<stem>`.

Why a loader: Streamlit turns a component's inline JS into a Blob URL and imports that, so a
relative `import "./lib/dom.js"` inside it has nothing to resolve against. The inline JS is
therefore two lines that import the real module from Streamlit's static file serving
(`server.enableStaticServing`, .streamlit/config.toml: static/ is served at <base>/app/static/),
resolved against the page's own address so it works at / and behind a base path alike.
"""

import base64
from pathlib import Path

import streamlit as st

from display.render import colour_table

STATIC = Path(__file__).resolve().parent.parent / "static"
# The colour table the browser-drawn maps use, the same viridis as the server's pictures.
VIRIDIS = base64.b64encode(colour_table("viridis").tobytes()).decode("ascii")
# And the diverging one for weights: red positive, blue negative, white zero.
RED_BLUE = base64.b64encode(colour_table("RdBu_r").tobytes()).decode("ascii")


def module_loader(stem: str) -> str:
    """The inline JS for piece `stem`: import static/js/<stem>.js, hand Streamlit its default export."""
    return (
        f'const view = await import(new URL("app/static/js/{stem}.js", document.baseURI));\n'
        "export default view.default;\n"
    )


def own_component(stem: str, html: str, name: str | None = None, css: tuple[str, ...] | None = None):
    """Piece `digit_lens.<name or stem>` run by static/js/<stem>.js, styled by the CSS of `css`'s
    stems (default: its own): two pieces may share a module, one of them holding both's parts."""
    module = STATIC / "js" / f"{stem}.js"
    # A piece not yet moved to static/js/ is sent inline as before (it can import nothing).
    js = module_loader(stem) if module.is_file() else (STATIC / "components" / f"{stem}.js").read_text()
    return st.components.v2.component(
        f"digit_lens.{name or stem}",
        html=html,
        css="\n".join((STATIC / "components" / f"{part}.css").read_text() for part in css or (stem,)),
        js=js,
    )
