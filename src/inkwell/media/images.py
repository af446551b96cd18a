"""Uploaded file → square profile picture. Decoding is CPU- and memory-hungry, so it runs in
worker threads, a few at a time, with a short queue in front of them, and trusts only the
file's bytes, never its name."""

import asyncio
import io
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import BinaryIO, Self

import anyio
from PIL import Image, ImageOps, UnidentifiedImageError
from starlette.datastructures import UploadFile

from inkwell.errors import DomainError, ErrorCode, ServiceUnavailable
from inkwell.media.config import MediaSettings

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
# Decoders run this much nicer than the event loop (0 to 19: lowest priority).
DECODER_NICENESS = 10


class InvalidUpload(DomainError):
    status_code = 422
    code = ErrorCode.UPLOAD_INVALID


class UnsupportedImage(DomainError):
    status_code = 415
    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE


class UnreadableImage(DomainError):
    status_code = 422
    code = ErrorCode.IMAGE_UNREADABLE


class PictureProcessorBusy(ServiceUnavailable):
    def __init__(self) -> None:
        super().__init__("Too many pictures are being processed; try again shortly")


class PictureProcessor:
    """Decodes on `concurrency` threads of its own, at a lower CPU priority than the event
    loop's: when uploads pile up, they wait for the CPU rather than the pages."""

    def __init__(
        self, *, size: int, max_pixels: int, max_side: int, concurrency: int, queue: int
    ) -> None:
        self.size = size
        self.max_pixels = max_pixels
        self.max_side = max_side
        self._decoders = ThreadPoolExecutor(
            concurrency, thread_name_prefix="picture", initializer=_yield_cpu_to_requests
        )
        self._admission_limit = concurrency + queue
        self._admitted = 0

    @classmethod
    def from_settings(cls, settings: MediaSettings) -> Self:
        return cls(
            size=settings.profile_image_size,
            max_pixels=settings.max_image_pixels,
            max_side=settings.max_image_side,
            concurrency=settings.image_processing_concurrency,
            queue=settings.image_processing_queue,
        )

    def close(self) -> None:
        self._decoders.shutdown(wait=False, cancel_futures=True)

    async def profile_picture(self, upload: UploadFile) -> bytes:
        """The upload as a square WebP of `size` pixels, without metadata (GPS and the like)."""
        if not upload.size:
            raise InvalidUpload("The file is empty")
        if _looks_like_a_path(upload.filename):
            raise InvalidUpload("The file name must be a plain name, without a path")
        # The header alone, before taking a decoder's place: bombs and fakes are refused at
        # once, however busy the decoders are. The image is opened again to be decoded: an
        # open WebP already holds its canvas, which a waiting upload must not.
        await anyio.to_thread.run_sync(self._check_header, upload.file, upload.content_type)
        with self._admission():
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._decoders, self._square_picture, upload.file, upload.content_type
            )

    @contextmanager
    def _admission(self) -> Iterator[None]:
        """A place among the decoding or the few waiting for a decoder, or 503 at once: an
        unbounded queue would only hold requests (and their files) for longer and longer."""
        if self._admitted >= self._admission_limit:
            raise PictureProcessorBusy
        self._admitted += 1
        try:
            yield
        finally:
            self._admitted -= 1

    def _check_header(self, source: BinaryIO, declared_type: str | None) -> None:
        with self._open(source, declared_type):
            pass  # dropped: the decoder opens it again

    def _open(self, source: BinaryIO, declared_type: str | None) -> Image.Image:
        """Reads only the header: refuses bombs and spoofed types before any decoding."""
        source.seek(0)
        with self._refusing_bad_images():
            image = Image.open(source, formats=list(ACCEPTED_FORMATS))
            self._check(image, declared_type)
        return image

    def _check(self, image: Image.Image, declared_type: str | None) -> None:
        if max(image.size) > self.max_side:
            raise self._too_large()
        actual_type = ACCEPTED_FORMATS[str(image.format)]
        if declared_type not in UNSPECIFIC_TYPES and declared_type != actual_type:
            raise UnsupportedImage(
                f"The file was sent as {declared_type} but its content is {actual_type}"
            )
        # JPEG decodes straight to a fraction of its size, still at least size by size.
        image.draft(image.mode, (self.size, self.size))
        # The pixels to decode: for a JPEG, its draft's (a phone's 48 megapixels decode as
        # 0.75), for the other formats all of them.
        if image.width * image.height > self.max_pixels:
            raise self._too_large()

    def _square_picture(self, source: BinaryIO, declared_type: str | None) -> bytes:
        with self._refusing_bad_images(), self._open(source, declared_type) as image:
            ImageOps.exif_transpose(image, in_place=True)  # decodes the first frame
            square = self._square(image)
        output = io.BytesIO()
        square.save(output, "WEBP", quality=WEBP_QUALITY)
        return output.getvalue()

    @contextmanager
    def _refusing_bad_images(self) -> Iterator[None]:
        try:
            yield
        except UnidentifiedImageError as exc:
            raise UnsupportedImage("The file is not a JPEG, PNG, WebP or GIF image") from exc
        except Image.DecompressionBombError as exc:
            raise self._too_large() from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise UnreadableImage("The image is damaged or truncated") from exc

    def _square(self, image: Image.Image) -> Image.Image:
        """Center-cropped and resized; converted only when needed: a copy costs a whole image."""
        mode = "RGBA" if image.has_transparency_data else "RGB"
        upright = image if image.mode == mode else image.convert(mode)
        return ImageOps.fit(upright, (self.size, self.size), Image.Resampling.LANCZOS)

    def _too_large(self) -> UnreadableImage:
        return UnreadableImage(
            f"The image is too large: at most {self.max_side} pixels wide and high, "
            f"and {self.max_pixels} pixels in all"
        )


def _yield_cpu_to_requests() -> None:
    """Lowers the decoding thread's priority (Linux keeps a nice value per thread). Where
    the system refuses, decoding keeps the usual priority."""
    with suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), DECODER_NICENESS)


def _looks_like_a_path(filename: str | None) -> bool:
    """Browsers send a bare name; a path is a broken or hostile client (the name is never used)."""
    return filename is not None and ("/" in filename or "\\" in filename)
