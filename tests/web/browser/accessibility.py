"""axe-core in the page as a person has it: the WCAG 2.2 AA rules (A and AA of 2.0, 2.1 and
2.2), checked with axe's own engine, injected through the devtools protocol (the page's
Content-Security-Policy does not apply to it and is not loosened: a context with
`bypass_csp=True` would test a page no visitor gets).

And what axe does not check: the four looks a page is read in (light and dark, desktop and
phone), and the keyboard's focus ring, measured from the computed styles."""

import re
from dataclasses import dataclass

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, ViewportSize

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_AXE = Axe()
_RUN_AXE = "(options) => axe.run(document, options)"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 375, "height": 740}


@dataclass(frozen=True)
class Look:
    """A colour scheme and a screen width: changed on an open page, no reload needed."""

    scheme: str
    viewport: ViewportSize

    @property
    def name(self) -> str:
        width = "phone" if self.viewport == PHONE else "desktop"
        return f"{width}-{self.scheme}"

    async def apply(self, page: Page) -> None:
        await page.set_viewport_size(self.viewport)
        await page.emulate_media(color_scheme=self.scheme, reduced_motion="reduce")  # type: ignore[arg-type]


LOOKS = [Look(scheme, viewport) for viewport in (DESKTOP, PHONE) for scheme in ("light", "dark")]


async def accessibility_violations(page: Page) -> list[str]:
    """Each rule the page breaks, with the elements that break it; [] when it keeps them all.

    axe is injected once per document and run again as the page changes."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(_AXE.axe_script)
    options = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
    results = await page.evaluate(_RUN_AXE, options)
    return [
        f"{rule['id']} ({rule['impact']}): {[node['target'] for node in rule['nodes']]}"
        for rule in results["violations"]
    ]


# The focused element's outline, and the colour under it: the first background up its
# ancestors, starting from its parent (the ring is drawn outside the element, offset 2 px),
# translucent ones laid over what is beneath them.
_FOCUS_RING = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const layers = [];
  for (let node = element.parentElement; node; node = node.parentElement) {
    layers.push(getComputedStyle(node).backgroundColor);
  }
  const dark = matchMedia("(prefers-color-scheme: dark)").matches;
  layers.push(dark ? "rgb(0, 0, 0)" : "rgb(255, 255, 255)");
  return {
    element: element.outerHTML.slice(0, 120),
    width: parseFloat(style.outlineWidth),
    style: style.outlineStyle,
    offset: parseFloat(style.outlineOffset),
    color: style.outlineColor,
    layers,
  };
}"""


@dataclass(frozen=True)
class FocusRing:
    element: str
    width: float
    style: str
    offset: float
    color: tuple[float, float, float]
    background: tuple[float, float, float]

    @property
    def contrast(self) -> float:
        return contrast_ratio(self.color, self.background)

    def problem(self) -> str | None:
        """What keeps the ring from being seen (WCAG 2.4.7 and 2.4.13), or None."""
        if self.style in ("none", "hidden") or self.width < 2:
            return f"{self.element}: outline {self.width}px {self.style}"
        if self.offset < 0 or self.contrast < 3:
            return f"{self.element}: outline contrast {self.contrast:.2f}, offset {self.offset}"
        return None


async def focus_ring(page: Page) -> FocusRing:
    ring = await page.evaluate(_FOCUS_RING)
    background = (0.0, 0.0, 0.0)
    for layer in reversed(ring["layers"]):
        red, green, blue, alpha = rgba(layer)
        background = (
            red * alpha + background[0] * (1 - alpha),
            green * alpha + background[1] * (1 - alpha),
            blue * alpha + background[2] * (1 - alpha),
        )
    return FocusRing(
        ring["element"],
        ring["width"],
        ring["style"],
        ring["offset"],
        rgba(ring["color"])[:3],
        background,
    )


def rgba(css: str) -> tuple[float, float, float, float]:
    """A computed colour, `rgb(r, g, b)` or `rgba(r, g, b, a)`."""
    match = re.fullmatch(r"rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)", css)
    assert match is not None, f"not an sRGB colour: {css}"
    red, green, blue, alpha = match.groups()
    return float(red), float(green), float(blue), 1.0 if alpha is None else float(alpha)


def contrast_ratio(first: tuple[float, ...], second: tuple[float, ...]) -> float:
    """WCAG 2's contrast ratio of two sRGB colours (0-255 a channel): 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(color: tuple[float, ...]) -> float:
    linear = [
        value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4
        for value in (channel / 255 for channel in color[:3])
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
