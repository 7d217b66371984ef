"""``manage.py perf_baseline`` through ``call_command``: every exit code."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

FAST = ["--only", "synthetic", "--rounds", "4", "--block-size", "4", "-v", "0"]


def run(*args: str) -> str:
    out = StringIO()
    call_command("perf_baseline", *FAST, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def exit_code(*args: str) -> tuple[int, str]:
    with pytest.raises(CommandError) as failure:
        run(*args)
    return failure.value.returncode, str(failure.value)


def scale(document: dict, factor: float) -> None:
    """Make the baseline ``factor`` times slower (a hand-made baseline, for tests only)."""
    path = document["hot_paths"]["synthetic"]
    for key in ("normalized_block_p95", "normalized_samples"):
        path[key] = [value * factor for value in path[key]]


def saved(tmp_path: Path) -> Path:
    path = tmp_path / "baseline.json"
    run("--save", "--baseline", str(path))
    return path


def test_save_writes_a_schema_versioned_baseline(synthetic, tmp_path: Path) -> None:
    document = json.loads(saved(tmp_path).read_text())
    assert (document["schema_version"], list(document["hot_paths"])) == (1, ["synthetic"])
    assert document["vendor"] == connection.vendor
    path = document["hot_paths"]["synthetic"]
    assert (path["rounds"], path["samples"], path["queries"], len(path["normalized_block_p95"])) == (4, 16, 1, 4)
    assert len(path["samples_ms"]) == 16
    assert document["reference"]["queries"] == 5  # token lookup, BEGIN, SELECT, INSERT, COMMIT
    assert {"python", "django", "database", "commit", "machine", "date"} <= set(document["environment"])


def test_compare_exits_0_without_regression(synthetic, tmp_path: Path) -> None:
    path = saved(tmp_path)
    document = json.loads(path.read_text())
    # A baseline that was ten times slower: this run cannot be a regression.
    scale(document, 10)
    path.write_text(json.dumps(document))
    output = run("--compare", "--baseline", str(path))
    assert "SLO guard: no regression" in output
    assert "faster" in output


def test_compare_exits_1_when_the_query_count_grows(synthetic, tmp_path: Path, monkeypatch) -> None:
    path = saved(tmp_path)
    monkeypatch.setattr(synthetic, "queries", 2)
    code, message = exit_code("--compare", "--baseline", str(path))
    assert (code, message) == (1, "SLO guard failed: synthetic: query-growth 2 queries per request, baseline 1")


def test_compare_exits_1_on_a_significant_slowdown(synthetic, tmp_path: Path) -> None:
    path = saved(tmp_path)
    document = json.loads(path.read_text())
    scale(document, 0.1)
    path.write_text(json.dumps(document))
    code, message = exit_code("--compare", "--baseline", str(path))
    assert (code, message) == (1, "SLO guard failed: synthetic: regression")


def test_a_broken_hot_path_exits_1(synthetic, monkeypatch) -> None:
    monkeypatch.setattr(synthetic, "broken", True)
    code, message = exit_code()
    assert code == 1
    assert message.startswith("hot path 'synthetic' is broken: synthetic response check failed")


def test_compare_exits_2_without_a_baseline(synthetic, tmp_path: Path) -> None:
    code, message = exit_code("--compare", "--baseline", str(tmp_path / "missing.json"))
    assert code == 2
    assert "no baseline at" in message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "unreadable baseline"),
        ('{"schema_version": 0}', "not a schema_version 1 perf baseline"),
        ('{"schema_version": 1, "vendor": "oracle"}', "baseline is for 'oracle'"),
    ],
)
def test_compare_exits_2_with_an_invalid_baseline(synthetic, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, text = exit_code("--compare", "--baseline", str(path))
    assert code == 2
    assert message in text


def test_compare_exits_2_when_the_baseline_lacks_a_hot_path(synthetic, tmp_path: Path) -> None:
    path = saved(tmp_path)
    document = json.loads(path.read_text())
    document["hot_paths"]["other"] = document["hot_paths"].pop("synthetic")
    path.write_text(json.dumps(document))
    code, message = exit_code("--compare", "--baseline", str(path))
    assert (code, message) == (2, "baseline lacks ['synthetic']: re-save it with --save")


def test_unknown_hot_path_exits_2(synthetic) -> None:
    with pytest.raises(CommandError) as failure:
        call_command("perf_baseline", "--only", "nope", stdout=StringIO(), stderr=StringIO())
    assert failure.value.returncode == 2


@pytest.mark.parametrize("value", ["nope", "synthetic=fast"])
def test_bad_slowdown_exits_2(synthetic, value: str) -> None:
    code, _message = exit_code("--slow-down", value)
    assert code == 2


def test_json_html_and_explain_outputs(synthetic, tmp_path: Path) -> None:
    output = run("--explain", "--json", str(tmp_path / "run.json"), "--html", str(tmp_path / "run.html"))
    assert "== EXPLAIN synthetic (1 slowest queries) ==" in output
    assert "SCAN auth_user" not in output  # a primary-key lookup, not a scan
    html = (tmp_path / "run.html").read_text()
    assert html.startswith("<!doctype html>")
    assert html.count("<svg") == 2  # reference + synthetic
    assert "<script" not in html
    assert json.loads((tmp_path / "run.json").read_text())["hot_paths"]["synthetic"]["queries"] == 1
