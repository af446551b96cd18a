"""The icons browsers and phones ask for at the site's root, whatever the page links:
/favicon.ico and /apple-touch-icon.png (drawn from the logo by scripts/make_icons.py)."""

from pathlib import Path

from fastapi.responses import FileResponse

from inkwell.web.common import page_router

router = page_router()

_IMG = Path(__file__).parents[1] / "static" / "img"
# An icon changes with a new logo, rarely: a day in any cache, then a revalidation.
_CACHE = "public, max-age=86400"


@router.get("/favicon.ico")
async def favicon() -> FileResponse:
    return FileResponse(
        _IMG / "favicon.ico", media_type="image/x-icon", headers={"Cache-Control": _CACHE}
    )


@router.get("/apple-touch-icon.png")
async def apple_touch_icon() -> FileResponse:
    return FileResponse(
        _IMG / "apple-touch-icon.png", media_type="image/png", headers={"Cache-Control": _CACHE}
    )
