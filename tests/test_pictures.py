"""Reading picture files and uploads: every kind of bad file gets one clear error."""

import io

import numpy as np
import pytest
from PIL import Image

from cnn.files.pictures import MAX_SIDE, PictureError, read_picture
from cnn.net.preprocess import preprocess


def encode(picture: Image.Image, fmt="PNG", **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


def digit_picture(mode="L", size=200) -> Image.Image:
    picture = Image.new("L", (size, size), 255)
    picture.paste(0, (size // 2 - 10, size // 5, size // 2 + 10, size * 4 // 5))  # a dark "1"
    return picture.convert(mode)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "1", "CMYK", "LA"])
def test_common_modes_are_read_and_give_a_digit(mode):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    pixels = read_picture(encode(digit_picture(mode), fmt))
    assert pixels.shape[:2] == (200, 200)
    assert preprocess(pixels).status == "ok"


def test_sixteen_bit_keeps_its_range():
    values = np.zeros((100, 100), np.uint16)
    values[20:80, 45:55] = 50_000
    pixels = read_picture(encode(Image.fromarray(values)))
    assert pixels.dtype == np.float32 and 0.7 < pixels.max() <= 1.0
    assert preprocess(pixels).status == "ok"


def test_animated_picture_gives_its_first_frame():
    first, second = digit_picture(), Image.new("L", (200, 200), 255)
    data = encode(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
    assert preprocess(read_picture(data)).status == "ok"


def test_large_photo_is_shrunk_while_decoding():
    pixels = read_picture(encode(digit_picture("RGB", size=3000), "JPEG"))
    assert max(pixels.shape[:2]) <= MAX_SIDE
    assert preprocess(pixels).status == "ok"


def test_decompression_bomb_is_refused_without_decoding():
    bomb = encode(Image.new("1", (20_000, 20_000)))  # about 60 KB on disk, 400 megapixels
    assert len(bomb) < 200_000
    with pytest.raises(PictureError, match="too large"):
        read_picture(bomb)


def _half_of_a_png() -> bytes:
    noise = np.random.default_rng(0).integers(0, 256, (200, 200), dtype=np.uint8)
    data = encode(Image.fromarray(noise))
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"hello, this is text", "not a picture"),
        (_half_of_a_png(), "damaged or truncated"),
    ],
    ids=["zero-bytes", "text", "truncated-png"],
)
def test_bad_uploads_get_one_clear_error(data, message):
    with pytest.raises(PictureError, match=message) as caught:
        read_picture(data)
    assert "\n" not in str(caught.value)


def test_bad_files_name_the_file(tmp_path):
    missing = tmp_path / "missing.png"
    with pytest.raises(PictureError, match="missing.png"):
        read_picture(missing)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(PictureError, match="empty.png is empty"):
        read_picture(empty)


_MEASURE_PEAK = """
import resource, sys
from cnn.files.pictures import PictureError, read_picture
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    read_picture(data)
except PictureError:
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)  # KiB
"""


@pytest.mark.parametrize("kind", ["bomb", "photo"])
def test_reading_a_bomb_or_a_big_photo_keeps_memory_bounded(tmp_path, kind):
    import subprocess
    import sys

    from tests.support import REPO

    path = tmp_path / "picture"
    if kind == "bomb":  # 400 megapixels: 400 MB if decoded
        path.write_bytes(encode(Image.new("1", (20_000, 20_000))))
    else:  # 16 megapixels: 48 MB decoded at full size; draft mode decodes it at 1/4 scale
        path.write_bytes(encode(digit_picture("RGB", size=4000), "JPEG"))
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE_PEAK, str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    growth_mib = int(result.stdout.strip()) / 1024
    assert growth_mib < 30, f"reading the {kind} grew the process by {growth_mib:.0f} MiB"
