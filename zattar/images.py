"""Uploaded pictures: decoded, turned upright, stripped of every byte of metadata, resized and
re-encoded, so that what we store and serve is a plain image we made ourselves.

Decoding is bounded, since a small file can describe an enormous picture: at most
IMAGE_MAX_PIXELS pixels and IMAGE_MAX_PIXELS_PER_BYTE pixels per byte of file (both read from the
header, before anything is decoded); JPEGs decoded at a reduced scale (`draft`) and other formats
reduced right after decoding, never below the largest size we make; and at most
IMAGE_DECODE_CONCURRENCY decodes at once per process, so one uploader cannot hold every worker.
"""

import io
import math
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
# Pictures up to this size decode in a few milliseconds whatever their file size: no
# pixels-per-byte check (a small flat logo compresses very well and is harmless).
SMALL_IMAGE_PIXELS = 2_000_000
REDUCIBLE_MODES = frozenset({"L", "LA", "RGB", "RGBA"})


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int
    max_pixels: int  # further capped by settings.IMAGE_MAX_PIXELS
    # The longest side the caller will make from the picture: decoding may scale down to it.
    working_side: int = 1600


class DecoderBusy(ValidationError):
    """Every decoding slot of this process stayed taken for IMAGE_DECODE_WAIT_SECONDS.

    A ValidationError, so that forms show it by the file; the API answers 503 with `as_dict()`
    (zattar.exceptions)."""

    status_code = 503
    retry_after = 10

    def __init__(self) -> None:
        super().__init__(
            _("The server is busy processing other pictures. Try again in a moment."),
            code="server_busy",
        )

    def as_dict(self) -> dict:
        return {"detail": str(self.message), "code": self.code, "retry_after": self.retry_after}


_slots_lock = threading.Lock()
_slots: tuple[int, threading.BoundedSemaphore] | None = None


def _decode_slots() -> threading.BoundedSemaphore:
    global _slots
    size = settings.IMAGE_DECODE_CONCURRENCY
    with _slots_lock:
        if _slots is None or _slots[0] != size:
            _slots = (size, threading.BoundedSemaphore(size))
        return _slots[1]


@contextmanager
def decode_slot() -> Iterator[None]:
    """Hold one of this process's decoding slots, or raise DecoderBusy after the wait."""
    slots = _decode_slots()
    if not slots.acquire(timeout=settings.IMAGE_DECODE_WAIT_SECONDS):
        raise DecoderBusy()
    try:
        yield
    finally:
        slots.release()


def _upload_size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        size = upload.seek(0, io.SEEK_END)
    return size


def open_upload(upload, limits: ImageLimits) -> Image.Image:
    """Decode an upload or refuse it with a message the uploader understands.

    The picture may come back scaled down, never below `limits.working_side` on its longest
    side; its EXIF orientation is kept for `upright_rgb`."""
    size = _upload_size(upload)
    if size > limits.max_bytes:
        raise ValidationError(
            _("The file is too large: at most %(mb)d MB."),
            code="file_too_large",
            params={"mb": limits.max_bytes // (1024 * 1024)},
        )
    max_pixels = min(limits.max_pixels, settings.IMAGE_MAX_PIXELS)
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)  # reads the header only
            if image.format not in ACCEPTED_FORMATS:
                raise ValidationError(
                    _("Upload a JPEG, PNG or WebP image."), code="unsupported_format"
                )
            pixels = image.width * image.height
            if pixels > max_pixels:
                raise ValidationError(
                    _("The image is too large: at most %(mp)d megapixels."),
                    code="too_many_pixels",
                    params={"mp": max_pixels // 1_000_000},
                )
            if pixels > SMALL_IMAGE_PIXELS and pixels > settings.IMAGE_MAX_PIXELS_PER_BYTE * size:
                raise ValidationError(
                    _(
                        "The image is not a photo: its file is far too small for its size in "
                        "pixels. Upload the original picture."
                    ),
                    code="implausible_image",
                )
            with decode_slot():
                image = _decode(image, limits.working_side)
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,  # (an OSError) not a picture
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,  # truncated or corrupt
        SyntaxError,
        ValueError,
    ):
        raise ValidationError(
            _("Upload a valid image: the file is not a picture or is damaged."),
            code="invalid_image",
        ) from None
    finally:
        upload.seek(0)
    return image


def _decode(image: Image.Image, working_side: int) -> Image.Image:
    """The decoded picture, as small as it can be without its longest side going below
    `working_side`: JPEGs are decoded at 1/2, 1/4 or 1/8 scale, others reduced after decoding."""
    longest = max(image.size)
    if image.format == "JPEG" and longest > 2 * working_side:
        ratio = working_side / longest
        image.draft(None, (math.ceil(image.width * ratio), math.ceil(image.height * ratio)))
    image.load()
    factor = max(image.size) // working_side
    if factor < 2:
        return image
    info = image.info  # EXIF and XMP: the orientation upright_rgb applies
    if image.mode not in REDUCIBLE_MODES:
        image = image.convert("RGBA")
    reduced = image.reduce(factor)
    reduced.info = dict(info)
    return reduced


def reencode(image: Image.Image, *, longest_side: int, quality: int = 85) -> ContentFile:
    """An upright JPEG no larger than `longest_side`, with no metadata at all."""
    upright = upright_rgb(image)
    upright.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    return encode_jpeg(upright, quality=quality)


def upright_rgb(image: Image.Image) -> Image.Image:
    upright = ImageOps.exif_transpose(image)
    if upright.mode not in ("RGB", "L"):
        background = Image.new("RGB", upright.size, (255, 255, 255))
        rgba = upright.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        upright = background
    return upright.convert("RGB")


def encode_jpeg(image: Image.Image, quality: int = 85) -> ContentFile:
    """A fresh RGB image with the pixels only: no EXIF, GPS, ICC or comments survive."""
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    buffer = io.BytesIO()
    clean.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue())


def cover_crop(image: Image.Image, size: tuple[int, int], quality: int = 80) -> ContentFile:
    """A thumbnail that fills `size` exactly, cropped around the centre."""
    return encode_jpeg(ImageOps.fit(image, size, Image.Resampling.LANCZOS), quality=quality)
