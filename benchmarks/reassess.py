"""How much a re-assessment asks compared with the intake, for every bundled persona.

Counts, per persona, the questions the intake asked, and at a re-assessment the questions asked
afresh (reassess: ask / only) and those asked with last time's answer already chosen (confirm:
Enter keeps it). Run: python benchmarks/reassess.py
"""

from pathlib import Path

from imbalance_cli import loader, resources
from imbalance_cli.answers import read_answers
from imbalance_cli.engine import Flow
from imbalance_cli.model import Reassess

lib = loader.load_library(resources.library_paths())
q = loader.load_questionnaire(resources.bundled_dir() / "intake.yaml", lib)
T = [0, 0, 0]
for p in sorted(
    (Path(__file__).resolve().parents[1] / "questionnaires" / "examples").glob("*.yaml")
):
    if p.name.endswith(".test.yaml"):
        continue  # an `imbalance test` fixture, not a persona's answers
    a = read_answers(p, q)
    kept = Flow(q).prune(a)
    full = dict(kept)
    full["since_last"] = ("plan_most_weeks",)
    full["since_notes"] = None
    full = Flow(q, reassessment=True).prune(full)
    fresh = [k for k in full if q.question(k).reassess in (Reassess.ASK, Reassess.ONLY)]
    conf = [k for k in full if q.question(k).reassess is Reassess.CONFIRM]
    T[0] += len(kept)
    T[1] += len(fresh)
    T[2] += len(conf)
    print(
        f"{p.stem:32} intake {len(kept):3}  reassess fresh {len(fresh):3} + confirm {len(conf):2}"
    )
print("total intake", T[0], "fresh", T[1], f"({T[1] / T[0]:.0%})", "confirm", T[2])
