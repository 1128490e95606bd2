"""Reading report.html back with the standard library's HTML parser (what a browser builds)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from dynamo_toolcall_probe.analysis import analyze_bodies
from dynamo_toolcall_probe.reconstruct import tokenizer_decoder

CASES = Path(__file__).parent.parent / "cases"


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class Page(HTMLParser):
    tokens: list[Element] = field(default_factory=list)  # elements with data-token-index
    folds: list[Element] = field(default_factory=list)  # <details class="fold">, text = hidden text
    exact: list[Element] = field(default_factory=list)  # the exact text beside a lossy run
    sources: list[Element] = field(default_factory=list)  # a fold's hidden text, by fold
    tags: list[Element] = field(default_factory=list)  # every start tag
    scripts: list[str] = field(default_factory=list)
    order: list[Element] = field(default_factory=list)  # token elements and fold sources, in order

    @property
    def text(self) -> str:
        """The raw output as the page holds it: visible tokens and folded runs, in order."""
        return "".join(el.text for el in self.order)

    def __post_init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self._open: list[tuple[Element, list]] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        el = Element(tag, {k: v or "" for k, v in attrs})
        self.tags.append(el)
        target = None
        if "data-token-index" in el.attrs:
            target = self.tokens
        elif tag == "details" and "fold" in el.attrs.get("class", ""):
            target = self.folds
        elif tag == "span" and el.attrs.get("class") == "exact" and "title" in el.attrs:
            target = self.exact
        elif tag == "span" and el.attrs.get("class") == "src":
            target = self.sources
        if target is not None:
            target.append(el)
            if target is self.tokens or target is self.sources:
                self.order.append(el)
        self._open.append((el, target))
        if tag == "script":
            self.scripts.append("")
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
        while self._open:
            el, _ = self._open.pop()
            if el.tag == tag:
                break

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        for el, target in self._open:
            if target is not None:
                el.text += data


def scan(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def bundle_of(tmp_path: Path, response: dict[str, Any], request: dict[str, Any] | None = None,
              parser: str | None = "hermes", tokenizer: str | None = None,
              extra: dict[str, bytes] | None = None, metadata: dict[str, Any] | None = None) -> Path:
    """Analyse a response through the real path and write its bundle; returns the bundle dir."""
    out = tmp_path / "bundle"
    body = json.dumps(response).encode()
    analyze_bodies(response, body, request, json.dumps(request).encode() if request else None,
                   parser, None, tokenizer_decoder(tokenizer) if tokenizer else None, str(out),
                   metadata, extra_files=extra)
    return out


def case(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    d = CASES / name
    return json.loads((d / "response.json").read_text()), json.loads((d / "request.json").read_text())
