"""The store of rendered responses: bounded in bytes, least recently used out first, and
nothing served from another generation or past its lifetime."""

import time
from dataclasses import replace
from types import SimpleNamespace

import pytest

from inkwell.caching import store as store_module
from inkwell.caching.store import Entry, ResponseStore, entry_size

GENERATION = (0, 0)


def entry(key: str, body: bytes, *, generation: tuple[int, int] = GENERATION) -> Entry:
    headers = [(b"content-type", b"text/html")]
    return Entry(
        generation=generation,
        expires=time.monotonic() + 60,
        headers=headers,
        body=body,
        etag='W/"x"',
        last_modified=None,
        size=entry_size(key, headers, body),
    )


def test_an_entry_is_served_while_its_generation_is_current() -> None:
    store = ResponseStore(10_000)
    store.put("/", entry("/", b"home"))

    assert store.get("/", GENERATION) is not None
    assert store.get("/", (1, 0)) is None
    assert store.get("/", GENERATION) is None  # dropped when found stale


def test_an_entry_is_not_served_from_the_moment_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(store_module, "time", SimpleNamespace(monotonic=lambda: 100.0))
    store = ResponseStore(10_000)
    store.put("/", replace(entry("/", b"home"), expires=100.0))

    assert store.get("/", GENERATION) is None


def test_an_entry_past_its_lifetime_is_not_served() -> None:
    store = ResponseStore(10_000)
    store.put("/", replace(entry("/", b"home"), expires=0))

    assert store.get("/", GENERATION) is None
    assert store.size == 0


def test_an_entry_larger_than_the_bound_is_not_kept() -> None:
    store = ResponseStore(2_000)

    assert store.put("/big", entry("/big", b"x" * 2_000)) is False
    assert (len(store), store.size) == (0, 0)


def test_the_total_never_exceeds_the_bound() -> None:
    store = ResponseStore(5_000)
    for number in range(50):
        key = f"/posts/{number}"
        store.put(key, entry(key, b"x" * (number * 20)))
        assert store.size <= store.capacity
    assert store.get("/posts/49", GENERATION) is not None


def test_the_least_recently_used_entry_goes_first() -> None:
    one = entry("/1", b"x" * 500)
    store = ResponseStore(3 * one.size)
    for key in ("/1", "/2", "/3"):
        store.put(key, entry(key, b"x" * 500))
    store.get("/1", GENERATION)

    store.put("/4", entry("/4", b"x" * 500))

    assert store.get("/2", GENERATION) is None
    assert all(store.get(key, GENERATION) is not None for key in ("/1", "/3", "/4"))


def test_a_capacity_of_zero_keeps_nothing() -> None:
    store = ResponseStore(0)

    assert store.put("/", entry("/", b"")) is False


def test_replacing_an_entry_counts_its_size_once() -> None:
    store = ResponseStore(10_000)
    store.put("/", entry("/", b"a" * 100))
    store.put("/", entry("/", b"b" * 200))

    assert store.size == entry_size("/", [(b"content-type", b"text/html")], b"b" * 200)


def test_an_entry_s_key_body_and_each_header_add_at_least_their_bytes_to_its_size() -> None:
    one = [(b"content-type", b"text/html")]
    two = [*one, (b"etag", b'W/"abc"')]
    longer = [(b"content-type", b"text/html; charset=utf-8")]
    size = entry_size("/", one, b"home")

    assert entry_size("/posts", one, b"home") - size >= len("posts")
    assert entry_size("/", one, b"homepage") - size >= len(b"page")
    assert entry_size("/", two, b"home") - size >= len(b'etagW/"abc"')
    assert entry_size("/", longer, b"home") - size >= len(b"; charset=utf-8")


def test_evicting_frees_the_size_of_what_it_evicted() -> None:
    store = ResponseStore(1_000)
    store.put("/a", replace(entry("/a", b""), size=500))
    store.put("/b", replace(entry("/b", b""), size=300))

    store.put("/c", replace(entry("/c", b""), size=400))

    assert store.get("/a", GENERATION) is None
    assert (len(store), store.size) == (2, 700)


def test_clearing_frees_the_whole_bound() -> None:
    store = ResponseStore(2_000)
    store.put("/", entry("/", b"x" * 500))
    store.clear()
    whole = replace(entry("/all", b""), size=store.capacity)

    assert (len(store), store.size) == (0, 0)
    assert store.put("/all", whole) is True
