"""Image files for the picture tests, made in memory: real ones, damaged ones, hostile ones."""

import asyncio
import io
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from httpx import AsyncClient, Response
from PIL import Image

RED = (255, 0, 0)
BLUE = (0, 0, 255)
EXIF_ORIENTATION = 0x0112
ROTATE_90_CLOCKWISE = 6


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def image_file(image_format: str = "PNG", size: tuple[int, int] = (640, 480)) -> bytes:
    return encode(Image.new("RGB", size, RED), image_format)


def left_red_right_blue(width: int = 400, height: int = 200) -> Image.Image:
    image = Image.new("RGB", (width, height), RED)
    image.paste(BLUE, (width // 2, 0, width, height))
    return image


def sideways_jpeg() -> bytes:
    """Stored left red / right blue, tagged to be shown turned a quarter clockwise: red on top."""
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = ROTATE_90_CLOCKWISE
    return encode(left_red_right_blue(), "JPEG", exif=exif, quality=95)


def two_frame_gif() -> bytes:
    """A red first frame, then a blue one."""
    red, blue = Image.new("RGB", (64, 64), RED), Image.new("RGB", (64, 64), BLUE)
    return encode(red, "GIF", save_all=True, append_images=[blue], duration=100)


def truncated_jpeg() -> bytes:
    whole = encode(Image.effect_noise((512, 512), 50).convert("RGB"), "JPEG")
    return whole[: len(whole) // 2]


@cache
def decompression_bomb(side: int) -> bytes:
    """side by side black pixels (hundreds of megapixels to decode) in a PNG of a few KB."""
    return encode(Image.new("1", (side, side)), "PNG", optimize=True)


@cache
def large_png(side: int = 9_000) -> bytes:
    """81 megapixels (under Pillow's own bomb limit of 89) that take seconds to decode and
    resize, in a PNG of ~400 KB."""
    gradient = Image.linear_gradient("L").resize((side, side))
    blocks = Image.effect_noise((side // 50, side // 50), 60)
    blocks = blocks.resize((side, side), Image.Resampling.NEAREST)
    return encode(
        Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_90), blocks)),
        "PNG",
    )


@cache
def lossless_webp(side: int) -> bytes:
    """side by side pixels of one colour: seconds of CPU and hundreds of MB to decode for a
    large side, in a file of a couple of KB (7000: the 1.9 KB image of issue #13)."""
    return encode(Image.new("RGB", (side, side), RED), "WEBP", lossless=True)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def is_close(pixel: tuple[int, ...], color: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], color, strict=True))


async def upload(
    client: AsyncClient,
    user_id: object,
    data: bytes,
    filename: str = "portrait.png",
    content_type: str = "image/png",
    *,
    headers: dict[str, str] | None = None,
) -> Response:
    return await client.put(
        f"/api/users/{user_id}/picture",
        files={"file": (filename, data, content_type)},
        headers=headers,
    )


def stored_files(media_dir: Path) -> set[str]:
    """Every file under MEDIA_DIR, as storage keys."""
    return {p.relative_to(media_dir).as_posix() for p in media_dir.rglob("*") if p.is_file()}


def key_of(user: dict[str, Any]) -> str:
    image_path = str(user["image_path"])
    assert image_path.startswith("/media/"), image_path
    return image_path.removeprefix("/media/")


class HeldDecoders:
    """Every decode blocks at its resize until `release()` (or, failing that, `wait` seconds,
    then fails); counts those running at once."""

    def __init__(self, wait: float = 30) -> None:
        self.released = threading.Event()
        self.running = 0
        self.most_at_once = 0
        self.wait = wait
        self._lock = threading.Lock()

    def wrap(self, fit: Callable[..., Image.Image]) -> Callable[..., Image.Image]:
        def held_fit(*args: Any, **kwargs: Any) -> Image.Image:
            with self._lock:
                self.running += 1
                self.most_at_once = max(self.most_at_once, self.running)
            try:
                assert self.released.wait(self.wait), "the test never released the decoders"
                return fit(*args, **kwargs)
            finally:
                with self._lock:
                    self.running -= 1

        return held_fit

    async def until_running(self, count: int) -> None:
        async with asyncio.timeout(10):
            while self.running < count:
                await asyncio.sleep(0.01)

    def release(self) -> None:
        self.released.set()

    def hold(self) -> None:
        """The decodes that start from now on are held again."""
        self.released.clear()
