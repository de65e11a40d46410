"""Named conditions of a questionnaire: the situations (pregnancy, recent surgery...) its answers
show, and the region patterns a trainer recognises. Alerts and recommendations refer to them by
name (``situation: pregnancy``, ``pattern: outer_elbow_grip``); findings.py reports which hold.

Situations name the library's vocabulary (``situations.yaml``), since library items declare the
situations they do not suit; patterns are the questionnaire's own. Situations are read first, so
a pattern may name a situation.
"""

from __future__ import annotations

from imbalance_cli.conditions import Conditions
from imbalance_cli.model import BodyMap, Library, Pattern, QuestionType, SituationRule
from imbalance_cli.shapes import PATTERN, SITUATION_RULE, question_id, text_field
from imbalance_cli.text import suggest
from imbalance_cli.yamlsrc import Node, Sink, as_list, as_str, fields


def read_situations(
    node: Node | None, sink: Sink, resolver: Conditions, library: Library | None
) -> tuple[SituationRule, ...]:
    out: list[SituationRule] = []
    for item in (as_list(node, sink, "situations") or ()) if node is not None else ():
        f = fields(item, sink, "a situation", SITUATION_RULE)
        if f is None:
            continue
        sid = question_id(f.get("id"), sink, "situation")
        if sid is None:
            continue
        known = library.situations if library is not None else None
        if known is not None and sid not in known:
            sink.add(
                f["id"],
                f"unknown situation '{sid}'{suggest(sid, known)}; situations are the library's "
                f"vocabulary ({', '.join(known) or 'none yet'}): add it to a library file first",
            )
            continue
        if sid in resolver.named["situation"]:
            sink.add(f["id"], f"situation '{sid}' is given twice; join the conditions with 'any'")
            continue
        bound = None
        if "regions" in f:
            bound = as_str(f["regions"], sink, "regions")
            found = resolver.index.get(bound or "")
            if bound is not None and (
                found is None or found[1].type is not QuestionType.BODY_REGIONS
            ):
                sink.add(
                    f["regions"],
                    f"'regions' names the body_regions question whose answer bounds situation "
                    f"'{sid}'; '{bound}' is not one",
                )
                bound = None
        if "when" not in f:
            continue
        when = resolver.read(f["when"], None, None, frozenset(), f"situation '{sid}'")
        if when is None:
            continue
        resolver.named["situation"][sid] = when
        out.append(SituationRule(sid, when, sink.at(item), bound))
    return tuple(out)


def read_patterns(
    node: Node | None, sink: Sink, resolver: Conditions, bodymap: BodyMap
) -> tuple[Pattern, ...]:
    out: list[Pattern] = []
    for item in (as_list(node, sink, "patterns") or ()) if node is not None else ():
        f = fields(item, sink, "a pattern", PATTERN)
        if f is None:
            continue
        pid = question_id(f.get("id"), sink, "pattern")
        label = text_field(f, "label", sink, "pattern")
        region = as_str(f["region"], sink, "region") if "region" in f else None
        if region is not None and bodymap.get(region) is None:
            sink.add(
                f["region"],
                f"unknown body region '{region}'{suggest(region, bodymap.ids)} (known: {', '.join(bodymap.ids)})",
            )
            region = None
        if pid is None or label is None or region is None or "when" not in f:
            continue
        if pid in resolver.named["pattern"]:
            sink.add(f["id"], f"pattern '{pid}' is given twice; ids must be unique")
            continue
        when = resolver.read(f["when"], None, None, frozenset(), f"pattern '{pid}'")
        if when is None:
            continue
        resolver.named["pattern"][pid] = when
        out.append(Pattern(pid, label, region, when, sink.at(item)))
    return tuple(out)
