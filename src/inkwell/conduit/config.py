"""What the Conduit API reads from the environment. Part of `inkwell.config.Settings`."""

from pydantic import BaseModel


class ConduitSettings(BaseModel):
    # The origins of the Conduit frontends that may call /conduit/api from a browser (CORS,
    # without credentials: the token travels in the Authorization header). Empty: none, the
    # API is then for same-origin frontends and non-browser clients only. JSON in the
    # environment: CONDUIT_CORS_ORIGINS='["https://conduit.example"]'; "*" allows any.
    conduit_cors_origins: tuple[str, ...] = ()
