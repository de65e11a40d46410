"""Conditions: reading ``when`` mappings into the model, and telling when one can never hold.

A condition refers only to questions asked before the thing it guards (the loader passes the
position), so a questionnaire cannot loop. ``same_region`` is expanded here into plain ``any`` /
``all``, so the engine evaluates only the six leaf tests, ``side``, ``zones`` and the combinators.
"""

from __future__ import annotations

from collections.abc import Mapping

from imbalance_cli.model import (
    AllOf,
    AnyOf,
    BodyMap,
    Condition,
    Leaf,
    LeafValue,
    Not,
    Op,
    Question,
    QuestionType,
    WordList,
    split_token,
)
from imbalance_cli.shapes import (
    COMBINATORS,
    CONDITION,
    LIST_TESTS,
    MAX_CONDITION_DEPTH,
    OPS,
    REFS,
)
from imbalance_cli.text import suggest
from imbalance_cli.yamlsrc import Node, Seq, Sink, as_bool, as_list, as_number, as_str, fields


class Conditions:
    """Reads ``when`` conditions against the questions known from the loader's first pass.

    ``region_whens`` maps each region token of a repeated section (``knee.left``) to the
    condition under which that region's copy is asked; ``same_region`` uses it.
    """

    def __init__(
        self,
        sink: Sink,
        index: Mapping[str, tuple[int, Question]],
        bodymap: BodyMap,
        region_whens: Mapping[str, Leaf] | None = None,
        word_lists: Mapping[str, WordList] | None = None,
    ) -> None:
        self.sink = sink
        self.index = index
        self.bodymap = bodymap
        self.region_whens = dict(region_whens or {})
        #: The library's word lists (None: no library to check ``mentions`` against).
        self.word_lists = word_lists
        #: Named conditions read so far: ``pattern`` / ``situation`` -> id -> condition.
        self.named: dict[str, dict[str, Condition]] = {kind: {} for kind in REFS}
        self.repeated: dict[str, list[str]] = {}
        # 'pain_now.knee' (no side) names every side's copy: answers and rules written before
        # sides were kept apart keep working.
        self.by_region: dict[str, list[str]] = {}
        # A paired question's id names both sides (left first): 'grip' -> grip.left, grip.right.
        self.pairs: dict[str, list[str]] = {}
        for qid, (_, q) in index.items():
            if q.pair is not None:
                self.pairs.setdefault(q.pair, []).append(qid)
            if q.exercise is not None:
                self.repeated.setdefault(qid.split(".", 1)[0], []).append(qid)
            if q.region is not None:
                base = qid.split(".", 1)[0]
                self.repeated.setdefault(base, []).append(qid)
                region, side = split_token(q.region)
                if side is not None:
                    self.by_region.setdefault(f"{base}.{region}", []).append(qid)

    def read(
        self,
        node: Node,
        before: int | None,
        region: str | None,
        siblings: frozenset[str],
        where: str,
    ) -> Condition | None:
        condition = self._read(node, before, region, siblings, where, 0)
        if condition is not None:
            reason = never_true(condition, self.index)
            if reason:
                self.sink.add(node, f"the condition of {where} can never be true: {reason}")
        return condition

    def _read(
        self, node: Node, before: int | None, region: str | None,
        siblings: frozenset[str], where: str, depth: int,
    ) -> Condition | None:  # fmt: skip
        sink = self.sink
        if depth > MAX_CONDITION_DEPTH:
            sink.add(node, f"condition nested more than {MAX_CONDITION_DEPTH} levels deep")
            return None
        f = fields(node, sink, "a condition", CONDITION)
        if f is None:
            return None
        if "same_region" in f:
            return self._same_region(node, f, before, where, depth)
        if any(kind in f for kind in REFS):
            return self._ref(node, f, before)
        if "all" in f or "any" in f or "not" in f:
            return self._combinator(node, f, before, region, siblings, where, depth)
        return self._leaf(node, f, before, region, siblings, where)

    def _same_region(
        self, node: Node, f: Mapping[str, Node], before: int | None, where: str, depth: int
    ) -> Condition | None:
        """``same_region: c``: c holds for one body region, questions of sections repeated per
        region meaning that region's copy. Expanded here into ``any`` over the regions, each
        part also requiring the region to be chosen, so the engine needs nothing new."""
        if len(f) != 1:
            self.sink.add(
                node,
                "'same_region' must stand alone in its condition; nest the other parts inside it",
            )
            return None
        if not self.region_whens:
            self.sink.add(node, "'same_region' needs a section repeated per region (repeat: ...)")
            return None
        siblings = frozenset(self.repeated)
        parts: list[Condition] = []
        for token, chosen in self.region_whens.items():
            inner = self._read(f["same_region"], before, token, siblings, where, depth + 1)
            if inner is None:
                return None
            parts.append(AllOf((chosen, inner), inner.location))
        return AnyOf(tuple(parts), self.sink.at(node))

    def _ref(self, node: Node, f: Mapping[str, Node], before: int | None) -> Condition | None:
        """``pattern: id`` / ``situation: id``: the named condition, read where it is defined.
        It stands as a one-part ``all`` carrying the name, so every reader of conditions works
        unchanged and a trace can say which pattern held."""
        kind = next(k for k in REFS if k in f)
        if len(f) != 1:
            self.sink.add(
                node,
                f"'{kind}' must stand alone in its condition; nest the other parts in an 'all'",
            )
            return None
        if before is not None:
            self.sink.add(
                node,
                f"a question's condition cannot name a {kind}: patterns and situations are read "
                "when the answers are in; use them in alerts and recommendations",
            )
            return None
        ref = as_str(f[kind], self.sink, kind)
        if ref is None:
            return None
        known = self.named[kind]
        if ref not in known:
            self.sink.add(
                f[kind],
                f"unknown {kind} '{ref}'{suggest(ref, known)}"
                + (
                    f" (this questionnaire's {kind}s: {', '.join(known)})"
                    if known
                    else f"; define it under '{kind}s:' first"
                ),
            )
            return None
        return AllOf((known[ref],), self.sink.at(node), name=f"{kind}:{ref}")

    def _combinator(
        self, node: Node, f: Mapping[str, Node], before: int | None, region: str | None,
        siblings: frozenset[str], where: str, depth: int,
    ) -> Condition | None:  # fmt: skip
        """An all/any/not condition (``f`` holds at least one of those keys)."""
        sink = self.sink
        key = next(k for k in COMBINATORS if k in f)
        if len(f) != 1:
            sink.add(
                node, f"'{key}' must stand alone in its condition; nest the other parts inside it"
            )
            return None
        loc = sink.at(node)
        if key == "not":
            inner = self._read(f["not"], before, region, siblings, where, depth + 1)
            return Not(inner, loc) if inner is not None else None
        items = as_list(f[key], sink, f"'{key}'")
        if items is None:
            return None
        if not items:
            sink.add(f[key], f"'{key}' needs at least one condition")
            return None
        parts = [self._read(i, before, region, siblings, where, depth + 1) for i in items]
        if any(p is None for p in parts):
            return None
        done = tuple(p for p in parts if p is not None)
        return AllOf(done, loc) if key == "all" else AnyOf(done, loc)

    def _leaf(
        self, node: Node, f: Mapping[str, Node], before: int | None,
        region: str | None, siblings: frozenset[str], where: str,
    ) -> Condition | None:  # fmt: skip
        sink = self.sink
        if "question" not in f:
            tests = (*OPS, *LIST_TESTS)
            sink.add(
                node,
                f"a condition needs 'question' and one test ({', '.join(tests)}), or {'/'.join(COMBINATORS)}",
            )
            return None
        ops = [k for k in f if k != "question"]
        listed = ops[0] if len(ops) == 1 and ops[0] in LIST_TESTS else None
        op = Op.INCLUDES if listed else OPS.get(ops[0]) if len(ops) == 1 else None
        if op is None:
            tests = (*OPS, *LIST_TESTS)
            sink.add(
                node,
                f"a condition on one question takes exactly one test: {', '.join(tests)}"
                + (f"; split {' and '.join(ops)} into an 'all'" if ops else ""),
            )
            return None
        if listed is not None and isinstance(f["question"], Seq):
            sink.add(
                f["question"],
                f"'{listed}' tests one question; write an 'any' or an 'all' over several",
            )
            return None
        if isinstance(f["question"], Seq):
            return self._many(node, f, op, before, where)
        ref = as_str(f["question"], sink, "question")
        if ref is None:
            return None
        # Inside a section repeated per region, a sibling's id means this region's copy.
        target = f"{ref}.{region}" if region is not None and ref in siblings else ref
        if target.endswith(".*"):
            covered = tuple(self.repeated.get(target[:-2], ()))
            if not covered:
                sink.add(
                    f["question"],
                    f"'{ref}' matches no question repeated per region or per exercise{suggest(target[:-2], self.repeated)}",
                )
                return None
        elif target not in self.index and target in self.by_region:
            covered = tuple(self.by_region[target])
        elif target not in self.index and target in self.pairs:
            covered = tuple(self.pairs[target])
        else:
            covered = (target,)
        for qid in covered:
            if qid not in self.index:
                hint = suggest(qid, self.index)
                if not hint and qid in self.repeated:
                    hint = f"; it is repeated (per region or per exercise): name one like '{self.repeated[qid][0]}' or all with '{qid}.*'"
                sink.add(f["question"], f"{where} refers to unknown question '{ref}'{hint}")
                return None
            position, _ = self.index[qid]
            if before is not None and position >= before:
                sink.add(
                    f["question"],
                    f"{where} refers to question '{ref}', which is not asked before it; conditions may only look back",
                )
                return None
        question = self.index[covered[0]][1]
        if op in (Op.LSI_BELOW, Op.WEAKER) and (
            question.type is not QuestionType.PAIRED or len(covered) != 2
        ):
            sink.add(
                f[op.value],
                f"'{op.value}' tests a paired question by its own id"
                + (
                    f" ('{question.pair}', not one side)"
                    if question.pair
                    else f"; '{ref}' is {question.type.value}"
                ),
            )
            return None
        if listed is not None:
            return self._listed(node, f[listed], listed, question, ref, covered)
        value = self._value(op, f[op.value], question, ref)
        if value is None:
            return None
        if op is Op.MENTIONS:
            assert isinstance(value, str)
            return Leaf(ref, op, value, covered, sink.at(node), words=self._words(value),
                        shadows=self._shadows(value))  # fmt: skip
        if op in (Op.LSI_BELOW, Op.WEAKER):
            paired = (question.better, question.noise)
            return Leaf(ref, op, value, covered, sink.at(node), paired=paired)
        zones: dict[str, str] = {}
        if op is Op.ZONES:
            for token in self.bodymap.tokens(question.regions):
                zone = self.bodymap.zone(token)
                if zone is not None:
                    zones[token] = zone
        return Leaf(ref, op, value, covered, sink.at(node), zones)

    def _listed(
        self, node: Node, items_node: Node, key: str, question: Question, ref: str,
        covered: tuple[str, ...],
    ) -> Condition | None:  # fmt: skip
        """``includes_any: [a, b]`` / ``includes_all: [a, b]``: an ``any`` / ``all`` of
        ``includes`` tests, so every reader of conditions works unchanged."""
        sink = self.sink
        if not question.type.is_list:
            form = "in" if key == "includes_any" else "equals"
            example = "in: [a, b]" if key == "includes_any" else "equals: a"
            sink.add(
                items_node,
                f"'{key}' tests multi and body_regions questions; '{ref}' is "
                f"{question.type.value}, which has one answer: use '{form}' ({example})",
            )
            return None
        items = as_list(items_node, sink, key)
        if items is None:
            return None
        if not items:
            sink.add(items_node, f"'{key}' lists nothing; name at least one choice")
            return None
        leaves: list[Condition] = []
        for entry in items:
            value = self._value(Op.INCLUDES, entry, question, ref)
            if value is None:
                return None
            leaves.append(Leaf(ref, Op.INCLUDES, value, covered, sink.at(entry)))
        if len(leaves) == 1:
            return leaves[0]
        if LIST_TESTS[key] == "any":
            return AnyOf(tuple(leaves), sink.at(node))
        return AllOf(tuple(leaves), sink.at(node))

    def _many(
        self, node: Node, f: Mapping[str, Node], op: Op, before: int | None, where: str
    ) -> Leaf | None:
        """``question: [a, b]`` with ``mentions``: any of these free-text answers."""
        sink = self.sink
        if op is not Op.MENTIONS:
            sink.add(
                f["question"],
                "a list of questions is for 'mentions' (any of these free-text answers); write an 'any' for other tests",
            )
            return None
        ids: list[str] = []
        for item in as_list(f["question"], sink, "question") or ():
            ref = as_str(item, sink, "question")
            if ref is None:
                return None
            if ref not in self.index:
                sink.add(
                    item, f"{where} refers to unknown question '{ref}'{suggest(ref, self.index)}"
                )
                return None
            if before is not None and self.index[ref][0] >= before:
                sink.add(
                    item,
                    f"{where} refers to question '{ref}', which is not asked before it; conditions may only look back",
                )
                return None
            if self.index[ref][1].type is not QuestionType.TEXT:
                sink.add(
                    item, f"'mentions' reads free text; '{ref}' is {self.index[ref][1].type.value}"
                )
                return None
            ids.append(ref)
        if not ids:
            sink.add(f["question"], "the list of questions is empty")
            return None
        value = self._value(op, f[op.value], self.index[ids[0]][1], ids[0])
        if not isinstance(value, str):
            return None
        return Leaf(ids[0], op, value, tuple(ids), sink.at(node), words=self._words(value),
                    shadows=self._shadows(value))  # fmt: skip

    def _words(self, list_id: str) -> tuple[str, ...]:
        found = self.word_lists.get(list_id) if self.word_lists is not None else None
        return found.words if found is not None else ()

    def _shadows(self, list_id: str) -> tuple[tuple[str, ...], ...]:
        found = self.word_lists.get(list_id) if self.word_lists is not None else None
        if found is None or found.kind != "activity" or self.word_lists is None:
            return ()
        return tuple(
            w.words for w in self.word_lists.values() if w.kind == "activity" and w.id != list_id
        )

    def _value(self, op: Op, node: Node, q: Question, ref: str) -> LeafValue | None:
        sink = self.sink
        t = q.type
        if op is Op.MENTIONS:
            if t is not QuestionType.TEXT:
                sink.add(node, f"'mentions' reads free text; '{ref}' is {t.value}")
                return None
            list_id = as_str(node, sink, "mentions")
            if (
                list_id is not None
                and self.word_lists is not None
                and list_id not in self.word_lists
            ):
                sink.add(
                    node,
                    f"unknown word list '{list_id}'{suggest(list_id, self.word_lists)} "
                    f"(the library's word lists: {', '.join(self.word_lists) or 'none'})",
                )
                return None
            return list_id
        if op is Op.ANSWERED:
            return as_bool(node, sink, "answered")
        if op is Op.WEAKER:
            side = as_str(node, sink, "weaker")
            if side is not None and side not in ("left", "right"):
                sink.add(node, f"'weaker' is left or right, not '{side}'")
                return None
            return side
        if op is Op.LSI_BELOW:
            threshold = as_number(node, sink, "lsi_below")
            if threshold is not None and not 0 < threshold <= 100:
                sink.add(
                    node,
                    "'lsi_below' is a limb symmetry index in percent: more than 0, at most 100",
                )
                return None
            return threshold
        if op in (Op.SIDE, Op.ZONES) and t is not QuestionType.BODY_REGIONS:
            sink.add(node, f"'{op.value}' tests body_regions questions; '{ref}' is {t.value}")
            return None
        if op is Op.SIDE:
            side = as_str(node, sink, "side")
            if side is not None and side not in ("left", "right", "both"):
                sink.add(node, f"'side' is left, right or both, not '{side}'")
                return None
            return side
        if op is Op.ZONES:
            count = as_number(node, sink, "zones")
            if count is not None and (count != int(count) or not 1 <= count <= 5):
                sink.add(node, "'zones' counts body zones: a whole number from 1 to 5")
                return None
            return None if count is None else int(count)
        if op is Op.INCLUDES:
            if not t.is_list:
                sink.add(
                    node,
                    f"'includes' tests multi and body_regions questions; '{ref}' is {t.value}, use 'equals' or 'in'",
                )
                return None
            if isinstance(node, Seq):
                sink.add(
                    node,
                    "'includes' takes one choice; for any of several write 'includes_any: "
                    "[a, b]', for all of them 'includes_all: [a, b]'",
                )
                return None
            item = as_str(node, sink, "includes")
            if item is None:
                return None
            if t is QuestionType.BODY_REGIONS:
                region, side = split_token(item)
                problem = (
                    None
                    if side is None and (region in (q.regions or self.bodymap.ids))
                    else self.bodymap.check_token(item, q.regions, none=q.none_label is not None)
                )
                if problem:
                    sink.add(node, problem)
                    return None
                return item
            return self._choice(node, item, q, ref)
        if op in (Op.GTE, Op.LTE):
            if not t.is_numeric:
                sink.add(
                    node,
                    f"'{op.value}' tests scale, number and paired questions; '{ref}' is {t.value}",
                )
                return None
            return as_number(node, sink, op.value)
        if t.is_list:
            sink.add(
                node,
                f"'{op.value}' does not test a {t.value} question, whose answer is a list; "
                "write 'includes: a' (a is chosen), 'includes_any: [a, b]' (any of these is) "
                "or 'includes_all: [a, b]' (all of them are)",
            )
            return None
        if op is Op.IN:
            items = as_list(node, sink, "in")
            if items is None:
                return None
            values: list[str | int | float] = []
            for entry in items:
                v = self._scalar(entry, q, ref)
                if v is None:
                    return None
                if isinstance(v, bool):
                    sink.add(entry, "'in' takes choice ids or numbers, not true/false")
                    return None
                values.append(v)
            return tuple(values)
        return self._scalar(node, q, ref)

    def _scalar(self, node: Node, q: Question, ref: str) -> str | bool | int | float | None:
        sink = self.sink
        if q.type is QuestionType.YES_NO:
            return as_bool(node, sink, f"the answer to '{ref}'")
        if q.type.is_numeric:
            return as_number(node, sink, f"the answer to '{ref}'")
        item = as_str(node, sink, f"the answer to '{ref}'")
        if item is None or q.type is QuestionType.TEXT:
            return item
        return self._choice(node, item, q, ref)

    def _choice(self, node: Node, item: str, q: Question, ref: str) -> str | None:
        if q.choice(item) is None:
            ids = [c.id for c in q.choices]
            self.sink.add(
                node,
                f"'{ref}' has no choice '{item}'{suggest(item, ids)} (choices: {', '.join(ids)})",
            )
            return None
        return item


def never_true(condition: Condition, index: Mapping[str, tuple[int, Question]]) -> str | None:
    """Why a well-formed condition can never hold, or None. Catches the contradictions an author
    can write by mistake: a number test outside the question's range, an empty 'in', and an
    'all' whose parts on one question exclude each other."""
    if isinstance(condition, Leaf):
        q = index[condition.questions[0]][1]
        v = condition.value
        if (
            condition.op is Op.GTE
            and q.maximum is not None
            and isinstance(v, (int, float))
            and v > q.maximum
        ):
            return f"'{condition.question}' is at most {q.maximum:g}, so it is never {v:g} or more"
        if (
            condition.op is Op.LTE
            and q.minimum is not None
            and isinstance(v, (int, float))
            and v < q.minimum
        ):
            return f"'{condition.question}' is at least {q.minimum:g}, so it is never {v:g} or less"
        if condition.op is Op.IN and v == ():
            return "'in' lists nothing"
        if (
            condition.op in (Op.EQUALS,)
            and q.type.is_numeric
            and isinstance(v, (int, float))
            and not isinstance(v, bool)
        ) and (
            (q.minimum is not None and v < q.minimum) or (q.maximum is not None and v > q.maximum)
        ):
            return f"{v:g} is outside the range of '{condition.question}'"
        return None
    if isinstance(condition, Not):
        return never_true(condition.item, index)
    if isinstance(condition, AnyOf):
        reasons = [never_true(c, index) for c in condition.items]
        return reasons[0] if all(reasons) else None
    for item in condition.items:
        reason = never_true(item, index)
        if reason:
            return reason
    return _contradiction([c for c in condition.items if isinstance(c, Leaf)])


def _contradiction(leaves: list[Leaf]) -> str | None:
    by_question: dict[str, list[Leaf]] = {}
    for leaf in leaves:
        if len(leaf.questions) == 1:
            by_question.setdefault(leaf.questions[0], []).append(leaf)
    for qid, group in by_question.items():
        equals = {repr(leaf.value) for leaf in group if leaf.op is Op.EQUALS}
        if len(equals) > 1:
            return f"'{qid}' cannot equal {' and '.join(sorted(equals))} at once"
        lows = [
            leaf.value
            for leaf in group
            if leaf.op is Op.GTE and isinstance(leaf.value, (int, float))
        ]
        highs = [
            leaf.value
            for leaf in group
            if leaf.op is Op.LTE and isinstance(leaf.value, (int, float))
        ]
        if lows and highs and max(lows) > min(highs):
            return f"'{qid}' cannot be at least {max(lows):g} and at most {min(highs):g}"
        answered = {leaf.value for leaf in group if leaf.op is Op.ANSWERED}
        if False in answered and (
            True in answered or any(leaf.op is not Op.ANSWERED for leaf in group)
        ):
            return f"'{qid}' cannot be unanswered and tested at once"
    return None
