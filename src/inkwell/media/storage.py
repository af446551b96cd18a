"""Where pictures live: a local directory or an S3 bucket, behind one `Storage` interface.

Every backend answers `/media/<key>` through its own ASGI app (`media_app`), so API responses
name pictures `/media/<key>` whatever the backend: the local one serves the file, S3 redirects
to the object's public URL.
"""

import logging
import os
import re
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlsplit

import anyio
import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from inkwell.errors import DomainError, ErrorCode
from inkwell.media.config import MediaSettings

logger = logging.getLogger(__name__)

MAX_KEY_LENGTH = 255
# Slash-separated segments that never start with a dot: no "..", no absolute paths, no "\".
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")
S3_CONNECTIONS = 10


class StorageUnavailable(DomainError):
    status_code = 503
    code = ErrorCode.STORAGE_UNAVAILABLE
    headers = {"Retry-After": "5"}  # noqa: RUF012  (read-only class default of DomainError)

    def __init__(self) -> None:
        super().__init__("The picture store is temporarily unavailable; try again shortly.")


class InvalidKey(ValueError):
    pass


def check_key(key: str) -> str:
    """Keys are made by the app, never by users; this keeps a bad one from escaping the store."""
    if len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise InvalidKey(f"invalid storage key: {key!r}")
    return key


class Storage(Protocol):
    @property
    def public_origin(self) -> str | None:
        """Where /media sends browsers for pictures (the pages' CSP allows it); None: here."""

    @property
    def public_url(self) -> str | None:
        """The URL under which browsers fetch `<key>` when not from /media; None: none."""

    async def save(self, key: str, data: bytes, content_type: str) -> None:
        """Stores `data` under `key` whole or not at all; raises StorageUnavailable."""

    async def delete(self, key: str) -> None:
        """Removes `key`; a missing key is not an error. Raises StorageUnavailable."""

    def media_app(self) -> ASGIApp:
        """The ASGI app mounted at /media that answers GET /media/<key>."""


class LocalStorage:
    """Files under one directory, written atomically; StaticFiles serves them."""

    public_origin = None
    public_url = None

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def save(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path(key)
        try:
            await anyio.to_thread.run_sync(_write_atomically, path, data)
        except OSError as exc:
            logger.warning("cannot write %s", path, exc_info=exc)
            raise StorageUnavailable from exc

    async def delete(self, key: str) -> None:
        path = self.path(key)
        try:
            await anyio.to_thread.run_sync(partial(path.unlink, missing_ok=True))
        except OSError as exc:
            logger.warning("cannot delete %s", path, exc_info=exc)
            raise StorageUnavailable from exc

    def media_app(self) -> ASGIApp:
        return StaticFiles(directory=self.root)


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers see the whole file or none: it is written beside its final name, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        os.fchmod(descriptor, 0o644)  # readable by a web server that serves MEDIA_DIR itself
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class S3Storage:
    """An S3 bucket through boto3 in worker threads.

    boto3 rather than aioboto3: its clients are thread-safe, moto's in-process mock covers it,
    and a picture is a few KB, so one bounded thread per call costs little.
    """

    def __init__(
        self,
        *,
        bucket: str,
        region: str | None = None,
        endpoint_url: str | None = None,
        public_url: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.client = boto3.session.Session().client(
            "s3",
            region_name=region,
            endpoint_url=endpoint_url,
            config=Config(
                max_pool_connections=S3_CONNECTIONS,
                connect_timeout=5,
                read_timeout=15,
                # 3 tries in all: botocore's max_attempts would count the retries alone.
                retries={"mode": "standard", "total_max_attempts": 3},
            ),
        )
        self.public_url = (public_url or f"{self.client.meta.endpoint_url}/{bucket}").rstrip("/")
        scheme, host, *_ = urlsplit(self.public_url)
        self.public_origin = f"{scheme}://{host}"
        self._limiter = anyio.CapacityLimiter(S3_CONNECTIONS)

    def url(self, key: str) -> str:
        return f"{self.public_url}/{quote(check_key(key))}"

    async def save(self, key: str, data: bytes, content_type: str) -> None:
        await self._call(
            partial(
                self.client.put_object,
                Bucket=self.bucket,
                Key=check_key(key),
                Body=data,
                ContentType=content_type,
                # Keys are random and never rewritten, so browsers may keep them for good.
                CacheControl="public, max-age=31536000, immutable",
            )
        )

    async def delete(self, key: str) -> None:
        await self._call(partial(self.client.delete_object, Bucket=self.bucket, Key=check_key(key)))

    async def _call(self, request: Callable[[], object]) -> None:
        try:
            await anyio.to_thread.run_sync(request, limiter=self._limiter)
        except (BotoCoreError, ClientError) as exc:
            logger.warning("S3 bucket %s failed: %s", self.bucket, exc, exc_info=exc)
            raise StorageUnavailable from exc

    def media_app(self) -> ASGIApp:
        # A function endpoint answers GET and HEAD (Starlette), and 405 to the rest.
        return Router([Route("/{key:path}", self._redirect)])

    async def _redirect(self, request: Request) -> Response:
        try:
            url = self.url(request.path_params["key"])
        except InvalidKey:
            return PlainTextResponse("Not Found", status_code=404)
        return RedirectResponse(url, status_code=307)


def create_storage(settings: MediaSettings) -> Storage:
    if settings.storage_backend == "s3":
        assert settings.s3_bucket is not None  # Settings refuses s3 without a bucket
        return S3Storage(
            bucket=settings.s3_bucket,
            region=settings.s3_region,
            endpoint_url=settings.s3_endpoint_url,
            public_url=settings.s3_public_url,
        )
    return LocalStorage(settings.media_dir)
