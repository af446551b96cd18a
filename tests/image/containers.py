"""Containers of the built image, driven through the engine's command line (podman or docker)."""

import asyncio
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
import pytest

from tests.conftest import IN_CI
from tests.servers import ROOT, require_binary

# `make image` builds this tag and `make image-test` passes both on.
IMAGE = os.environ.get("IMAGE", "inkwell:latest")
ENGINE = os.environ.get("CONTAINER_ENGINE", "podman")
# podman's settings for this machine, which `make image-test` writes and points
# CONTAINERS_CONF at (deploy/image/containers-conf.sh); taken here too, for a bare pytest.
MACHINE_CONTAINERS_CONF = ROOT / ".image" / "containers.conf"
# Two worker processes importing the app on a busy two-core machine can take a while.
STARTUP_TIMEOUT = 180


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


@dataclass(frozen=True)
class Engine:
    path: str

    async def run(self, *args: str, timeout: float = 300) -> Result:
        env = dict(os.environ)
        if "CONTAINERS_CONF" not in env and MACHINE_CONTAINERS_CONF.exists():
            env["CONTAINERS_CONF"] = str(MACHINE_CONTAINERS_CONF)
        process = await asyncio.create_subprocess_exec(
            self.path,
            *args,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(timeout):
                out, err = await process.communicate()
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
        assert process.returncode is not None
        return Result(
            process.returncode, out.decode(errors="replace"), err.decode(errors="replace")
        )

    async def __call__(self, *args: str, timeout: float = 300) -> str:
        """The command's standard output; fails with everything it printed unless it exits 0."""
        result = await self.run(*args, timeout=timeout)
        assert result.code == 0, (
            f"`{self.path} {' '.join(args)}` exited {result.code}:\n{result.out}\n{result.err}"
        )
        return result.out


def environment(**settings: str) -> list[str]:
    """`--env NAME=value` options for the container."""
    return [option for name, value in settings.items() for option in ("--env", f"{name}={value}")]


@dataclass
class Container:
    engine: Engine
    name: str

    async def exec(self, *command: str) -> Result:
        return await self.engine.run("exec", self.name, *command)

    async def inspect(self, template: str) -> str:
        return (await self.engine("inspect", "--format", template, self.name)).strip()

    async def logs(self) -> str:
        result = await self.engine.run("logs", self.name)
        return result.out + result.err

    async def wait_for_log(self, text: str, count: int = 1, timeout: float = 60) -> None:
        """Until `count` lines of the container's output contain `text`."""
        async with asyncio.timeout(timeout):
            while sum(text in line for line in (await self.logs()).splitlines()) < count:
                await asyncio.sleep(0.1)

    async def running(self) -> bool:
        return await self.inspect("{{.State.Running}}") == "true"

    async def wait_until_answering(self, url: str) -> httpx.Response:
        """Polls `url` until it answers 200; fails with the container's logs if it stops or
        does not answer within STARTUP_TIMEOUT."""
        async with httpx.AsyncClient(timeout=5) as client:
            try:
                async with asyncio.timeout(STARTUP_TIMEOUT):
                    while await self.running():
                        try:
                            response = await client.get(url)
                        except httpx.TransportError:
                            pass
                        else:
                            if response.status_code == 200:
                                return response
                        await asyncio.sleep(0.25)
            except TimeoutError:
                raise AssertionError(f"{url} did not answer:\n{await self.logs()}") from None
        raise AssertionError(f"the container stopped:\n{await self.logs()}")


@dataclass
class Containers:
    """Starts containers and volumes of the image, each named for this run; removes them all
    at the end, whatever the test did."""

    engine: Engine
    names: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)

    def _name(self, kind: str) -> str:
        return f"inkwell-image-test-{kind}-{uuid.uuid4().hex[:10]}"

    async def start(self, *options: str, command: Sequence[str] = ()) -> Container:
        """`run --detach` with these options; the image's CMD unless a command is given."""
        name = self._name("app")
        self.names.append(name)
        await self.engine("run", "--detach", "--name", name, *options, IMAGE, *command)
        return Container(self.engine, name)

    async def run_once(self, *options: str, command: Sequence[str] = ()) -> Result:
        """A one-off container (`run --rm`), waited for."""
        return await self.engine.run("run", "--rm", *options, IMAGE, *command)

    async def volume(self) -> str:
        name = self._name("media")
        self.volumes.append(name)
        await self.engine("volume", "create", name)
        return name

    async def remove_all(self) -> None:
        for name in self.names:
            await self.engine.run("rm", "--force", name)
        for volume in self.volumes:
            await self.engine.run("volume", "rm", "--force", volume)


async def find_engine() -> Engine:
    """The engine, with the image built; skips locally without them, fails in CI."""
    engine = Engine(require_binary(ENGINE))
    if (await engine.run("image", "inspect", IMAGE)).code != 0:
        message = f"the image {IMAGE} is not built (`make image`)"
        if IN_CI:
            pytest.fail(f"{message}; CI runs `make image` before `make image-test`.", pytrace=False)
        pytest.skip(message)
    return engine
