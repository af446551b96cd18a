"""A browser's sign-in: what the API's cookie sign-in and the site's own sign-in and
registration forms (the ones that work without JavaScript) do once they know the user."""

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.auth import service
from inkwell.auth.cookies import new_csrf_token, set_sign_in_cookies
from inkwell.auth.devices import KnownDevices
from inkwell.auth.renewal import sign_in_cookies
from inkwell.auth.user_agents import device_of
from inkwell.config import Settings
from inkwell.state import state_of
from inkwell.users.models import User


async def start_browser_session(
    request: Request,
    response: Response,
    *,
    session: AsyncSession,
    settings: Settings,
    devices: KnownDevices,
    user: User,
) -> None:
    """A sign-in session for `user`: its cookies (the short access token, the refresh secret,
    the CSRF token) and the known-device cookie set on `response`."""
    devices.remember(request, response, settings.public_base_url, user.id)
    device = await device_of(request.headers.get("user-agent"))
    grant = await service.start_session(
        session, user, device, service.SessionTerms.from_settings(settings)
    )
    cookies = sign_in_cookies(state_of(request), grant, new_csrf_token())
    set_sign_in_cookies(request, response, settings.public_base_url, cookies)
