"""Password hashing with argon2, always off the event loop."""

import anyio
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

ARGON2_LANES = 4
# argon2 refuses less than 8 KiB of memory for each lane.
ARGON2_MIN_MEMORY_COST_KIB = 8 * ARGON2_LANES


class PasswordHasher:
    """Hashes in worker threads, a few at a time: each argon2 hash holds its memory cost in RAM."""

    def __init__(self, *, time_cost: int, memory_cost_kib: int, max_concurrent: int) -> None:
        argon2 = Argon2Hasher(
            time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=ARGON2_LANES
        )
        self._hash = PasswordHash((argon2,))
        self._limiter = anyio.CapacityLimiter(max_concurrent)
        # Verifying against this costs what a real check costs, for users that do not exist.
        self._dummy_hash = self._hash.hash("inkwell-dummy-password")

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hash.hash, password, limiter=self._limiter)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Without a hash (unknown user) it still spends a full check, then answers False."""
        matches = await anyio.to_thread.run_sync(
            self._hash.verify, password, password_hash or self._dummy_hash, limiter=self._limiter
        )
        return matches and password_hash is not None
