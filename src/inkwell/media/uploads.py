"""The profile picture's upload limit: MAX_UPLOAD_BYTES instead of the JSON bodies' ceiling."""

from fastapi import Request

from inkwell.body_limits import BodyLimitRoute
from inkwell.state import state_of


class UploadLimitRoute(BodyLimitRoute):
    what = "upload"

    def limit(self, request: Request) -> int:
        return state_of(request)["settings"].max_upload_bytes
