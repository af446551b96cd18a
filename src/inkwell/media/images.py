"""Uploaded file → square profile picture. Decoding is CPU- and memory-hungry, so it runs in
worker threads, a few at a time, and trusts only the file's bytes, never its name."""

import io
from typing import BinaryIO

import anyio
from PIL import Image, ImageOps, UnidentifiedImageError
from starlette.datastructures import UploadFile

from inkwell.errors import DomainError

# Pillow format name → the content type a client may declare for it.
ACCEPTED_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
# Declared types that claim nothing, so only the content decides.
UNSPECIFIC_TYPES = frozenset({None, "", "application/octet-stream"})
OUTPUT_CONTENT_TYPE = "image/webp"
OUTPUT_EXTENSION = "webp"
WEBP_QUALITY = 85


class InvalidUpload(DomainError):
    status_code = 422


class UnsupportedImage(DomainError):
    status_code = 415


class UnreadableImage(DomainError):
    status_code = 422


class PictureProcessor:
    def __init__(self, *, size: int, max_pixels: int, concurrency: int) -> None:
        self.size = size
        self.max_pixels = max_pixels
        self._limiter = anyio.CapacityLimiter(concurrency)

    async def profile_picture(self, upload: UploadFile) -> bytes:
        """The upload as a square WebP of `size` pixels, without metadata (GPS and the like)."""
        if not upload.size:
            raise InvalidUpload("The file is empty")
        if _looks_like_a_path(upload.filename):
            raise InvalidUpload("The file name must be a plain name, without a path")
        return await anyio.to_thread.run_sync(
            self._square_picture, upload.file, upload.content_type, limiter=self._limiter
        )

    def _square_picture(self, source: BinaryIO, declared_type: str | None) -> bytes:
        source.seek(0)
        try:
            with Image.open(source, formats=list(ACCEPTED_FORMATS)) as image:
                self._check(image, declared_type)
                # JPEG decodes straight to a fraction of its size, still at least size by size.
                image.draft(image.mode, (self.size, self.size))
                ImageOps.exif_transpose(image, in_place=True)  # decodes the first frame
                square = self._square(image)
        except UnidentifiedImageError as exc:
            raise UnsupportedImage("The file is not a JPEG, PNG, WebP or GIF image") from exc
        except Image.DecompressionBombError as exc:
            raise self._too_many_pixels() from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise UnreadableImage("The image is damaged or truncated") from exc
        output = io.BytesIO()
        square.save(output, "WEBP", quality=WEBP_QUALITY)
        return output.getvalue()

    def _check(self, image: Image.Image, declared_type: str | None) -> None:
        """Refuses bombs before decoding (only the header is read so far) and spoofed types."""
        if image.width * image.height > self.max_pixels:
            raise self._too_many_pixels()
        actual_type = ACCEPTED_FORMATS[str(image.format)]
        if declared_type not in UNSPECIFIC_TYPES and declared_type != actual_type:
            raise UnsupportedImage(
                f"The file was sent as {declared_type} but its content is {actual_type}"
            )

    def _square(self, image: Image.Image) -> Image.Image:
        """Center-cropped and resized; converted only when needed: a copy costs a whole image."""
        mode = "RGBA" if image.has_transparency_data else "RGB"
        upright = image if image.mode == mode else image.convert(mode)
        return ImageOps.fit(upright, (self.size, self.size), Image.Resampling.LANCZOS)

    def _too_many_pixels(self) -> UnreadableImage:
        return UnreadableImage(f"The image has more than {self.max_pixels} pixels")


def _looks_like_a_path(filename: str | None) -> bool:
    """Browsers send a bare name; a path is a broken or hostile client (the name is never used)."""
    return filename is not None and ("/" in filename or "\\" in filename)
