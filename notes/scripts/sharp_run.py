"""The sharpness run of tests/perf/test_slo_guard.py as a script: each slowed arm's verdicts.

DJANGO_ENV=test PYTHONPATH=. python notes/scripts/sharp_run.py [NAME,NAME]   (default: registration,transfer)
"""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from perf import compare  # noqa: E402 - after django.setup()

names = sys.argv[1].split(",") if len(sys.argv) > 1 else ["registration", "transfer"]
path = "/api/tournaments/register/"
slowed = [compare.head_arm([compare.Slowdown(kind=kind, percent=20, path=path)]) for kind in compare.SLOWDOWN_KINDS]
began = time.monotonic()
marks: list[tuple[int, float]] = []
results = compare.measure(
    [compare.head_arm(), *slowed],
    compare.Plan(names=names),
    progress=lambda done, _: marks.append((done, time.monotonic() - began)),
)
print(f"total {time.monotonic() - began:.1f} s, first round ended at {marks[0][1]:.1f} s, rounds {marks[-1][0]}")
for arm in slowed:
    for v in compare.verdicts(results, arm.label, names, against=compare.HEAD):
        print(arm.label[:9], v.name, v.status, f"{v.change:+.1%} low {v.low:+.1%} mde {v.mde:.1%} rounds {v.rounds}")
