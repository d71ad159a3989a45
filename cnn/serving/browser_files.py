"""The files the page downloads to run the network itself: each model's weights in the browser's
format (cnn/net/browser_weights.py), written once per model version into the folder Streamlit
serves (static/), under a name made from their content, so a browser may keep them as long as it
likes and a retrain or an adopted fine-tune is a new name every open page switches to.

    name = published_weights(loaded.network, STATIC / "weights")   # "convnet-3f2a....dlw"

Old versions are removed once KEPT_VERSIONS newer ones of the same network exist: a page that
still holds an older name gets the new one at its next rerun, and a folder served for a whole
course of retrains does not grow without end.
"""

import hashlib
import threading
import weakref
from pathlib import Path

from cnn.files.atomic import replacing
from cnn.net.browser_weights import browser_weights
from cnn.net.network import Network

_published: "weakref.WeakKeyDictionary[Network, str]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()  # sessions run in threads: one of them writes, the others wait for the name
KEPT_VERSIONS = 3  # per network name: the current one and the two before (a page mid-switch still finds its file)


def published_weights(network: Network, folder: Path) -> str:
    """The file name (in `folder`) of `network`'s weights, written the first time it is asked for."""
    with _lock:
        name = _published.get(network)
        if name is None:
            blob = browser_weights(network)
            name = f"{_safe(network.name)}-{hashlib.sha256(blob).hexdigest()[:16]}.dlw"
            path = folder / name
            if not (path.is_file() and path.read_bytes() == blob):  # another replica may have written it
                folder.mkdir(parents=True, exist_ok=True)
                with replacing(path, ".dlw") as temporary:
                    temporary.write_bytes(blob)
                _forget_old_versions(folder, _safe(network.name), keep=path)
            _published[network] = name
        return name


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "network"


def _forget_old_versions(folder: Path, stem: str, keep: Path) -> None:
    """Remove all but the KEPT_VERSIONS newest weights files of `stem` (never `keep`, just written)."""
    versions = sorted(folder.glob(f"{stem}-*.dlw"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in [p for p in versions if p != keep][KEPT_VERSIONS - 1 :]:
        old.unlink(missing_ok=True)  # another replica may have removed it already
