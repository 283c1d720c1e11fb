"""Uploaded pictures: decoded, turned upright, stripped of every byte of metadata, resized and
re-encoded, so that what we store and serve is a plain image we made ourselves."""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int
    max_pixels: int


def open_upload(upload, limits: ImageLimits) -> Image.Image:
    """Decode an upload fully or refuse it with a message the uploader understands."""
    size = getattr(upload, "size", None)
    if size is not None and size > limits.max_bytes:
        raise ValidationError(
            _("The file is too large: at most %(mb)d MB."),
            code="file_too_large",
            params={"mb": limits.max_bytes // (1024 * 1024)},
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in ACCEPTED_FORMATS:
                raise ValidationError(
                    _("Upload a JPEG, PNG or WebP image."), code="unsupported_format"
                )
            if image.width * image.height > limits.max_pixels:
                raise ValidationError(
                    _("The image is too large: at most %(mp)d megapixels."),
                    code="too_many_pixels",
                    params={"mp": limits.max_pixels // 1_000_000},
                )
            image.load()
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
