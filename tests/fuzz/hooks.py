"""Schemathesis hooks (SCHEMATHESIS_HOOKS=tests.fuzz.hooks): every generated request carries
the bearer token of a user registered for the run, the same one while it exists (the Conduit
API takes `Bearer` as well as `Token`), and schemathesis's own auth checks send the same
operations without it (or with a broken one)."""

import os
import secrets

import httpx
import schemathesis
from schemathesis import Case
from schemathesis.auths import AuthContext

PASSWORD = "fuzzing with a long passphrase"


def register(client: httpx.Client) -> str:
    """A new account's email."""
    name = f"fuzz{secrets.token_hex(6)}"
    email = f"{name}@example.com"
    registered = client.post(
        "/api/users", json={"username": name, "email": email, "password": PASSWORD}
    )
    registered.raise_for_status()
    return email


def sign_in(client: httpx.Client, email: str) -> str | None:
    """A new token for the account of `email`; None once the fuzzer has deleted it."""
    signed_in = client.post("/api/users/token", data={"username": email, "password": PASSWORD})
    if signed_in.status_code == 401:
        return None
    signed_in.raise_for_status()
    token: str = signed_in.json()["access_token"]
    return token


# A 401 (signed out, account deleted) fetches a new token: for the same account while it
# exists, so that a scenario reads what it wrote as its author (a draft is the author's
# alone); for a new one after that.
@schemathesis.auth(refresh_interval=None, retry_on=[401])
class BearerToken:
    def __init__(self) -> None:
        self.email: str | None = None

    def get(self, case: Case, context: AuthContext) -> str:
        with httpx.Client(base_url=os.environ["INKWELL_FUZZ_URL"], timeout=30) as client:
            if self.email is not None:
                if (token := sign_in(client, self.email)) is not None:
                    return token
                # The account is deleted. SQLite gives a new row the highest deleted id: an
                # account nobody signs in to takes it, so that the requests still naming the
                # deleted one (which schemathesis checks are refused) reach no account of ours.
                register(client)
            self.email = register(client)
            token = sign_in(client, self.email)
            assert token is not None
            return token

    def set(self, case: Case, data: str, context: AuthContext) -> None:
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
