"""Who calls the Conduit API: `Authorization: Token <jwt>`, the same access tokens as
Inkwell's bearer tokens (either API's token works on both; logging out on either side ends
both, since both carry the user's security stamp)."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from inkwell.auth.dependencies import Tokens, token_owner
from inkwell.auth.tokens import InvalidToken
from inkwell.dependencies import DbReader, DbSession
from inkwell.errors import Unauthorized
from inkwell.users import service as users
from inkwell.users.models import User

_authorization = APIKeyHeader(
    name="Authorization",
    scheme_name="Token",
    auto_error=False,
    description="`Token <jwt>`, the token answered by registering or logging in "
    "(`Bearer <jwt>` is taken too)",
)
_SCHEMES = ("token", "bearer")


def _token_of(authorization: str | None) -> str | None:
    """The token of `Token <jwt>`; None without the header; a header of another scheme, or
    with no token, is an invalid token (401), not an anonymous request."""
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() not in _SCHEMES or not token.strip():
        raise InvalidToken()
    return token.strip()


async def _presented_token(
    authorization: Annotated[str | None, Depends(_authorization)],
) -> str | None:
    return _token_of(authorization)


PresentedToken = Annotated[str | None, Depends(_presented_token)]


async def conduit_user(token: PresentedToken, session: DbSession, tokens: Tokens) -> User:
    if token is None:
        raise Unauthorized("Not authenticated")
    return await token_owner(session, tokens, token)


ConduitUser = Annotated[User, Depends(conduit_user)]


async def _viewer_id(request: Request, tokens: Tokens, reader: DbReader) -> int | None:
    """Who reads, for what only they see (favorited, following): None when anonymous. A
    token that does not verify is refused (401), as the spec's reads say. The header is read
    as it is, not through the security scheme, which would document it as required."""
    token = _token_of(request.headers.get("Authorization"))
    if token is None:
        return None
    claims = tokens.read_bearer(token)
    account = await users.get_account(reader, claims.user_id, claims.security_stamp)
    if account is None:
        raise InvalidToken()
    return account.id


ConduitViewerId = Annotated[int | None, Depends(_viewer_id)]
