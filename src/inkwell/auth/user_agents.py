"""The device a sign-in came from, as its owner reads it in their list of sessions:
"Firefox on Windows", summarised from the User-Agent by ua-parser (uap-core's rules)."""

from anyio import to_thread
from ua_parser import parse

from inkwell.auth.models import DEVICE_MAX_LENGTH

UNKNOWN_DEVICE = "Unknown device"
# Enough for any browser's; the parser's regular expressions cost more on longer ones.
USER_AGENT_READ_AT_MOST = 512


def summarise(user_agent: str) -> str:
    """The browser and the system, without versions (they change with every update)."""
    result = parse(user_agent[:USER_AGENT_READ_AT_MOST])
    browser = result.user_agent.family if result.user_agent else None
    system = result.os.family if result.os else None
    if browser and system:
        summary = f"{browser} on {system}"
    else:
        summary = browser or system or _product(user_agent) or UNKNOWN_DEVICE
    return summary[:DEVICE_MAX_LENGTH]


def _product(user_agent: str) -> str | None:
    """What a client the rules do not know calls itself first ("python-httpx/0.28")."""
    product = user_agent.split("/", 1)[0].strip()
    return product if product.isprintable() else None


async def device_of(user_agent: str | None) -> str:
    """In a worker thread: the parser's first use loads its rules (a quarter of a second),
    and a long header costs milliseconds of regular expressions."""
    if not user_agent:
        return UNKNOWN_DEVICE
    return await to_thread.run_sync(summarise, user_agent)
