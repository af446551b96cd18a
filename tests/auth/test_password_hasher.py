"""Password hashing off the event loop, a few at a time: each argon2 hash holds its memory
cost in RAM, so a burst of sign-ins must queue rather than take the server's memory."""

import asyncio

import pytest
from pwdlib import PasswordHash

from inkwell.security import ARGON2_MIN_MEMORY_COST_KIB, PasswordHasher
from tests.crowding import Crowding

AT_ONCE = 2


@pytest.fixture
def hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=1, memory_cost_kib=ARGON2_MIN_MEMORY_COST_KIB, max_concurrent=AT_ONCE
    )


@pytest.fixture
def crowding(monkeypatch: pytest.MonkeyPatch, hasher: PasswordHasher) -> Crowding:
    """Slow stand-ins for hashing and checking, once `hasher` is made (it hashes its dummy
    password when made)."""
    crowding = Crowding()

    def slow_hash(self: PasswordHash, password: str) -> str:
        crowding.run()
        return "hashed"

    def slow_verify(self: PasswordHash, password: str, password_hash: str) -> bool:
        crowding.run()
        return True

    monkeypatch.setattr(PasswordHash, "hash", slow_hash)
    monkeypatch.setattr(PasswordHash, "verify", slow_verify)
    return crowding


async def test_no_more_hashes_run_at_once_than_allowed(
    hasher: PasswordHasher, crowding: Crowding
) -> None:
    await asyncio.gather(*(hasher.hash(f"password {n}") for n in range(3 * AT_ONCE)))
    assert crowding.most == AT_ONCE


async def test_no_more_checks_run_at_once_than_allowed(
    hasher: PasswordHasher, crowding: Crowding
) -> None:
    await asyncio.gather(*(hasher.verify(f"password {n}", "a hash") for n in range(3 * AT_ONCE)))
    assert crowding.most == AT_ONCE


async def test_a_hash_is_argon2id_with_the_costs_configured() -> None:
    """The costs are read from the hash when it is checked: a hash made with a default cost
    would stay that weak (or that slow) for as long as it is kept."""
    hasher = PasswordHasher(time_cost=2, memory_cost_kib=64, max_concurrent=1)
    assert (await hasher.hash("a password")).startswith("$argon2id$v=19$m=64,t=2,p=4$")
