"""Static files at content-hashed addresses: `/static/css/inkwell.3f2a1b9c0d12.css`.

Each file's hash is computed once, at start-up; pages link the hashed address through the
templates' `static_url('css/inkwell.css')`. A hashed address names one content forever, so
it is served `immutable` for a year; a new deployment changes the address of what changed.
The plain address keeps working (old pages link it) and is revalidated on every use (its
ETag and Last-Modified answer 304). A hash that is not the file's current one is a 404.

JavaScript modules import each other (`from "./api.js"`). A page loading the hashed
`load-more.<h>.js` and `conversation.<h>.js` would get conversation.js twice (two module
instances, its handlers bound twice) if load-more imported it by its plain address; so a
hashed module's relative imports are rewritten to the hashed addresses, and its hash is
that of the rewritten text (a change in api.js changes the address of every importer).
"""

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from inkwell.caching.conditional import not_modified

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"
HASH_LENGTH = 12
JAVASCRIPT = "text/javascript; charset=utf-8"
# `from "./api.js"` and `import "./x.js"`: a module of the same directory.
_RELATIVE_IMPORT = re.compile(r"""(\b(?:from|import)\s*)(["'])\./([\w.-]+\.js)\2""")


def _hashed_name(path: PurePosixPath, digest: str) -> str:
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:HASH_LENGTH]


@dataclass(frozen=True, slots=True)
class StaticAssets:
    """Every file under `directory`: its address (`url`), which file each hashed name is,
    and the rewritten text of the hashed JavaScript modules."""

    directory: Path
    addresses: Mapping[str, str]  # "css/inkwell.css" -> "/static/css/inkwell.<hash>.css"
    originals: Mapping[str, str]  # "css/inkwell.<hash>.css" -> "css/inkwell.css"
    modules: Mapping[str, bytes]  # "js/site.<hash>.js" -> its text, imports rewritten

    @classmethod
    def scan(
        cls, directory: Path, prefix: str = "/static", *, hashed: bool = True
    ) -> "StaticAssets":
        """`hashed=False` (development, where files change under a running server) links
        the plain addresses."""
        files = sorted(
            PurePosixPath(file.relative_to(directory).as_posix())
            for file in directory.rglob("*")
            if file.is_file()
        )
        if not hashed:
            plain = {str(name): str(name) for name in files}
            return cls(directory, {n: f"{prefix}/{n}" for n in plain}, plain, {})
        served: dict[str, str] = {}  # "js/api.js" -> "js/api.<hash>.js"
        modules: dict[str, bytes] = {}

        def serve(name: PurePosixPath, seen: tuple[PurePosixPath, ...] = ()) -> str:
            if str(name) in served:
                return served[str(name)]
            if name in seen:
                raise ValueError(f"static modules import each other in a cycle: {seen}")
            content = (directory / name).read_bytes()
            rewritten = None
            if name.suffix == ".js":
                rewritten = _RELATIVE_IMPORT.sub(
                    lambda match: (
                        match[1]
                        + match[2]
                        + "./"
                        + PurePosixPath(serve(name.with_name(match[3]), (*seen, name))).name
                        + match[2]
                    ),
                    content.decode(),
                ).encode()
                content = rewritten
            served[str(name)] = _hashed_name(name, _digest(content))
            if rewritten is not None:
                modules[served[str(name)]] = rewritten
            return served[str(name)]

        for name in files:
            serve(name)
        addresses = {name: f"{prefix}/{hashed_name}" for name, hashed_name in served.items()}
        originals = {hashed_name: name for name, hashed_name in served.items()}
        return cls(directory, addresses, originals, modules)

    def url(self, name: str) -> str:
        """The address to link `name` (a path under the static directory) by."""
        try:
            return self.addresses[name]
        except KeyError:
            raise LookupError(f"there is no static file {name!r}") from None


class HashedStaticFiles(StaticFiles):
    """Serves `assets` at their hashed names (immutable) and their plain ones (revalidated)."""

    def __init__(self, assets: StaticAssets) -> None:
        super().__init__(directory=assets.directory)
        self.assets = assets

    async def get_response(self, path: str, scope: Scope) -> Response:
        path = PurePosixPath(path).as_posix()
        module = self.assets.modules.get(path)
        if module is not None and scope["method"] in ("GET", "HEAD"):
            return _module_response(module, scope)
        original = self.assets.originals.get(path)
        hashed = original is not None and original != path
        response = await super().get_response(original or path, scope)
        if response.status_code in (200, 206, 304):
            response.headers["cache-control"] = IMMUTABLE if hashed else REVALIDATE
        return response


def _module_response(module: bytes, scope: Scope) -> Response:
    etag = f'"{_digest(module)}"'
    headers = {"cache-control": IMMUTABLE, "etag": etag}
    if not_modified(Headers(scope=scope), etag, None):
        return Response(status_code=304, headers=headers)
    return Response(module, media_type=JAVASCRIPT, headers=headers)
