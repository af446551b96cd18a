"""The profile picture's upload limit: MAX_UPLOAD_BYTES instead of the JSON bodies' ceiling."""

from fastapi import Request

from inkwell.body_limits import BodyLimitRoute
from inkwell.config import Settings


class UploadLimitRoute(BodyLimitRoute):
    what = "upload"

    def limit(self, request: Request) -> int:
        settings: Settings = request.app.state.settings
        return settings.max_upload_bytes
