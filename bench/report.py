"""The pure half of the benchmark: read wrk's figures, then write the table and the plot."""

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

RAW_CEILING = "raw ceiling"


@dataclass(frozen=True, slots=True)
class WrkFigures:
    """What one wrk run measured; errors are HTTP >= 400, socket errors and timeouts."""

    requests: int
    seconds: float
    http_errors: int
    socket_errors: int
    timeouts: int
    p50_ms: float
    p99_ms: float

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.http_errors + self.socket_errors + self.timeouts


def parse_wrk_output(output: str) -> WrkFigures:
    """Reads the JSON line that bench/summary.lua prints at the end of wrk's output."""
    for line in reversed(output.splitlines()):
        if line.startswith("{") and '"requests"' in line:
            data = json.loads(line)
            return WrkFigures(
                requests=data["requests"],
                seconds=data["duration_us"] / 1e6,
                http_errors=data["status_errors"],
                socket_errors=data["socket_errors"],
                timeouts=data["timeouts"],
                p50_ms=data["p50_us"] / 1000,
                p99_ms=data["p99_us"] / 1000,
            )
    raise ValueError(f"no summary line in wrk's output:\n{output}")


@dataclass(frozen=True, slots=True)
class Result:
    """One app at one concurrency in one scenario; `missing` says why it was not measured."""

    scenario: str
    app: str
    connections: int
    requests_per_second: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    peak_rss_mib: float = 0.0
    missing: str | None = None
    timeouts: int = 0  # of `errors`; the rest are HTTP >= 400 and socket errors
    # The same run's latency as the app timed it (bench.apps.timed): without the wait
    # outside it. 0 in the results of runs before it was kept.
    app_p50_ms: float = 0.0
    app_p99_ms: float = 0.0


def save_results(results: Iterable[Result], path: Path) -> None:
    path.write_text(json.dumps([asdict(result) for result in results], indent=1))


def load_results(path: Path) -> list[Result]:
    return [Result(**entry) for entry in json.loads(path.read_text())]


def _ratio(result: Result, ceiling: Result | None) -> str:
    if result.missing or ceiling is None or ceiling.missing or not ceiling.requests_per_second:
        return "-"
    return f"{result.requests_per_second / ceiling.requests_per_second:.0%}"


def _errors(result: Result) -> str:
    if not result.timeouts:
        return str(result.errors)
    return f"{result.errors} ({result.timeouts} timeouts)"


def markdown_table(results: Sequence[Result]) -> str:
    """One row per scenario, app and concurrency, with the throughput as a share of the ceiling."""
    ceilings = {
        (result.scenario, result.connections): result
        for result in results
        if result.app == RAW_CEILING
    }
    lines = [
        "| scenario | app | connections | requests/s | p50 ms | p99 ms | in-app p50 ms "
        "| in-app p99 ms | errors | peak RSS MiB | vs. raw ceiling |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        if result.missing:
            cells = [result.scenario, result.app, str(result.connections)]
            lines.append(f"| {' | '.join(cells)} | missing: {result.missing} ||||||||")
            continue
        ceiling = ceilings.get((result.scenario, result.connections))
        cells = [
            result.scenario,
            result.app,
            str(result.connections),
            f"{result.requests_per_second:,.0f}",
            f"{result.p50_ms:.1f}",
            f"{result.p99_ms:.1f}",
            f"{result.app_p50_ms:.1f}",
            f"{result.app_p99_ms:.1f}",
            _errors(result),
            f"{result.peak_rss_mib:.0f}",
            _ratio(result, ceiling),
        ]
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def _find(results: Sequence[Result], scenario: str, app: str, connections: int) -> Result | None:
    for result in results:
        if (result.scenario, result.app, result.connections) == (scenario, app, connections):
            return None if result.missing else result
    return None


@dataclass(frozen=True, slots=True)
class Target:
    """A goal read from the report: `app` reaches `factor` times `baseline` at `connections`."""

    description: str
    scenario: str
    app: str
    baseline: str
    connections: int
    factor: float

    def measured(self, results: Sequence[Result]) -> tuple[float, bool] | None:
        """The ratio and whether it meets the goal; None when either side was not measured."""
        result = _find(results, self.scenario, self.app, self.connections)
        baseline = _find(results, self.scenario, self.baseline, self.connections)
        if result is None or baseline is None or not baseline.requests_per_second:
            return None
        ratio = result.requests_per_second / baseline.requests_per_second
        return ratio, ratio >= self.factor


@dataclass(frozen=True, slots=True)
class TailTarget:
    """A goal on the spread of `app`'s latency at `connections`: its p99 at most `factor`
    times its p50, as wrk saw them or, `in_app`, as the app timed itself."""

    description: str
    scenario: str
    app: str
    connections: int
    factor: float
    in_app: bool

    def measured(self, results: Sequence[Result]) -> tuple[float, bool] | None:
        result = _find(results, self.scenario, self.app, self.connections)
        if result is None:
            return None
        p50, p99 = (
            (result.app_p50_ms, result.app_p99_ms)
            if self.in_app
            else (result.p50_ms, result.p99_ms)
        )
        if not p50:
            return None
        ratio = p99 / p50
        return ratio, ratio <= self.factor


def targets_table(results: Sequence[Result], targets: Sequence[Target | TailTarget]) -> str:
    lines = ["| target | measured | met |", "| --- | ---: | :---: |"]
    for target in targets:
        measured = target.measured(results)
        if measured is None:
            lines.append(f"| {target.description} | not measured | - |")
            continue
        ratio, met = measured
        lines.append(f"| {target.description} | {ratio:.2f}x | {'yes' if met else 'no'} |")
    return "\n".join(lines) + "\n"


def errors_line(results: Sequence[Result], app: str, connections: int) -> str:
    measured = [r for r in results if r.app == app and r.connections == connections]
    errors = sum(r.errors for r in measured if not r.missing)
    return f"Errors of {app} at {connections} connections, all scenarios: {errors}."


def plot(results: Sequence[Result], path: Path) -> None:
    """Throughput and p99 latency against concurrency, one line per app, one row per scenario."""
    import matplotlib  # noqa: PLC0415  (an optional dependency: only the bench extra has it)

    matplotlib.use("Agg")
    from matplotlib import pyplot  # noqa: PLC0415

    scenarios = list(dict.fromkeys(result.scenario for result in results))
    apps = list(dict.fromkeys(result.app for result in results))
    colors = {app: f"C{index}" for index, app in enumerate(apps)}  # one color per app
    figure, axes = pyplot.subplots(
        len(scenarios), 2, figsize=(12, 4.5 * len(scenarios)), squeeze=False
    )
    for row, scenario in zip(axes, scenarios, strict=True):
        measured = [r for r in results if r.scenario == scenario and not r.missing]
        for app in dict.fromkeys(r.app for r in measured):
            points = sorted((r.connections, r) for r in measured if r.app == app)
            connections = [c for c, _ in points]
            style = {"color": colors[app], "marker": "o", "label": app}
            row[0].plot(connections, [r.requests_per_second for _, r in points], **style)
            row[1].plot(connections, [r.p99_ms for _, r in points], **style)
        ticks = sorted({r.connections for r in measured})
        for axis, label in zip(row, ("requests/s", "p99 latency (ms)"), strict=True):
            axis.set_xscale("log", base=2)
            axis.set_yscale("log")
            axis.set_xticks(ticks, [str(tick) for tick in ticks])
            axis.set_xlabel("concurrent connections")
            axis.set_ylabel(label)
            axis.set_title(f"{scenario}: {label}")
            axis.grid(visible=True, which="both", alpha=0.3)
        row[0].legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
