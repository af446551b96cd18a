"""Uploaded file → square profile picture, or a post's picture at most so wide. Decoding is
CPU- and memory-hungry, so it runs in worker threads, a few at a time, with a short queue in
front of them, and trusts only the file's bytes, never its name."""

import asyncio
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class _Square:
    """A profile picture: center-cropped and resized to `side` by `side`."""

    side: int

    def draft_size(self, width: int, height: int) -> tuple[int, int]:
        return self.side, self.side

    def fit(self, image: Image.Image) -> Image.Image:
        return ImageOps.fit(image, (self.side, self.side), Image.Resampling.LANCZOS)


@dataclass(frozen=True, slots=True)
class _AtMostWide:
    """A post's picture: its shape kept, at most `width` wide; a smaller one is not enlarged."""

    width: int

    def draft_size(self, width: int, height: int) -> tuple[int, int]:
        # Either side may end up the width once the EXIF orientation is applied.
        return min(width, self.width), min(height, self.width)

    def fit(self, image: Image.Image) -> Image.Image:
        if image.width <= self.width:
            return image
        height = max(1, round(image.height * self.width / image.width))
        return image.resize((self.width, height), Image.Resampling.LANCZOS)


_Shape = _Square | _AtMostWide


class PictureProcessor:
    """Decodes on `concurrency` threads of its own, at the event loop's own CPU priority.

    Not lower: a decoder shares the GIL with the loop, and a low-priority thread preempted
    while it holds the GIL leaves the loop waiting until the scheduler runs it again. On a
    busy machine, decoders at nice 10 held the loop up to 0.4 s, at nice 0 up to 0.1 s
    (bench/NOTES.md, "2026-12-01, fourth"). What keeps pages answering is that few decode at
    once, behind a short queue."""

    def __init__(
        self,
        *,
        size: int,
        max_pixels: int,
        max_side: int,
        concurrency: int,
        queue: int,
        post_width: int,
    ) -> None:
        self.max_pixels = max_pixels
        self.max_side = max_side
        self._square = _Square(size)
        self._post_shape = _AtMostWide(post_width)
        self._decoders = ThreadPoolExecutor(concurrency, thread_name_prefix="picture")
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
            post_width=settings.post_image_max_width,
        )

    def close(self) -> None:
        self._decoders.shutdown(wait=False, cancel_futures=True)

    async def profile_picture(self, upload: UploadFile) -> bytes:
        """The upload as a square WebP of `size` pixels, without metadata (GPS and the like)."""
        return await self._picture(upload, self._square)

    async def post_picture(self, upload: UploadFile) -> bytes:
        """The upload as a WebP at most `post_width` pixels wide, without metadata."""
        return await self._picture(upload, self._post_shape)

    async def _picture(self, upload: UploadFile, shape: _Shape) -> bytes:
        if not upload.size:
            raise InvalidUpload("The file is empty")
        if _looks_like_a_path(upload.filename):
            raise InvalidUpload("The file name must be a plain name, without a path")
        # The header alone, before taking a decoder's place: bombs and fakes are refused at
        # once, however busy the decoders are. The image is opened again to be decoded: an
        # open WebP already holds its canvas, which a waiting upload must not.
        await anyio.to_thread.run_sync(self._check_header, upload.file, upload.content_type, shape)
        with self._admission():
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._decoders, self._reshaped, upload.file, upload.content_type, shape
            )

    def _admit(self) -> Iterator[None]:
        """A place among the decoding or the few waiting for a decoder, or 503 at once: an
        unbounded queue would only hold requests (and their files) for longer and longer."""
        if self._admitted >= self._admission_limit:
            raise PictureProcessorBusy
        self._admitted += 1
        try:
            yield
        finally:
            self._admitted -= 1

    # Not @contextmanager: mutmut mutates no decorated function (make mutation).
    _admission = contextmanager(_admit)

    def _check_header(self, source: BinaryIO, declared_type: str | None, shape: _Shape) -> None:
        with self._open(source, declared_type, shape):
            pass  # dropped: the decoder opens it again

    def _open(self, source: BinaryIO, declared_type: str | None, shape: _Shape) -> Image.Image:
        """Reads only the header: refuses bombs and spoofed types before any decoding."""
        source.seek(0)
        with self._refusing_bad_images():
            image = Image.open(source, formats=list(ACCEPTED_FORMATS))
            self._check(image, declared_type, shape)
        return image

    def _check(self, image: Image.Image, declared_type: str | None, shape: _Shape) -> None:
        if max(image.size) > self.max_side:
            raise self._too_large()
        actual_type = ACCEPTED_FORMATS[str(image.format)]
        if declared_type not in UNSPECIFIC_TYPES and declared_type != actual_type:
            raise UnsupportedImage(
                f"The file was sent as {declared_type} but its content is {actual_type}"
            )
        # JPEG decodes straight to a fraction of its size, still at least the shape's.
        image.draft(image.mode, shape.draft_size(image.width, image.height))
        # The pixels to decode: for a JPEG, its draft's (a phone's 48 megapixels decode as
        # 0.75), for the other formats all of them.
        if image.width * image.height > self.max_pixels:
            raise self._too_large()

    def _reshaped(self, source: BinaryIO, declared_type: str | None, shape: _Shape) -> bytes:
        """Saved without the original's EXIF, XMP or ICC profile: none is passed on."""
        with self._refusing_bad_images(), self._open(source, declared_type, shape) as image:
            ImageOps.exif_transpose(image, in_place=True)  # decodes the first frame
            reshaped = shape.fit(_upright(image))
        output = io.BytesIO()
        reshaped.save(output, "WEBP", quality=WEBP_QUALITY)
        return output.getvalue()

    def _refuse_bad_images(self) -> Iterator[None]:
        try:
            yield
        except UnidentifiedImageError as exc:
            raise UnsupportedImage("The file is not a JPEG, PNG, WebP or GIF image") from exc
        except Image.DecompressionBombError as exc:
            raise self._too_large() from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise UnreadableImage("The image is damaged or truncated") from exc

    # Not @contextmanager: mutmut mutates no decorated function (make mutation).
    _refusing_bad_images = contextmanager(_refuse_bad_images)

    def _too_large(self) -> UnreadableImage:
        return UnreadableImage(
            f"The image is too large: at most {self.max_side} pixels wide and high, "
            f"and {self.max_pixels} pixels in all"
        )


def _upright(image: Image.Image) -> Image.Image:
    """RGB, or RGBA with transparency; converted only when needed: a copy costs a whole image."""
    mode = "RGBA" if image.has_transparency_data else "RGB"
    return image if image.mode == mode else image.convert(mode)


def _looks_like_a_path(filename: str | None) -> bool:
    """Browsers send a bare name; a path is a broken or hostile client (the name is never used)."""
    return filename is not None and ("/" in filename or "\\" in filename)
