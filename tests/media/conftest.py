"""What the media tests share: where pictures are stored, locally or in an S3 bucket (moto)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.app import create_app
from inkwell.config import Settings
from tests.conftest import StartedApp, started
from tests.s3 import REGION, new_bucket


@pytest.fixture
def media_dir(settings: Settings) -> Path:
    return settings.media_dir


@pytest.fixture
async def s3_app(
    settings: Settings, engine: AsyncEngine, in_process_s3: None
) -> AsyncIterator[StartedApp]:
    s3_settings = settings.model_copy(
        update={"storage_backend": "s3", "s3_bucket": new_bucket(None), "s3_region": REGION}
    )
    async with started(create_app(s3_settings)) as served:
        yield served
