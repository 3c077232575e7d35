"""A reuse's image: size-limited, its type read from its content, re-encoded without metadata.

The checks run in this order, each before any further work: the byte count (at most
:data:`MAX_IMAGE_BYTES`, read with one byte more so a larger upload is never read whole), the
first bytes (PNG, JPEG, GIF or WebP signatures; the name and the declared type are ignored),
the pixel count in the header (at most :data:`MAX_PIXELS`, with Pillow's own
decompression-bomb limit set to the same and its warning made an error), then decoding. The
image is shrunk to fit :data:`MAX_SIDE`, copied pixel by pixel into a new image (no EXIF, ICC
profile, text chunks or comments survive) and written as PNG when it came as PNG or GIF
(lossless: screenshots and charts stay sharp) or has transparency, else as JPEG. Refusals
are :class:`~catalog.errors.InvalidValue` with stable codes.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from catalog.errors import FileTooLarge, InvalidValue

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 25_000_000  # 5000 × 5000; a bomb declares far more in a small file
MAX_SIDE = 1600
MAX_STORED_BYTES = 4 * 1024 * 1024  # the re-encoded image (a noisy picture may grow as PNG)
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
)


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    media_type: str  # image/png or image/jpeg
    width: int
    height: int


def read_limited(stream: BinaryIO, limit: int = MAX_IMAGE_BYTES) -> bytes:
    """At most ``limit`` bytes of ``stream``; :class:`FileTooLarge` if there are more."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge("the image is larger than the limit", code="image-too-large")
    return data


def sniff(data: bytes) -> str | None:
    """The image format the content starts with (PNG, JPEG, GIF, WEBP), or None."""
    for signature, name in SIGNATURES:
        if data.startswith(signature):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def clean_image(data: bytes) -> CleanImage:
    """The image re-encoded as PNG or JPEG with no metadata, or a refusal."""
    if len(data) > MAX_IMAGE_BYTES:
        raise FileTooLarge("the image is larger than the limit", code="image-too-large")
    declared = sniff(data)
    if declared is None:
        raise InvalidValue("not a PNG, JPEG, GIF or WebP image", code="image-type")
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[declared]) as opened:
                width, height = opened.size
                if width * height > MAX_PIXELS or width < 1 or height < 1:
                    raise InvalidValue("the image has too many pixels", code="image-bomb")
                opened.seek(0)  # the first frame of an animation
                opened.load()
                image = _flattened(opened)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise InvalidValue("the image has too many pixels", code="image-bomb") from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            raise InvalidValue("the image cannot be read", code="image-unreadable") from error
    cleaned = _encoded(image, lossless=declared in ("PNG", "GIF"))
    if len(cleaned.data) > MAX_STORED_BYTES:
        raise FileTooLarge("the re-encoded image is too large", code="image-too-large-stored")
    return cleaned


def _flattened(image: Image.Image) -> Image.Image:
    """RGB or RGBA, shrunk to :data:`MAX_SIDE`, as a new image with no metadata."""
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    converted = image.convert("RGBA" if alpha else "RGB")
    converted.thumbnail((MAX_SIDE, MAX_SIDE))
    return Image.frombytes(converted.mode, converted.size, converted.tobytes())


def _encoded(image: Image.Image, lossless: bool) -> CleanImage:
    out = io.BytesIO()
    if lossless or image.mode == "RGBA":
        image.save(out, format="PNG", optimize=True)
        media_type = "image/png"
    else:
        image.save(out, format="JPEG", quality=85, optimize=True)
        media_type = "image/jpeg"
    return CleanImage(out.getvalue(), media_type, image.width, image.height)
