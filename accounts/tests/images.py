"""Real image files for upload tests, made with Pillow."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def jpeg_with_gps(width: int = 1200, height: int = 800, orientation: int = 6) -> bytes:
    """A JPEG carrying an EXIF orientation and a GPS position, as phones write them."""
    image = Image.new("RGB", (width, height), (139, 94, 60))
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation: rotate 90 CW to display
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (43.0, 15.0, 0.0)  # Almaty
    gps[3] = "E"
    gps[4] = (76.0, 53.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def png_bytes(width: int = 64, height: int = 64, mode: str = "RGBA") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), (200, 150, 100, 128)[: len(mode)]).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)
