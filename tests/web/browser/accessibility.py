"""axe-core in the page as a person has it: the WCAG 2.2 AA rules (A and AA of 2.0, 2.1 and
2.2), checked with axe's own engine, injected through the devtools protocol (the page's
Content-Security-Policy does not apply to it and is not loosened)."""

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_AXE = Axe()


async def accessibility_violations(page: Page) -> list[str]:
    """Each rule the page breaks, with the elements that break it; [] when it keeps them all."""
    results = await _AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    return [
        f"{violation['id']}: {[node['target'] for node in violation['nodes']]}"
        for violation in results.response["violations"]
    ]
