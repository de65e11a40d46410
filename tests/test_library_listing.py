"""`imbalance library`: one block per item that fits 80 columns with every id whole, the fields
that decide whether a rule validates (regions, assumes_no_warning_signs), and the exercises
(`--exercises`, also as JSON)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from imbalance_cli.errors import SourceLocation
from imbalance_cli.model import Article, Dose, Exercise, Library, Strategy
from imbalance_cli.render import outline

BUNDLED = "/lib/bundled"
HERE = SourceLocation(f"{BUNDLED}/articles.yaml", 3, 5)
OWN = SourceLocation("/home/sam/.local/share/imbalance/questionnaires/library/gym.yaml", 2, 5)

LIBRARY = Library(
    articles={
        "knee-pain-when-running-downhill-and-on-stairs": Article(
            id="knee-pain-when-running-downhill-and-on-stairs",
            title="Knee pain when running downhill or going down stairs, and what to change first",
            summary="...",
            sources=(),
            tags=("knee", "running"),
            regions=("knee",),
            assumes_no_warning_signs=True,
            location=HERE,
        ),
        "worry": Article(
            id="worry", title="When you worry", summary="...", sources=(), location=OWN
        ),
    },
    strategies={
        "knee-start": Strategy(
            id="knee-start",
            title="Starting to load a sore knee",
            summary="...",
            steps=(),
            dose="",
            progress="",
            stop="",
            regions=("knee", "thigh"),
            not_for=("recent_surgery",),
            location=HERE,
        )
    },
    exercises={
        "wall-sit": Exercise(
            id="wall-sit",
            name="Wall sit",
            trains="the front of the thigh",
            steps=("Lean on a wall.",),
            dose=Dose(sets=3, reps=5, hold=30, days=3),
            sources=(),
            regions=("knee", "thigh"),
            easier="quarter-squat-against-the-wall-with-a-ball",
            not_for=("recent_surgery", "pregnancy"),
            location=HERE,
        ),
        "quarter-squat-against-the-wall-with-a-ball": Exercise(
            id="quarter-squat-against-the-wall-with-a-ball",
            name="Quarter squat",
            trains="the thigh",
            steps=("Bend a little.",),
            dose=Dose(reps=10, days=7),
            sources=(),
            harder="wall-sit",
            location=OWN,
        ),
    },
)

GOLDEN = """\
article   knee-pain-when-running-downhill-and-on-stairs                  bundled
          Knee pain when running downhill or going down stairs, and what to
            change first
          regions: knee; assumes_no_warning_signs: yes
          tags: knee, running
article   worry                                                         gym.yaml
          When you worry
          regions: none named (any body part); assumes_no_warning_signs: no
strategy  knee-start                                                     bundled
          Starting to load a sore knee
          regions: knee, thigh; assumes_no_warning_signs: no; not_for:
            recent_surgery
"""

GOLDEN_EXERCISES = """\
exercise  wall-sit                                                       bundled
          Wall sit
          regions: knee, thigh; not_for: recent_surgery, pregnancy
          dose: 3 sets of 5 holds of 30 seconds, 3 days a week
          picture: no; easier: quarter-squat-against-the-wall-with-a-ball;
            harder: none
exercise  quarter-squat-against-the-wall-with-a-ball                    gym.yaml
          Quarter squat
          regions: none named (any body part); not_for: none
          dose: 10 repetitions, daily
          picture: no; easier: none; harder: wall-sit
"""


def test_library_blocks_at_80_columns_keep_ids_whole_and_show_what_validates() -> None:
    """Each item is a block: kind, the id never broken, and where it comes from; the title;
    regions and assumes_no_warning_signs (and not_for when set); tags. No line is wider than
    80 columns."""
    text = outline.library_text(LIBRARY, None, BUNDLED, width=80)
    assert text == GOLDEN
    assert max(len(line) for line in text.splitlines()) <= 80


def test_library_filters_by_tag_and_region() -> None:
    assert outline.library_text(LIBRARY, "running", BUNDLED).count("\narticle") == 0
    knee = outline.library_text(LIBRARY, None, BUNDLED, region="thigh")
    assert knee.startswith("strategy  knee-start") and "worry" not in knee


def test_exercises_at_80_columns() -> None:
    text = outline.exercises_text(LIBRARY, BUNDLED, width=80)
    assert text == GOLDEN_EXERCISES.replace("10 repetitions, daily", Dose(reps=10, days=7).text)
    assert max(len(line) for line in text.splitlines()) <= 80


def test_exercises_json() -> None:
    data = json.loads(outline.exercises_json(LIBRARY))
    wall = data["exercises"][0]
    assert wall == {
        "id": "wall-sit",
        "name": "Wall sit",
        "trains": "the front of the thigh",
        "regions": ["knee", "thigh"],
        "dose": {
            "text": "3 sets of 5 holds of 30 seconds, 3 days a week",
            "sets": 3,
            "reps": 5,
            "hold": 30,
            "minutes": None,
            "rest": None,
            "days": 3,
            "per_side": False,
        },
        "easier": "quarter-squat-against-the-wall-with-a-ball",
        "harder": None,
        "not_for": ["recent_surgery", "pregnancy"],
        "adapt": [],
        "picture": False,
        "location": f"{BUNDLED}/articles.yaml:3:5",
    }
    assert [e["id"] for e in json.loads(outline.exercises_json(LIBRARY, "thigh"))["exercises"]] == [
        "wall-sit"
    ]


def _imbalance(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80"}
    return subprocess.run(
        [sys.executable, "-m", "imbalance_cli", *args],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip


def test_the_bundled_library_at_80_columns_names_every_id_whole() -> None:
    """Through the command: every bundled article, strategy and exercise id starts a line of
    its own block, whole, with its regions and (articles, strategies) whether it assumes no
    warning signs."""
    from imbalance_cli import loader, resources

    lib = loader.load_library(resources.library_paths())
    listed = _imbalance("library")
    assert listed.returncode == 0, listed.stderr
    firsts = {line.split()[1] for line in listed.stdout.splitlines() if not line.startswith(" ")}
    assert firsts == {*lib.articles, *lib.strategies}
    assert listed.stdout.count("assumes_no_warning_signs: ") == len(firsts)
    assert max(len(line) for line in listed.stdout.splitlines()) <= 80
    shown = _imbalance("library", "--exercises")
    assert shown.returncode == 0, shown.stderr
    ids = [line.split()[1] for line in shown.stdout.splitlines() if line.startswith("exercise")]
    assert ids == list(lib.exercises)
    assert shown.stdout.count("picture: yes") == len(lib.exercises)
    as_json = json.loads(_imbalance("library", "--exercises", "--json").stdout)
    assert [e["id"] for e in as_json["exercises"]] == list(lib.exercises)
    assert all(e["picture"] for e in as_json["exercises"])


def test_exercises_have_no_tags() -> None:
    run = _imbalance("library", "--exercises", "--tag", "knee")
    assert run.returncode == 2
    assert "exercises have no tags; use --region" in run.stderr
