"""How much each account may write. Part of `inkwell.config.Settings`.

Each field named `rate_limit_<write>_per_account` declares a limited write: a route takes
its budget with `Depends(write_limit("<write>"))` (abuse/dependencies.py) and spends it,
and the tests' settings lift every one of them. Adding a limited write (reports, say) is
one field here.

The defaults let a person write as fast as a person writes, and stop a script: a burst
limit per minute or hour and a daily one.
"""

from pydantic import BaseModel

from inkwell.auth.config import RateLimit


class WriteLimitSettings(BaseModel):
    rate_limit_posts_per_account: RateLimit = "10/hour;50/day"
    rate_limit_comments_per_account: RateLimit = "10/minute;300/day"
    rate_limit_likes_per_account: RateLimit = "60/minute;1000/day"
    rate_limit_follows_per_account: RateLimit = "30/minute;500/day"
    rate_limit_reports_per_account: RateLimit = "10/hour;30/day"
    # Not a write, but each one takes a rendering thread: a script must not hold them all.
    rate_limit_previews_per_account: RateLimit = "30/minute;1000/day"


PREFIX, SUFFIX = "rate_limit_", "_per_account"
# The writes declared above: "posts", "comments", "likes", "follows", "reports", "previews".
WRITES = frozenset(
    name.removeprefix(PREFIX).removesuffix(SUFFIX) for name in WriteLimitSettings.model_fields
)


def setting_of(write: str) -> str:
    return f"{PREFIX}{write}{SUFFIX}"
