"""What caching reads from the environment. Part of `inkwell.config.Settings`."""

from pydantic import BaseModel, Field


class CacheSettings(BaseModel):
    # The rendered anonymous responses kept in memory per process, in bytes (bodies and
    # headers); 0 turns the cache off. When it is full, the process's peak RSS has grown by
    # about 1.4 times this (the allocator's share; bench/results/million.md, "Memory").
    anonymous_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    # The longest an entry is served, writes or not: pages say "5 minutes ago", and a
    # change made where no instance saw it (a script without REDIS_URL) shows after this.
    anonymous_cache_seconds: float = Field(default=60.0, gt=0)
    # On a miss, concurrent anonymous reads of the same page wait for the first one's render
    # instead of each rendering it: at most this long, then each renders for itself. As
    # long as DATABASE_READ_TIMEOUT's default: a render slower than that is stuck, while a
    # merely loaded server's renders (up to 2 s at 256 connections, bench/NOTES.md) are
    # still waited for. 0 turns the waiting off.
    anonymous_cache_wait_seconds: float = Field(default=5.0, ge=0)
    # How long a shared cache (a CDN, a proxy) may keep an anonymous page or API read
    # (`s-maxage`); browsers always revalidate (`max-age=0`), cheaply, with a 304.
    shared_cache_seconds: int = Field(default=10, ge=0)
    # With REDIS_URL: how often an instance reads the shared generation. Another
    # instance's write shows here within about this long (and never after twice it: past
    # that without an answer from Redis the cache is bypassed).
    cache_sync_seconds: float = Field(default=0.25, gt=0, le=0.5)
    cache_key_prefix: str = "inkwell:cache:"
