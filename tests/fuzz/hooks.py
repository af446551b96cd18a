"""Schemathesis hooks (SCHEMATHESIS_HOOKS=tests.fuzz.hooks): every generated request carries
the bearer token of a user registered for the run (the Conduit API takes `Bearer` as well as
`Token`), and schemathesis's own auth checks send the same operations without it (or with a
broken one)."""

import os
import secrets

import httpx
import schemathesis
from schemathesis import Case
from schemathesis.auths import AuthContext

PASSWORD = "fuzzing with a long passphrase"


def sign_up(base_url: str) -> str:
    """Registers a fresh user and signs in: the fuzzer may change or delete any account."""
    name = f"fuzz{secrets.token_hex(6)}"
    with httpx.Client(base_url=base_url, timeout=30) as client:
        registered = client.post(
            "/api/users",
            json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
        )
        registered.raise_for_status()
        signed_in = client.post("/api/users/token", data={"username": name, "password": PASSWORD})
        signed_in.raise_for_status()
        token: str = signed_in.json()["access_token"]
        return token


# A 401 (signed out, account deleted, password changed by the fuzzer) fetches a new token.
@schemathesis.auth(refresh_interval=None, retry_on=[401])
class BearerToken:
    def get(self, case: Case, context: AuthContext) -> str:
        return sign_up(os.environ["INKWELL_FUZZ_URL"])

    def set(self, case: Case, data: str, context: AuthContext) -> None:
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
