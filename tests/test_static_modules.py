"""The browser's modules as Streamlit serves them: static serving is on, every piece ours
registers has its module, and every relative import in static/js/ names a file that exists
(node's tests import the pure modules; this covers the ones that touch the DOM too)."""

import re
import tomllib

from tests.support import REPO
from ui.components import STATIC, module_loader

IMPORT = re.compile(r'^\s*(?:import|export)\b[^"\']*?from\s+["\'](\.{1,2}/[^"\']+)["\']', re.MULTILINE)


def test_streamlit_serves_static():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableStaticServing"] is True


def test_every_relative_import_in_static_js_resolves():
    modules = sorted((STATIC / "js").rglob("*.js"))
    assert len(modules) >= 10, "the layout moved"
    missing = [
        f"{module.relative_to(REPO)} imports {target}"
        for module in modules
        for target in IMPORT.findall(module.read_text())
        if not (module.parent / target).resolve().is_file()
    ]
    assert missing == []


def test_the_loader_imports_the_pieces_module_from_the_served_folder():
    loader = module_loader("lecture_view")
    assert 'import(new URL("app/static/js/lecture_view.js", document.baseURI))' in loader
    assert "export default view.default" in loader
    # Every piece the page registers has its module (or, not yet moved, its inline file) and its CSS.
    stems = {m for f in (REPO / "ui").glob("*.py") for m in re.findall(r'own_component\(\s*"(\w+)"', f.read_text())}
    assert {"lecture_view", "feature_grid", "canvas_controls", "live_reading"} <= stems
    for stem in stems:
        assert (STATIC / "js" / f"{stem}.js").is_file() or (STATIC / "components" / f"{stem}.js").is_file(), stem
        assert (STATIC / "components" / f"{stem}.css").is_file(), stem
