"""The benchmark's pure parts: reading wrk's summary and writing the report (no load is run)."""

import pytest
from bench.report import (
    RAW_CEILING,
    Result,
    TailTarget,
    Target,
    markdown_table,
    parse_wrk_output,
    targets_table,
)

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:41217/api/posts
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    20.10ms    5.02ms  80.00ms   90.00%
  25000 requests in 10.00s, 250.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   2500.00
Transfer/sec:     25.00MB
{"requests": 25000, "duration_us": 10000000, "status_errors": 3, "socket_errors": 2, \
"timeouts": 1, "p50_us": 19500, "p99_us": 61250}
"""


def test_wrk_summary_gives_throughput_latency_and_every_kind_of_error() -> None:
    figures = parse_wrk_output(WRK_OUTPUT)

    assert figures.requests_per_second == 2500
    assert (figures.p50_ms, figures.p99_ms) == (19.5, 61.25)
    assert (figures.http_errors, figures.socket_errors, figures.timeouts) == (3, 2, 1)
    assert figures.errors == 6


def test_wrk_output_without_the_summary_line_is_refused() -> None:
    with pytest.raises(ValueError, match="no summary line"):
        parse_wrk_output("unable to connect to 127.0.0.1:1 Connection refused\n")


RESULTS = [
    Result("posts", RAW_CEILING, 64, 4000, 10, 30, 0, 60, app_p50_ms=8, app_p99_ms=12),
    Result(
        "posts", "Inkwell PG", 64, 2500, 20, 61.25, 3, 90, timeouts=2, app_p50_ms=18.5,
        app_p99_ms=40,
    ),
    Result("posts", "Inkwell home /", 64, missing="answers 404"),
]  # fmt: skip


def test_table_gives_each_app_its_share_of_the_raw_ceiling_at_the_same_concurrency() -> None:
    rows = markdown_table(RESULTS).splitlines()

    assert rows[2] == (
        "| posts | raw ceiling | 64 | 4,000 | 10.0 | 30.0 | 8.0 | 12.0 | 0 | 60 | 100% |"
    )
    assert rows[3] == (
        "| posts | Inkwell PG | 64 | 2,500 | 20.0 | 61.2 | 18.5 | 40.0 | 3 (2 timeouts) | 90 "
        "| 62% |"
    )
    assert rows[4].startswith("| posts | Inkwell home / | 64 | missing: answers 404 |")


def test_every_row_of_the_table_has_as_many_cells_as_its_header() -> None:
    rows = markdown_table(RESULTS).splitlines()

    assert {row.count("|") for row in rows} == {rows[0].count("|")}


def test_targets_say_whether_each_ratio_is_met_or_not_measured() -> None:
    targets = [
        Target("half the ceiling", "posts", "Inkwell PG", RAW_CEILING, 64, 0.5),
        Target("twice the ceiling", "posts", "Inkwell PG", RAW_CEILING, 64, 2),
        Target("home page", "posts", "Inkwell home /", "Inkwell PG", 64, 0.7),
    ]

    rows = targets_table(RESULTS, targets).splitlines()

    assert rows[2:] == [
        "| half the ceiling | 0.62x | yes |",
        "| twice the ceiling | 0.62x | no |",
        "| home page | not measured | - |",
    ]


def test_tail_targets_divide_the_p99_by_the_p50_as_wrk_or_the_app_saw_them() -> None:
    targets = [
        TailTarget("wrk's tail", "posts", "Inkwell PG", 64, 3, in_app=False),
        TailTarget("the app's tail", "posts", "Inkwell PG", 64, 3, in_app=True),
        TailTarget("a tight tail", "posts", "Inkwell PG", 64, 2, in_app=True),
        TailTarget("the missing page's", "posts", "Inkwell home /", 64, 3, in_app=True),
    ]

    rows = targets_table(RESULTS, targets).splitlines()

    assert rows[2:] == [
        "| wrk's tail | 3.06x | no |",
        "| the app's tail | 2.16x | yes |",
        "| a tight tail | 2.16x | no |",
        "| the missing page's | not measured | - |",
    ]


def test_a_tail_target_is_not_measured_without_the_apps_timing() -> None:
    untimed = [Result("posts", "Inkwell PG", 256, 900, 250, 700)]
    target = TailTarget("tail", "posts", "Inkwell PG", 256, 3, in_app=True)

    assert targets_table(untimed, [target]).splitlines()[2] == "| tail | not measured | - |"
