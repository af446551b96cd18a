"""The upload budget by itself: what it tells a client to wait, which instances and sites
share it, and what it does when the storage it counts in is gone."""

import logging
import uuid

import pytest
from limits.aio.storage import MemoryStorage

from inkwell.config import Settings
from inkwell.errors import ServiceUnavailable, TooManyRequests
from inkwell.media.limits import UploadLimits
from inkwell.rate_limits import limit_storage
from tests.auth.test_rate_limits import require_redis
from tests.ports import free_port


def limits_of(settings: Settings) -> UploadLimits:
    """The upload limits as an app of these settings makes them."""
    return UploadLimits.from_settings(settings, limit_storage(settings))


async def test_a_budget_whose_window_ends_within_the_second_says_to_wait_one_second() -> None:
    limits = UploadLimits(MemoryStorage(), "1/second")
    async with limits.upload(1):
        pass

    with pytest.raises(TooManyRequests) as refused:
        async with limits.upload(1):
            pass

    assert refused.value.headers == {"Retry-After": "1"}


async def test_with_redis_down_an_upload_answers_503_rather_than_go_unlimited(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    closed_port = free_port()
    down = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed_port}/0"})
    limits = limits_of(down)

    with (
        caplog.at_level(logging.WARNING, logger="inkwell.media.limits"),
        pytest.raises(ServiceUnavailable) as refused,
    ):
        async with limits.upload(1):
            pass

    assert refused.value.detail == "Temporarily unavailable; try again shortly"
    [warning] = [record.getMessage() for record in caplog.records]
    assert warning.startswith("upload limit storage unavailable: ")
    assert str(closed_port) in warning  # the storage's own error


async def test_an_upload_refused_for_want_of_storage_holds_no_place(settings: Settings) -> None:
    """The user's next upload is not taken for one still running."""
    down = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    limits = limits_of(down)

    for _ in range(2):
        with pytest.raises(ServiceUnavailable):
            async with limits.upload(1):
                pass


async def test_instances_sharing_redis_share_a_users_budget_and_other_sites_keep_theirs(
    settings: Settings,
) -> None:
    """Instances of one site name their counters with its key prefix; another site in the
    same Redis, with a prefix of its own, counts apart."""

    def instance_of(site: str) -> UploadLimits:
        return limits_of(
            settings.model_copy(
                update={
                    "redis_url": require_redis(),
                    "rate_limit_key_prefix": site,
                    "rate_limit_picture_uploads_per_user": "1/hour",
                }
            )
        )

    site, other_site = (f"inkwell-test-{uuid.uuid4().hex}" for _ in range(2))
    first, second, elsewhere = instance_of(site), instance_of(site), instance_of(other_site)
    async with first.upload(1):
        pass

    with pytest.raises(TooManyRequests):
        async with second.upload(1):
            pass
    async with elsewhere.upload(1):
        pass
