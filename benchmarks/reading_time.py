"""How long the intake takes a person: words read on screen / 200 per minute + 4 s per answer.

Replays persona answers files through the real session (the same engine and flow a person
meets), counting the words a person reads: section titles and intros, each question with its
help, choices and scale hint, every alert panel shown, and the notices. The summary at the end is
counted separately (client markdown). Run from a checkout with the project installed:

    python benchmarks/reading_time.py questionnaires/examples/runner-knee.yaml ...
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from imbalance_cli import loader, resources
from imbalance_cli.answers import read_answers
from imbalance_cli.engine import Progress
from imbalance_cli.model import AnswerValue, FiredAlert, Question, Section
from imbalance_cli.prompts import ScriptedPrompter
from imbalance_cli.render import markdown
from imbalance_cli.rules import assess
from imbalance_cli.session import run_session

WORDS_PER_MINUTE = 200
SECONDS_PER_ANSWER = 4


def words(*texts: str | None) -> int:
    return sum(len(t.split()) for t in texts if t)


class Reader(ScriptedPrompter):
    """Answers from the file and counts what the screen shows."""

    def __init__(self, script: dict[str, Any]) -> None:
        super().__init__(script, stop_on_emergency=True)
        self.read = 0

    def section(self, section: Section) -> None:
        self.read += words(section.title, section.intro)
        super().section(section)

    def ask(
        self, question: Question, *, default: AnswerValue, progress: Progress, can_go_back: bool
    ) -> Any:
        self.read += words(question.text, question.help, *(c.label for c in question.choices))
        self.read += words(*(label for _, label in question.anchors), question.none_label)
        return super().ask(question, default=default, progress=progress, can_go_back=can_go_back)

    def alert(self, fired: FiredAlert) -> None:
        self.read += words(fired.alert.message, fired.alert.action, *fired.because)
        super().alert(fired)

    def offer_stop(self, emergencies: tuple[FiredAlert, ...]) -> bool:
        self.read += 40  # the offer's two lines and two choices
        return super().offer_stop(emergencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answers", nargs="+", type=Path)
    args = parser.parse_args()
    library = loader.load_library(resources.library_paths())
    intake = loader.load_questionnaire(resources.resolve("intake"), library)
    print("| persona | questions | words on screen | answering | summary words (client) |")
    print("|---|---|---|---|---|")
    for path in args.answers:
        given = read_answers(path, intake)
        script: dict[str, Any] = {q.id: None for q in intake.questions if not q.required}
        script.update({k: list(v) if isinstance(v, tuple) else v for k, v in given.items()})
        reader = Reader(script)
        answers = run_session(intake, reader)
        seconds = reader.read / WORDS_PER_MINUTE * 60 + SECONDS_PER_ANSWER * len(reader.asked)
        result = assess(intake, answers, library, started_at="", completed_at="done")
        # Counted as the handout's budget counts (markdown.words: words, not markup marks).
        summary = markdown.words(markdown.render(result, "client"))
        print(
            f"| {path.stem} | {len(reader.asked)} | {reader.read:,} | "
            f"{seconds / 60:.1f} min | {summary:,} ({summary / WORDS_PER_MINUTE:.1f} min) |"
        )


if __name__ == "__main__":
    main()
