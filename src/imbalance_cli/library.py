"""The content library: article and strategy files -> ``Library``, every problem located.

Articles and strategies share one id space. Several files (the bundled library and an author's
own) load into one library; an id given twice is an error naming both places.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from imbalance_cli.errors import DEFAULT_MAX_BYTES, LibraryError, Problem
from imbalance_cli.model import Article, EvidenceKind, Library, Source, Strategy
from imbalance_cli.shapes import (
    ARTICLE,
    LIBRARY,
    SOURCE,
    STRATEGY,
    URL,
    content_id,
    text_field,
    text_list,
)
from imbalance_cli.text import suggest
from imbalance_cli.yamlsrc import (
    Node,
    Seq,
    Sink,
    as_bool,
    as_list,
    as_str,
    compose,
    fields,
    read_text,
)


def load_library(paths: Iterable[Path], max_bytes: int = DEFAULT_MAX_BYTES) -> Library:
    """Read article and strategy files into one library; raise with every problem found."""
    problems: list[Problem] = []
    articles: dict[str, Article] = {}
    strategies: dict[str, Strategy] = {}
    for path in paths:
        sink = Sink(str(path))
        _read_library_file(path, sink, max_bytes, articles, strategies)
        problems.extend(sink.problems)
    if problems:
        raise LibraryError(problems)
    return Library(articles=articles, strategies=strategies)


def _read_library_file(
    path: Path,
    sink: Sink,
    max_bytes: int,
    articles: dict[str, Article],
    strategies: dict[str, Strategy],
) -> None:
    text = read_text(path, sink, max_bytes)
    root = compose(text, sink) if text is not None else None
    if root is None:
        return
    top = fields(root, sink, "a library file", LIBRARY)
    if top is None:
        return
    readers: tuple[
        tuple[str, Callable[[Node, Sink], Article | Strategy | None], dict[str, Any]], ...
    ]
    readers = (("article", _article, articles), ("strategy", _strategy, strategies))
    for kind, read, into in readers:
        key = "strategies" if kind == "strategy" else "articles"
        for item in as_list(top[key], sink, key) or () if key in top else ():
            content = read(item, sink)
            if content is None:
                continue
            # Articles and strategies share one id space: a rule names either by id.
            other = articles.get(content.id) or strategies.get(content.id)
            if other is not None:
                sink.add(
                    item, f"{kind} id '{content.id}' is used twice; it is also at {other.location}"
                )
            else:
                store: dict[str, Any] = into
                store[content.id] = content


def _safety(f: dict[str, Node], sink: Sink) -> tuple[tuple[str, ...], bool]:
    """The fields that keep content relevant and safe: the body regions it speaks about, and
    whether its advice assumes that no warning sign stands."""
    from imbalance_cli.bodymap import default

    known = default().ids
    regions: list[str] = []
    for item in (as_list(f["regions"], sink, "regions") or ()) if "regions" in f else ():
        rid = as_str(item, sink, "a region")
        if rid is None:
            continue
        if rid not in known:
            sink.add(
                item,
                f"unknown body region '{rid}'{suggest(rid, known)} (known: {', '.join(known)})",
            )
        elif rid not in regions:
            regions.append(rid)
    assumes = False
    if "assumes_no_warning_signs" in f:
        assumes = bool(as_bool(f["assumes_no_warning_signs"], sink, "assumes_no_warning_signs"))
    return tuple(regions), assumes


def _article(node: Node, sink: Sink) -> Article | None:
    f = fields(node, sink, "an article", ARTICLE)
    if f is None:
        return None
    aid = content_id(f.get("id"), sink, "article")
    title = text_field(f, "title", sink, "article")
    summary = text_field(f, "summary", sink, "article")
    sources: list[Source] = []
    src_node = f.get("sources")
    for item in (as_list(src_node, sink, "sources") or ()) if src_node is not None else ():
        source = _source(item, sink)
        if source is not None:
            sources.append(source)
    if isinstance(src_node, Seq) and not src_node.value:
        sink.add(
            src_node, "an article needs at least one source (a citation, with a URL if verified)"
        )
    if aid is None or title is None or summary is None or not sources:
        return None
    regions, assumes = _safety(f, sink)
    return Article(
        regions=regions,
        assumes_no_warning_signs=assumes,
        id=aid,
        title=title,
        summary=summary,
        sources=tuple(sources),
        tags=text_list(f, "tags", sink, "article"),
        opinion=text_field(f, "opinion", sink, "article"),
        location=sink.at(node),
    )


def _source(node: Node, sink: Sink) -> Source | None:
    f = fields(node, sink, "a source", SOURCE)
    if f is None:
        return None
    kind_text = text_field(f, "kind", sink, "source")
    citation = text_field(f, "citation", sink, "source")
    url = text_field(f, "url", sink, "source")
    kind: EvidenceKind | None = None
    if kind_text is not None:
        try:
            kind = EvidenceKind(kind_text)
        except ValueError:
            names = [k.value for k in EvidenceKind]
            sink.add(
                f["kind"],
                f"unknown source kind '{kind_text}'{suggest(kind_text, names)}"
                f" (one of: {', '.join(names)})",
            )
    if url is not None and not URL.match(url):
        sink.add(f["url"], f"source url '{url[:80]}' must be a plain https:// address")
        url = None
    if kind is None or citation is None:
        return None
    return Source(kind=kind, citation=citation, url=url)


def _strategy(node: Node, sink: Sink) -> Strategy | None:
    f = fields(node, sink, "a strategy", STRATEGY)
    if f is None:
        return None
    sid = content_id(f.get("id"), sink, "strategy")
    values = {
        k: text_field(f, k, sink, "strategy")
        for k in ("title", "summary", "dose", "progress", "stop")
    }
    steps = text_list(f, "steps", sink, "strategy")
    if "steps" in f and not steps:
        sink.add(f["steps"], "a strategy needs at least one step")
    title, summary, dose, progress, stop = (
        values[k] for k in ("title", "summary", "dose", "progress", "stop")
    )
    if (
        sid is None
        or title is None
        or summary is None
        or dose is None
        or progress is None
        or stop is None
        or not steps
    ):
        return None
    regions, assumes = _safety(f, sink)
    return Strategy(
        regions=regions,
        assumes_no_warning_signs=assumes,
        id=sid,
        title=title,
        summary=summary,
        steps=steps,
        dose=dose,
        progress=progress,
        stop=stop,
        tags=text_list(f, "tags", sink, "strategy"),
        location=sink.at(node),
    )
