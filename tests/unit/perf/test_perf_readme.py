"""``manage.py perf_readme``: the README's figures come from the baseline JSON only."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from perf import compare

README = "# Arena\n\nintro\n\n<!-- perf:start -->\nold figures\n<!-- perf:end -->\n\nafter\n"


def baseline_document(vendor: str) -> dict:
    """A baseline as ``perf_baseline --save`` writes it, from a hand-made arm result."""
    result = compare.ArmResult(
        arm=compare.Arm(label=compare.HEAD, tree=compare.TREE, commit="0123456789ab"),
        vendor=vendor,
        database=f"{vendor} 1.0",
        descriptions={"synthetic": "Synthetic"},
        query_logs={"synthetic": [{"sql": "SELECT 1"}]},
        blocks={"synthetic": [[0.001, 0.002], [0.003, 0.004]]},
        cpu_blocks={"synthetic": [[0.001, 0.002], [0.003, 0.004]]},
    )
    return compare.arm_document(result, compare.Plan(names=["synthetic"], rounds=2, block_size=2))


@pytest.fixture
def baselines(tmp_path: Path) -> Path:
    directory = tmp_path / "baselines"
    directory.mkdir()
    (directory / f"{connection.vendor}.json").write_text(json.dumps(baseline_document(connection.vendor)))
    return directory


def readme(*args: str) -> None:
    call_command("perf_readme", *args, stdout=StringIO())


def test_renders_the_baseline_figures_between_the_markers(baselines: Path, tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text(README)
    readme("--readme", str(path), "--baselines", str(baselines))
    text = path.read_text()
    document = json.loads((baselines / f"{connection.vendor}.json").read_text())
    synthetic = document["hot_paths"]["synthetic"]
    assert text.startswith("# Arena\n\nintro\n\n<!-- perf:start -->\n")
    assert text.endswith("<!-- perf:end -->\n\nafter\n")
    assert "old figures" not in text
    assert f"| synthetic | {synthetic['p50_ms']:.2f} | {synthetic['p95_ms']:.2f} |" in text
    assert document["environment"]["commit"] in text


def test_check_fails_on_a_stale_readme_and_passes_once_rendered(baselines: Path, tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text(README)
    with pytest.raises(CommandError) as stale:
        readme("--readme", str(path), "--baselines", str(baselines), "--check")
    assert stale.value.returncode == 1
    readme("--readme", str(path), "--baselines", str(baselines))
    readme("--readme", str(path), "--baselines", str(baselines), "--check")


def test_missing_markers_or_baselines_exit_2(baselines: Path, tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text("# no markers\n")
    with pytest.raises(CommandError) as no_markers:
        readme("--readme", str(path), "--baselines", str(baselines))
    with pytest.raises(CommandError) as no_baselines:
        readme("--readme", str(path), "--baselines", str(tmp_path / "empty"))
    assert (no_markers.value.returncode, no_baselines.value.returncode) == (2, 2)
    assert path.read_text() == "# no markers\n"


def test_the_trend_reads_every_committed_version_of_a_baseline() -> None:
    from perf import guard, history

    versions = history.baseline_history(guard.baseline_path("sqlite"))
    assert len(versions) >= 2  # saved in more than one commit since the first perf suite
    assert [version["date"] for version in versions] == sorted(version["date"] for version in versions)
    assert all("registration" in version["hot_paths"] for version in versions)
