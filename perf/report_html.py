"""A self-contained HTML report: per hot path, the base re-measured here against the working tree.

Per hot path: the verdict, the estimated change, its 99% lower bound and the run's
minimal detectable effect; a latency histogram of the base and the working tree from
the same run (so both bars come from one machine); and the trend of p50/p95 over the
baselines committed in git history. Inline SVG and CSS only (no script, no external
asset), so it opens offline and can be attached to a CI run as a single file.
"""

from __future__ import annotations

from html import escape
from typing import Any

from perf import guard, stats
from perf.harness import floor_multiple

BINS = 30
WIDTH, HEIGHT = 560, 160
COLOURS = {"base": "#8a8a8a", "head": "#d9480f"}
TREND_COLOURS = {"p50_ms": "#1c7ed6", "p95_ms": "#d9480f"}


def histogram(samples: list[float], low: float, high: float) -> list[float]:
    """Fraction of samples per bin (comparable between runs of different sizes)."""
    counts: list[float] = [0] * BINS
    span = (high - low) or 1.0
    for sample in samples:
        counts[min(max(int((sample - low) / span * BINS), 0), BINS - 1)] += 1
    return [count / len(samples) for count in counts] if samples else counts


def svg_histogram(series: dict[str, list[float]]) -> str:
    present = {label: samples for label, samples in series.items() if samples}
    if not present:
        return ""
    everything = [sample for samples in present.values() for sample in samples]
    # Cut at the overall p99 so one outlier does not squash the picture into one bin.
    low, high = min(everything), stats.percentile(everything, 99)
    bars, peak = [], max(max(histogram(s, low, high)) for s in present.values()) or 1.0
    bar_width = WIDTH / BINS / len(present)
    for offset, (label, samples) in enumerate(present.items()):
        for index, share in enumerate(histogram(samples, low, high)):
            height = (HEIGHT - 20) * share / peak
            x = index * WIDTH / BINS + offset * bar_width
            bars.append(
                f'<rect x="{x:.1f}" y="{HEIGHT - 20 - height:.1f}" width="{bar_width:.1f}" '
                f'height="{height:.1f}" fill="{COLOURS[label]}"><title>{label}</title></rect>'
            )
    axis = (
        f'<text x="0" y="{HEIGHT - 4}" font-size="11">{low:.2f} ms</text>'
        f'<text x="{WIDTH}" y="{HEIGHT - 4}" font-size="11" text-anchor="end">{high:.2f} ms (p99)</text>'
    )
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}">{"".join(bars)}{axis}</svg>'


def svg_trend(name: str, trend: list[dict[str, Any]]) -> str:
    """p50 and p95 of ``name`` in each committed baseline, oldest on the left."""
    points = [version for version in trend if name in version["hot_paths"]]
    if len(points) < 2:
        return "<p>Trend: fewer than two committed baselines hold this path.</p>"
    values = [version["hot_paths"][name][key] for version in points for key in TREND_COLOURS]
    top = max(values) or 1.0
    step = (WIDTH - 40) / (len(points) - 1)
    lines = []
    for key, colour in TREND_COLOURS.items():
        xy = " ".join(
            f"{20 + i * step:.1f},{HEIGHT - 20 - (HEIGHT - 40) * version['hot_paths'][name][key] / top:.1f}"
            for i, version in enumerate(points)
        )
        lines.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{xy}"><title>{key}</title>')
        lines.append("</polyline>")
    labels = (
        f'<text x="20" y="{HEIGHT - 4}" font-size="11">{escape(points[0]["commit"][:8])}</text>'
        f'<text x="{WIDTH - 20}" y="{HEIGHT - 4}" font-size="11" text-anchor="end">'
        f"{escape(points[-1]['commit'][:8])}</text>"
        f'<text x="0" y="12" font-size="11">{top:.2f} ms</text>'
    )
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}">{"".join(lines)}{labels}</svg>'


def _row(label: str, paths: dict[str, Any], name: str) -> str:
    entry = paths.get(name)
    if entry is None:
        return f"<tr><td>{label}</td><td colspan=7>not measured</td></tr>"
    keys = ("p50_ms", "p95_ms", "p99_ms", "max_ms", "ops_per_s", "queries")
    cells = "".join(f"<td>{entry[key]}</td>" for key in keys)
    multiple = floor_multiple(paths, name)
    distance = "–" if multiple is None else f"{multiple:.1f}×"
    return f"<tr><td>{label}</td>{cells}<td>{distance}</td></tr>"


def _verdict(verdict: guard.Verdict | None) -> str:
    if verdict is None:
        return ""

    def percent(value: float | None) -> str:
        return "–" if value is None else f"{value * 100:+.1f}%"

    mde = "–" if verdict.mde is None else f"{verdict.mde * 100:.0f}%"
    colour = "#c92a2a" if verdict.failed else "#2b8a3e"
    return (
        f'<p><b style="color:{colour}">{escape(verdict.status)}</b> · change {percent(verdict.change)} '
        f"(99% lower bound {percent(verdict.low)}) · minimal detectable effect {mde} · "
        f"{verdict.rounds} rounds {escape(verdict.detail)}</p>"
    )


def section(
    name: str,
    head: dict[str, Any],
    base: dict[str, Any],
    verdict: guard.Verdict | None,
    trend: list[dict[str, Any]],
) -> str:
    """``head`` and ``base``: every path of each arm's run (the distance to the floor needs
    the floor of the same run)."""
    series = {"base": base.get(name, {}).get("samples_ms", []), "head": head[name].get("samples_ms", [])}
    table = (
        "<table><tr><th></th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th>"
        "<th>ops/s</th><th>queries</th><th>p95 per request ÷ DRF floor</th></tr>"
        f"{_row('base', base, name)}{_row('working tree', head, name)}</table>"
    )
    title = f"<h2>{escape(name)}</h2><p>{escape(head[name].get('description', ''))}</p>"
    return f"<section>{title}{_verdict(verdict)}{table}{svg_histogram(series)}{svg_trend(name, trend)}</section>"


def render(
    *,
    head: dict[str, Any],
    base: dict[str, Any] | None,
    verdicts: list[guard.Verdict],
    trend: list[dict[str, Any]],
) -> str:
    by_name = {verdict.name: verdict for verdict in verdicts}
    base_paths = (base or {}).get("hot_paths", {})
    sections = [section(name, head["hot_paths"], base_paths, by_name.get(name), trend) for name in head["hot_paths"]]
    env = head["environment"]
    against = f" against base {escape(base['environment']['commit'])}, measured in the same run" if base else ""
    legend = " ".join(f'<span style="color:{colour}">■ {label}</span>' for label, colour in COLOURS.items())
    legend += " · trend: " + " ".join(
        f'<span style="color:{colour}">— {key[:3]}</span>' for key, colour in TREND_COLOURS.items()
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>Perf report</title>'
        "<style>body{font:14px sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style></head><body>"
        f"<h1>Perf report — {escape(head['vendor'])}</h1>"
        f"<p>{escape(env['date'])} · working tree {escape(env['commit'])}{against} · {escape(env['database'])} · "
        f"Django {escape(env['django'])} · Python {escape(env['python'])}</p><p>{legend}</p>"
        + "".join(sections)
        + "</body></html>\n"
    )
