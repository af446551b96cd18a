from pydantic import Field

from inkwell.schemas import Schema


class UploadedPicture(Schema):
    url: str = Field(description="Where the picture is served: `/media/<key>` on every backend")
