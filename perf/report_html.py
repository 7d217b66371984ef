"""A self-contained HTML report: one latency histogram per hot path, baseline vs current.

Inline SVG and CSS only (no script, no external asset), so it opens offline and
can be attached to a CI run as a single file.
"""

from __future__ import annotations

from html import escape
from typing import Any

from perf import stats

BINS = 30
WIDTH, HEIGHT = 560, 160
COLOURS = {"baseline": "#8a8a8a", "current": "#d9480f"}


def histogram(samples: list[float], low: float, high: float) -> list[float]:
    """Fraction of samples per bin (comparable between runs of different sizes)."""
    counts: list[float] = [0] * BINS
    span = (high - low) or 1.0
    for sample in samples:
        counts[min(int((sample - low) / span * BINS), BINS - 1)] += 1
    return [count / len(samples) for count in counts] if samples else counts


def svg(series: dict[str, list[float]]) -> str:
    present = {label: samples for label, samples in series.items() if samples}
    everything = [sample for samples in present.values() for sample in samples]
    # Cut at the overall p99 so one outlier does not squash the picture into one bin.
    low, high = min(everything), stats.percentile(everything, 99)
    bars, peak = [], max(max(histogram(s, low, high)) for s in present.values())
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


def _row(label: str, entry: dict[str, Any] | None) -> str:
    if entry is None:
        return f"<tr><td>{label}</td><td colspan=6>none</td></tr>"
    keys = ("p50_ms", "p95_ms", "p99_ms", "max_ms", "ops_per_s", "queries")
    cells = "".join(f"<td>{entry[key]}</td>" for key in keys)
    return f"<tr><td>{label}</td>{cells}</tr>"


def section(name: str, current: dict[str, Any], baseline: dict[str, Any] | None) -> str:
    series = {"baseline": (baseline or {}).get("samples_ms", []), "current": current.get("samples_ms", [])}
    table = (
        "<table><tr><th></th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th>"
        f"<th>ops/s</th><th>queries</th></tr>{_row('baseline', baseline)}{_row('current', current)}</table>"
    )
    title = f"<h2>{escape(name)}</h2><p>{escape(current.get('description', ''))}</p>"
    return f"<section>{title}{table}{svg(series)}</section>"


def render(*, current: dict[str, Any], baseline: dict[str, Any] | None) -> str:
    base_paths = (baseline or {}).get("hot_paths", {})
    sections = [section("reference", current["reference"], (baseline or {}).get("reference"))]
    sections += [section(name, entry, base_paths.get(name)) for name, entry in current["hot_paths"].items()]
    env = current["environment"]
    legend = " ".join(f'<span style="color:{colour}">■ {label}</span>' for label, colour in COLOURS.items())
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>Perf report</title>'
        "<style>body{font:14px sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style></head><body>"
        f"<h1>Perf report — {escape(current['vendor'])}</h1>"
        f"<p>{escape(env['date'])} · commit {escape(env['commit'])} · {escape(env['database'])} · "
        f"Django {escape(env['django'])} · Python {escape(env['python'])}</p><p>{legend}</p>"
        + "".join(sections)
        + "</body></html>\n"
    )
