"""``manage.py perf_readme``: the README's figures come from the baseline JSON and the
proof records only."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from perf import compare, proof
from perf.harness import FLOOR

README = (
    "# Arena\n\nintro\n\n<!-- perf:start -->\nold figures\n<!-- perf:end -->\n\n"
    "<!-- proof:start -->\nold proof\n<!-- proof:end -->\n\n"
    "<!-- compare:start -->\nold comparison\n<!-- compare:end -->\n\nafter\n"
)


def baseline_document(vendor: str) -> dict:
    """A baseline as ``perf_baseline --save`` writes it, from a hand-made arm result."""
    blocks = {"synthetic": [[0.001, 0.002], [0.003, 0.004]], FLOOR: [[0.0005, 0.0005], [0.0005, 0.0005]]}
    result = compare.ArmResult(
        arm=compare.Arm(label=compare.HEAD, tree=compare.TREE, commit="0123456789ab"),
        vendor=vendor,
        database=f"{vendor} 1.0",
        descriptions={"synthetic": "Synthetic", FLOOR: "Floor"},
        requests={"synthetic": 2, FLOOR: 1},
        query_logs={"synthetic": [{"sql": "SELECT 1"}], FLOOR: []},
        blocks=blocks,
        cpu_blocks=blocks,
    )
    return compare.arm_document(result, compare.Plan(names=["synthetic", FLOOR], rounds=2, block_size=2))


@pytest.fixture
def baselines(tmp_path: Path) -> Path:
    directory = tmp_path / "baselines"
    directory.mkdir()
    (directory / f"{connection.vendor}.json").write_text(json.dumps(baseline_document(connection.vendor)))
    return directory


@pytest.fixture
def proofs(tmp_path: Path) -> Path:
    directory = tmp_path / "proofs"
    directory.mkdir()
    (tmp_path / "comparisons").mkdir()
    return directory


def readme(*args: str) -> None:
    if "--proofs" in args and "--comparisons" not in args:  # the proofs fixture's sibling
        args = (*args, "--comparisons", str(Path(args[args.index("--proofs") + 1]).parent / "comparisons"))
    call_command("perf_readme", *args, stdout=StringIO())


def test_renders_the_baseline_figures_between_the_markers(baselines: Path, proofs: Path, tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text(README)
    readme("--readme", str(path), "--baselines", str(baselines), "--proofs", str(proofs))
    text = path.read_text()
    document = json.loads((baselines / f"{connection.vendor}.json").read_text())
    synthetic = document["hot_paths"]["synthetic"]
    assert text.startswith("# Arena\n\nintro\n\n<!-- perf:start -->\n")
    assert text.endswith("<!-- compare:end -->\n\nafter\n")
    assert "old figures" not in text
    distance = synthetic["p95_ms"] / 2 / 0.5  # two requests per call; the floor's p95 is 0.5 ms
    assert f"| synthetic | {synthetic['p50_ms']:.2f} | {synthetic['p95_ms']:.2f} | {distance:.1f}× |" in text
    assert f"| {FLOOR} | 0.50 | 0.50 | 1.0× |" in text
    assert document["environment"]["commit"] in text


def test_check_fails_on_a_stale_readme_and_passes_once_rendered(baselines: Path, proofs: Path, tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text(README)
    with pytest.raises(CommandError) as stale:
        readme("--readme", str(path), "--baselines", str(baselines), "--proofs", str(proofs), "--check")
    assert stale.value.returncode == 1
    readme("--readme", str(path), "--baselines", str(baselines), "--proofs", str(proofs))
    readme("--readme", str(path), "--baselines", str(baselines), "--proofs", str(proofs), "--check")


def test_missing_markers_or_baselines_exit_2(baselines: Path, proofs: Path, tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text("# no markers\n")
    with pytest.raises(CommandError) as no_markers:
        readme("--readme", str(path), "--baselines", str(baselines), "--proofs", str(proofs))
    with pytest.raises(CommandError) as no_baselines:
        readme("--readme", str(path), "--baselines", str(tmp_path / "empty"), "--proofs", str(proofs))
    assert (no_markers.value.returncode, no_baselines.value.returncode) == (2, 2)
    assert path.read_text() == "# no markers\n"


def test_the_trend_reads_every_committed_version_of_a_baseline() -> None:
    from perf import guard, history

    versions = history.baseline_history(guard.baseline_path("sqlite"))
    assert len(versions) >= 2  # saved in more than one commit since the first perf suite
    assert [version["date"] for version in versions] == sorted(version["date"] for version in versions)
    assert all("registration" in version["hot_paths"] for version in versions)


def verdicts(failing: tuple[str, ...] = (), change: float = 0.0) -> list[dict]:
    names = ("registration", "transfer")
    return [
        {
            "name": name,
            "status": "regression" if name in failing else "ok",
            "change": change if name == "registration" else 0.0,
            "low": 0.0,
            "mde": 0.1 if name == "registration" else 0.3,
            "rounds": 12,
            "detail": "",
        }
        for name in names
    ]


def proof_run(*, noisy: bool = False, cpu: tuple[str, ...] = ("registration",), wait: tuple[str, ...] = ()) -> dict:
    return {
        "head": verdicts(("transfer",) if noisy else ()),
        "head+cpu:20%:/api/tournaments/register/": verdicts(cpu, change=0.25),
        "head+wait:20%:/api/tournaments/register/": verdicts(wait, change=0.15),
    }


def proof_record(runs: list[dict], *, busy_core: bool = False) -> dict:
    return proof.record(
        runs, vendor="postgresql", base="0123456789ab", target="registration", percent=20.0, busy_core=busy_core
    )


def test_a_proof_record_is_counted_as_the_issue_s_bar_reads_it() -> None:
    # 20 runs: one noisy; cpu caught alone in 19 and with another path in 1; wait caught in 19.
    runs = [proof_run(wait=("registration",)) for _ in range(18)]
    runs.append(proof_run(noisy=True, cpu=("registration", "transfer")))
    runs.append(proof_run(wait=("registration",)))
    summary = proof.summarize(proof_record(runs))
    assert (summary["runs"], summary["noisy"]) == (20, 1)
    assert (summary["caught"], summary["only"]) == ({"cpu": 20, "wait": 19}, {"cpu": 19, "wait": 19})
    assert summary["meets"] is True
    runs[0] = proof_run(noisy=True, wait=("registration",))  # a second noisy run
    assert proof.summarize(proof_record(runs))["meets"] is False
    assert proof.summarize(proof_record(runs[:19]))["meets"] is False  # fewer than 20 runs


def test_the_proof_table_is_rendered_from_the_records(baselines: Path, proofs: Path, tmp_path: Path) -> None:
    runs = [proof_run(wait=("registration",)), proof_run(noisy=True)]
    (proofs / "01-postgresql.json").write_text(json.dumps(proof_record(runs, busy_core=True)))
    path = tmp_path / "README.md"
    path.write_text(README)
    readme("--readme", str(path), "--baselines", str(baselines), "--proofs", str(proofs))
    text = path.read_text()
    assert "old proof" not in text
    row = "| PostgreSQL + Redis | yes | 1 / 2 | 2 / 2 | 1 / 2 | +25% / +15% | 30% | no | `01-postgresql.json` |"
    assert row in text


def refused(baselines: Path, proofs: Path, tmp_path: Path) -> CommandError:
    """What perf_readme raises on a fresh README, which it must leave as it was."""
    path = tmp_path / "README.md"
    path.write_text(README)
    with pytest.raises(CommandError) as failure:
        readme("--readme", str(path), "--baselines", str(baselines), "--proofs", str(proofs))
    assert path.read_text() == README
    return failure.value


def test_a_file_that_is_not_a_proof_record_exits_2(baselines: Path, proofs: Path, tmp_path: Path) -> None:
    (proofs / "runs.json").write_text(json.dumps([proof_run()]))  # the bare list of runs, before records
    error = refused(baselines, proofs, tmp_path)
    assert error.returncode == 2
    assert "not a perf_proof record" in str(error)


def test_a_comparison_run_is_rendered_before_and_after(baselines: Path, proofs: Path, tmp_path: Path) -> None:
    before, after = baseline_document("sqlite"), baseline_document("sqlite")
    before["environment"]["commit"] = "beforebefore"
    after["hot_paths"]["synthetic"]["queries"] = 0
    verdict = {"name": "synthetic", "status": "faster", "change": -0.25, "low": -0.3, "mde": 0.1, "rounds": 12}
    run = {"head": after, "base": before, "verdicts": [verdict]}
    (tmp_path / "comparisons" / "19-sqlite.json").write_text(json.dumps(run))
    path = tmp_path / "README.md"
    path.write_text(README)
    readme("--readme", str(path), "--baselines", str(baselines), "--proofs", str(proofs))
    text = path.read_text()
    synthetic = after["hot_paths"]["synthetic"]
    distance = f"{synthetic['p95_ms'] / 2 / 0.5:.1f}×"
    row = f"| synthetic | {synthetic['p95_ms']:.2f} | {distance} | {synthetic['p95_ms']:.2f} | {distance} |"
    assert f"{row} -25.0% (-30.0%) | 1 → 0 |" in text
    assert "before `beforebefore`, after `0123456789ab`" in text
    assert "old comparison" not in text


def test_a_file_that_is_not_a_comparison_run_exits_2(baselines: Path, proofs: Path, tmp_path: Path) -> None:
    (tmp_path / "comparisons" / "bad.json").write_text(json.dumps({"head": {}}))
    error = refused(baselines, proofs, tmp_path)
    assert error.returncode == 2
    assert "not a perf_baseline --compare --json run" in str(error)
