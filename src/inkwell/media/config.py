"""What media reads from the environment: where pictures are stored and how much decoding
an upload may cost. Part of `inkwell.config.Settings`."""

from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from inkwell.auth.config import RateLimit


class MediaSettings(BaseModel):
    storage_backend: Literal["local", "s3"] = "local"
    media_dir: Path = Path("media")
    s3_bucket: str | None = None
    s3_region: str | None = None
    s3_endpoint_url: str | None = None
    # Where browsers fetch objects from, when it differs from the endpoint the app talks to.
    s3_public_url: str | None = None
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    profile_image_size: int = Field(default=300, ge=16, le=2048)
    # Pictures in posts keep their shape, at most this wide (a smaller one is not enlarged).
    post_image_max_width: int = Field(default=1600, ge=16, le=4096)
    # Both read from the header, before decoding. The pixels count those decoded: a JPEG
    # decodes at a fraction of its size (a 48-megapixel phone photo as 0.75), a PNG, WebP
    # or GIF cannot. 4096x4096 takes a 5K screenshot and 50 times a 300-pixel avatar; while
    # decoded it holds up to 16 bytes a pixel (a lossless WebP: 260 MB). The side bounds
    # the JPEGs (8192 takes any phone's photo and caps the work of reading one) and the
    # long thin images that count few pixels.
    max_image_pixels: int = Field(default=4096 * 4096, ge=1)
    max_image_side: int = Field(default=8192, ge=1)
    # Decoders per process. One leaves a two-core server a core for its pages, and takes
    # 0.05 s (a phone's JPEG) to 0.5 s (the largest WebP) an upload: plenty for avatars.
    image_processing_concurrency: int = Field(default=1, ge=1)
    image_processing_queue: int = Field(default=8, ge=0)
    # Each user uploads one picture at a time (a second at once answers 429), this often.
    rate_limit_picture_uploads_per_user: RateLimit = "10/hour"

    @model_validator(mode="after")
    def require_s3_bucket(self) -> Self:
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ValueError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        return self
