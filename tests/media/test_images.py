"""The picture processor on its own, without the app or a database: what it makes of an
upload (a square WebP of PROFILE_IMAGE_SIZE, upright, transparency kept, metadata dropped),
what it refuses and when (fakes and oversized images before taking a decoder's place), and
how it decodes (on a few threads of its own, behind a bounded queue)."""

import asyncio
import io
import os
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from PIL import Image, ImageOps
from starlette.datastructures import Headers, UploadFile

from inkwell.config import Settings
from inkwell.media.images import (
    InvalidUpload,
    PictureProcessor,
    PictureProcessorBusy,
    UnreadableImage,
    UnsupportedImage,
)
from tests.pictures import (
    BLUE,
    RED,
    HeldDecoders,
    decode,
    encode,
    image_file,
    is_close,
    sideways_jpeg,
    truncated_jpeg,
    two_frame_gif,
)

Processors = Callable[..., PictureProcessor]
# What a file that is no picture of an accepted format is told.
NOT_ACCEPTED = "The file is not a JPEG, PNG, WebP or GIF image"


@pytest.fixture
def processor_with() -> Iterator[Processors]:
    """Makes a processor from the settings, with some of them changed; closes it after."""
    made: list[PictureProcessor] = []

    def make(**changes: Any) -> PictureProcessor:
        made.append(PictureProcessor.from_settings(Settings(environment="test", **changes)))
        return made[-1]

    yield make
    for processor in made:
        processor.close()


@pytest.fixture
def processor(processor_with: Processors) -> PictureProcessor:
    return processor_with()


@pytest.fixture
def held_decoders(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldDecoders]:
    held = HeldDecoders(wait=5)
    monkeypatch.setattr(ImageOps, "fit", held.wrap(ImageOps.fit))
    yield held
    held.release()


def upload_of(
    data: bytes, filename: str | None = "me.png", content_type: str | None = "image/png"
) -> UploadFile:
    headers = Headers({"content-type": content_type} if content_type is not None else {})
    return UploadFile(io.BytesIO(data), size=len(data), filename=filename, headers=headers)


def processing(processor: PictureProcessor, data: bytes | None = None) -> asyncio.Task[bytes]:
    return asyncio.ensure_future(processor.profile_picture(upload_of(data or image_file())))


def checkerboard(first: tuple[int, int, int], second: tuple[int, int, int]) -> Image.Image:
    """600 by 600 pixels alternating between two colours, which scale down to their mean."""
    board = Image.new("RGB", (600, 600), first)
    pixels = board.load()
    assert pixels is not None
    for y in range(600):
        for x in range(y % 2, 600, 2):
            pixels[x, y] = second
    return board


# What an upload becomes


async def test_an_upload_becomes_a_square_webp_of_profile_image_size(
    processor_with: Processors,
) -> None:
    processor = processor_with(profile_image_size=128)
    picture = decode(await processor.profile_picture(upload_of(image_file("PNG", (640, 480)))))
    assert (picture.format, picture.size) == ("WEBP", (128, 128))


async def test_an_opaque_image_becomes_an_rgb_picture(processor: PictureProcessor) -> None:
    picture = decode(await processor.profile_picture(upload_of(image_file("PNG"))))
    assert picture.mode == "RGB"


async def test_the_picture_is_the_centre_square_scaled_with_lanczos_at_webp_quality_85(
    processor: PictureProcessor,
) -> None:
    source = Image.effect_noise((640, 480), 80).convert("RGB")
    stored = await processor.profile_picture(upload_of(encode(source, "PNG")))
    expected = ImageOps.fit(source, (300, 300), Image.Resampling.LANCZOS)
    assert stored == encode(expected, "WEBP", quality=85)


@pytest.mark.parametrize("image_format", ["PNG", "WEBP", "GIF"])
async def test_a_transparent_image_keeps_its_transparency(
    processor: PictureProcessor, image_format: str
) -> None:
    """Left half transparent, right half opaque red."""
    image = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    image.paste((*RED, 255), (100, 0, 200, 200))
    stored = await processor.profile_picture(upload_of(encode(image, image_format), "me", ""))
    picture = decode(stored)
    assert picture.mode == "RGBA"
    assert picture.getpixel((20, 150))[3] == 0  # type: ignore[index]
    assert picture.getpixel((280, 150))[3] == 255  # type: ignore[index]


@pytest.mark.parametrize(
    ("image", "image_format", "mean"),
    [
        (checkerboard((0, 0, 0), (255, 255, 255)).convert("1"), "PNG", (127, 127, 127)),
        (checkerboard(RED, BLUE).quantize(2), "GIF", (127, 0, 127)),
    ],
    ids=["black and white", "palette"],
)
async def test_fine_detail_scaled_down_blends_whatever_the_images_mode(
    processor: PictureProcessor, image: Image.Image, image_format: str, mean: tuple[int, ...]
) -> None:
    """A 1-bit or palette image is scaled like any other, not by picking one pixel of each
    two: a checkerboard twice the picture's size becomes the mean of its two colours."""
    stored = await processor.profile_picture(upload_of(encode(image, image_format), "me", ""))
    picture = decode(stored)
    assert is_close(picture.convert("RGB").getpixel((150, 150)), mean, tolerance=10)  # type: ignore[arg-type]


async def test_exif_orientation_is_applied(processor: PictureProcessor) -> None:
    """Stored left red / right blue and tagged "turn a quarter clockwise": red ends up on top."""
    stored = await processor.profile_picture(upload_of(sideways_jpeg(), "me.jpg", "image/jpeg"))
    picture = decode(stored).convert("RGB")
    assert is_close(picture.getpixel((150, 40)), RED)  # type: ignore[arg-type]
    assert is_close(picture.getpixel((150, 260)), BLUE)  # type: ignore[arg-type]


async def test_metadata_is_not_kept(processor: PictureProcessor) -> None:
    stored = await processor.profile_picture(upload_of(sideways_jpeg(), "me.jpg", "image/jpeg"))
    assert not decode(stored).getexif()


async def test_a_gif_keeps_its_first_frame(processor: PictureProcessor) -> None:
    stored = await processor.profile_picture(upload_of(two_frame_gif(), "me.gif", "image/gif"))
    assert is_close(decode(stored).convert("RGB").getpixel((150, 150)), RED)  # type: ignore[arg-type]


# What is refused


@pytest.mark.parametrize(
    ("size", "accepted"),
    [((100, 100), True), ((73, 137), False)],
    ids=["exactly the limit", "one pixel more"],
)
async def test_an_image_of_exactly_max_image_pixels_is_accepted_and_one_more_is_refused(
    processor_with: Processors, size: tuple[int, int], accepted: bool
) -> None:
    processor = processor_with(max_image_pixels=100 * 100)
    making = processor.profile_picture(upload_of(image_file("PNG", size)))
    if accepted:
        assert decode(await making).size == (300, 300)
    else:
        with pytest.raises(UnreadableImage, match="too large"):
            await making


@pytest.mark.parametrize(
    ("size", "accepted"),
    [((500, 10), True), ((10, 500), True), ((501, 10), False), ((10, 501), False)],
    ids=["as wide as the limit", "as high", "wider", "higher"],
)
async def test_an_image_wider_or_higher_than_max_image_side_is_refused(
    processor_with: Processors, size: tuple[int, int], accepted: bool
) -> None:
    processor = processor_with(max_image_side=500)
    making = processor.profile_picture(upload_of(image_file("PNG", size)))
    if accepted:
        assert decode(await making).size == (300, 300)
    else:
        with pytest.raises(UnreadableImage, match="at most 500 pixels wide and high"):
            await making


@pytest.mark.parametrize(("image_format", "accepted"), [("JPEG", True), ("PNG", False)])
async def test_a_jpeg_counts_the_pixels_of_its_reduced_decode_and_other_formats_all_of_theirs(
    processor_with: Processors, image_format: str, accepted: bool
) -> None:
    """1600 by 1600 is 16 times the limit; a JPEG of it decodes at a quarter of each side,
    400 by 400, still no smaller than the 300-pixel picture, and exactly the limit."""
    processor = processor_with(max_image_pixels=400 * 400)
    making = processor.profile_picture(upload_of(image_file(image_format, (1600, 1600)), "me", ""))
    if accepted:
        assert decode(await making).size == (300, 300)
    else:
        with pytest.raises(UnreadableImage, match="too large"):
            await making


@pytest.mark.parametrize(
    ("image_format", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
async def test_each_accepted_format_is_accepted_sent_as_its_own_type(
    processor: PictureProcessor, image_format: str, content_type: str
) -> None:
    upload = upload_of(image_file(image_format), f"me.{image_format.lower()}", content_type)
    assert decode(await processor.profile_picture(upload)).size == (300, 300)


@pytest.mark.parametrize("content_type", [None, "", "application/octet-stream"])
async def test_the_content_decides_when_the_client_declares_no_type(
    processor: PictureProcessor, content_type: str | None
) -> None:
    upload = upload_of(image_file("JPEG"), "me", content_type)
    assert decode(await processor.profile_picture(upload)).size == (300, 300)


async def test_content_that_is_not_the_declared_type_is_refused_naming_both(
    processor: PictureProcessor,
) -> None:
    upload = upload_of(image_file("PNG"), "me.jpg", "image/jpeg")
    with pytest.raises(UnsupportedImage, match="sent as image/jpeg but its content is image/png"):
        await processor.profile_picture(upload)


@pytest.mark.parametrize("image_format", ["BMP", "TIFF", "ICO"])
async def test_an_image_in_another_format_is_refused_as_unsupported(
    processor: PictureProcessor, image_format: str
) -> None:
    upload = upload_of(image_file(image_format, (64, 64)), "me", "application/octet-stream")
    with pytest.raises(UnsupportedImage, match=f"^{re.escape(NOT_ACCEPTED)}$"):
        await processor.profile_picture(upload)


async def test_a_file_that_is_no_image_is_refused_as_unsupported(
    processor: PictureProcessor,
) -> None:
    with pytest.raises(UnsupportedImage, match=f"^{re.escape(NOT_ACCEPTED)}$"):
        await processor.profile_picture(upload_of(b"Definitely not a picture.\n" * 40))


async def test_a_damaged_image_is_refused_as_unreadable(processor: PictureProcessor) -> None:
    with pytest.raises(UnreadableImage, match=r"^The image is damaged or truncated$"):
        await processor.profile_picture(upload_of(truncated_jpeg(), "me.jpg", "image/jpeg"))


async def test_an_empty_file_is_refused(processor: PictureProcessor) -> None:
    with pytest.raises(InvalidUpload, match="empty"):
        await processor.profile_picture(upload_of(b""))


@pytest.mark.parametrize("filename", ["../../etc/me.png", "photos/me.png", "C:\\photos\\me.png"])
async def test_a_file_name_with_a_path_is_refused(
    processor: PictureProcessor, filename: str
) -> None:
    with pytest.raises(InvalidUpload, match="without a path"):
        await processor.profile_picture(upload_of(image_file(), filename))


@pytest.mark.parametrize("filename", ["me.png", "my picture.png", "", None])
async def test_a_plain_file_name_or_none_is_accepted(
    processor: PictureProcessor, filename: str | None
) -> None:
    picture = await processor.profile_picture(upload_of(image_file(), filename))
    assert decode(picture).size == (300, 300)


@pytest.mark.parametrize(
    ("data", "content_type", "error"),
    [
        (image_file("PNG", (64, 64)), "image/jpeg", UnsupportedImage),
        (image_file("PNG", (501, 10)), "image/png", UnreadableImage),
    ],
    ids=["a png sent as a jpeg", "too wide"],
)
async def test_a_fake_or_oversized_image_is_refused_at_once_while_the_decoders_are_busy(
    processor_with: Processors,
    held_decoders: HeldDecoders,
    data: bytes,
    content_type: str,
    error: type[Exception],
) -> None:
    """Its header says enough: it takes no place among the decoding and the waiting."""
    processor = processor_with(
        max_image_side=500, image_processing_concurrency=1, image_processing_queue=0
    )
    decoding = processing(processor, image_file("PNG", (64, 64)))
    await held_decoders.until_running(1)
    with pytest.raises(error):
        await processor.profile_picture(upload_of(data, "me", content_type))
    held_decoders.release()
    await decoding


# How pictures are decoded


async def test_no_more_than_image_processing_concurrency_decodes_run_at_once(
    processor_with: Processors, held_decoders: HeldDecoders
) -> None:
    processor = processor_with(image_processing_concurrency=2, image_processing_queue=10)
    uploads = [processing(processor) for _ in range(5)]
    await held_decoders.until_running(2)
    await asyncio.sleep(0.2)  # time for a third decode to start, were it allowed to
    assert held_decoders.running == 2
    held_decoders.release()
    await asyncio.gather(*uploads)
    assert held_decoders.most_at_once == 2


async def pictures_made_with_one_refused(
    processor: PictureProcessor, held_decoders: HeldDecoders, late: int
) -> int:
    """Starts a decode (held), then `late` uploads more, of which exactly one must be refused
    at once; lets the others finish and counts the pictures made."""
    decoding = processing(processor)
    await held_decoders.until_running(1)
    uploads = [processing(processor) for _ in range(late)]
    try:
        # A refusal takes a header check; the others wait for the decoder until released.
        done, waiting = await asyncio.wait(uploads, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        (refused,) = done
        with pytest.raises(PictureProcessorBusy, match="try again"):
            refused.result()
    finally:
        held_decoders.release()
    return len(await asyncio.gather(decoding, *waiting))


async def test_uploads_beyond_the_decoders_and_their_queue_are_refused_at_once(
    processor_with: Processors, held_decoders: HeldDecoders
) -> None:
    """Which of the late three is refused depends on whose header check ends last."""
    processor = processor_with(image_processing_concurrency=1, image_processing_queue=2)
    assert await pictures_made_with_one_refused(processor, held_decoders, late=3) == 3


async def test_a_finished_decode_gives_back_its_own_place_and_no_more(
    processor_with: Processors, held_decoders: HeldDecoders
) -> None:
    """After one picture, the decoder and its queue still hold two uploads, not three."""
    processor = processor_with(image_processing_concurrency=1, image_processing_queue=1)
    finished = processing(processor)
    await held_decoders.until_running(1)
    held_decoders.release()
    await finished
    held_decoders.hold()
    assert await pictures_made_with_one_refused(processor, held_decoders, late=2) == 2


async def test_a_place_among_the_decoders_is_given_back_when_its_decode_fails(
    processor_with: Processors,
) -> None:
    """A truncated JPEG passes the header check and fails only once decoded."""
    processor = processor_with(image_processing_concurrency=1, image_processing_queue=0)
    with pytest.raises(UnreadableImage):
        await processor.profile_picture(upload_of(truncated_jpeg(), "me.jpg", "image/jpeg"))
    assert decode(await processor.profile_picture(upload_of(image_file()))).size == (300, 300)


class DecoderThreads:
    """What the threads that resize pictures were called and their scheduling priority."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.niceness: set[int] = set()

    def wrap(self, fit: Callable[..., Image.Image]) -> Callable[..., Image.Image]:
        def recorded_fit(*args: Any, **kwargs: Any) -> Image.Image:
            self.names.add(threading.current_thread().name)
            self.niceness.add(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
            return fit(*args, **kwargs)

        return recorded_fit


@pytest.fixture
def decoder_threads(monkeypatch: pytest.MonkeyPatch) -> DecoderThreads:
    threads = DecoderThreads()
    monkeypatch.setattr(ImageOps, "fit", threads.wrap(ImageOps.fit))
    return threads


async def test_pictures_are_decoded_on_threads_named_picture(
    processor: PictureProcessor, decoder_threads: DecoderThreads
) -> None:
    await processor.profile_picture(upload_of(image_file()))
    [name] = decoder_threads.names
    assert name.startswith("picture")


async def test_pictures_are_decoded_at_the_priority_of_the_requests(
    processor: PictureProcessor, decoder_threads: DecoderThreads
) -> None:
    """Never nicer: a decoder preempted while it holds the GIL would hold the event loop
    until the scheduler ran it again, and a nicer thread waits longer for that."""
    await processor.profile_picture(upload_of(image_file()))
    assert decoder_threads.niceness == {os.getpriority(os.PRIO_PROCESS, 0)}


@pytest.fixture
async def busy_processor(
    processor_with: Processors, held_decoders: HeldDecoders
) -> AsyncIterator[tuple[PictureProcessor, asyncio.Task[bytes], asyncio.Task[bytes]]]:
    """A processor with one decode running (held) and one waiting for the decoder."""
    processor = processor_with(image_processing_concurrency=1, image_processing_queue=1)
    running = processing(processor)
    await held_decoders.until_running(1)
    # Of two more, one is refused once the other has taken the one place in the queue.
    candidates = [processing(processor), processing(processor)]
    [refused], [waiting] = await asyncio.wait(candidates, return_when=asyncio.FIRST_COMPLETED)
    assert isinstance(refused.exception(), PictureProcessorBusy)
    yield processor, running, waiting
    held_decoders.release()
    await asyncio.gather(running, waiting, return_exceptions=True)


async def test_closing_the_processor_does_not_wait_for_the_running_decode(
    busy_processor: tuple[PictureProcessor, asyncio.Task[bytes], asyncio.Task[bytes]],
    held_decoders: HeldDecoders,
) -> None:
    processor, running, _ = busy_processor
    processor.close()
    assert held_decoders.running == 1
    held_decoders.release()
    assert decode(await running).size == (300, 300)  # left to finish on its thread


async def test_closing_the_processor_cancels_the_decodes_waiting_for_a_thread(
    busy_processor: tuple[PictureProcessor, asyncio.Task[bytes], asyncio.Task[bytes]],
    held_decoders: HeldDecoders,
) -> None:
    processor, _, waiting = busy_processor
    processor.close()
    held_decoders.release()
    with pytest.raises(asyncio.CancelledError):
        await waiting
