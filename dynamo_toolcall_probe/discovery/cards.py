"""Model cards as Dynamo's discovery stores them -> each instance's parser settings (pure).

Every worker publishes one record per served model and instance (Dynamo's `DiscoveryInstance`,
serde-tagged `"type": "Model"`): `{"type", "namespace", "component", "endpoint", "instance_id",
"card_json", "model_suffix"?}`. The file and etcd backends store it under
`v1/mdc/{namespace}/{component}/{endpoint}/{instance hex}[/{suffix}]`; Kubernetes keeps the same
records in `DynamoWorkerMetadata.spec.data.model_cards`. `card_json.display_name` is the served
model name, and `card_json.runtime_config` holds what the worker was launched with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: runtime_config keys that decide how the frontend parses tool calls and reasoning.
PARSER_SETTINGS = ("tool_call_parser", "reasoning_parser", "exclude_tools_when_tool_choice_none",
                   "tool_call_arguments_format", "structural_tag_mode", "structural_tag_scope",
                   "structural_tag_schema")


@dataclass
class InstanceCard:
    key: str  # where it was found: the discovery key, or "<resource>:<model_cards key>"
    model: str | None  # card_json.display_name: the served model name
    instance_id: str | None  # hex, as in the keys
    endpoint: str | None  # namespace/component/endpoint
    settings: dict[str, Any] = field(default_factory=dict)  # the PARSER_SETTINGS present

    @property
    def tool_call_parser(self) -> str | None:
        return self.settings.get("tool_call_parser")

    @property
    def reasoning_parser(self) -> str | None:
        return self.settings.get("reasoning_parser")

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "model": self.model, "instance_id": self.instance_id,
                "endpoint": self.endpoint, **{k: self.settings.get(k) for k in PARSER_SETTINGS}}


def parse_card(key: str, value: Any) -> InstanceCard | None:
    """One stored record -> its card, or None when it is not a model card we can read."""
    if isinstance(value, (bytes, str)):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
    if not isinstance(value, dict) or not isinstance(value.get("card_json"), dict):
        return None
    card = value["card_json"]
    runtime = card.get("runtime_config") if isinstance(card.get("runtime_config"), dict) else {}
    instance = value.get("instance_id")
    parts = [value.get(k) for k in ("namespace", "component", "endpoint")]
    return InstanceCard(
        key=key, model=card.get("display_name") if isinstance(card.get("display_name"), str) else None,
        instance_id=f"{instance:x}" if isinstance(instance, int) and not isinstance(instance, bool)
        else None,
        endpoint="/".join(parts) if all(isinstance(p, str) for p in parts) else None,
        settings={k: runtime[k] for k in PARSER_SETTINGS if k in runtime})


@dataclass
class DiscoveryResult:
    """What discovery says about one served model."""

    source: str  # e.g. "file:/var/kv", "etcd:http://127.0.0.1:2379", "kubernetes:dynamo"
    model: str
    instances: list[InstanceCard] = field(default_factory=list)  # cards of `model`
    other_models: list[str] = field(default_factory=list)  # other served names seen
    unreadable: list[str] = field(default_factory=list)  # keys whose value was not a card
    stale: list[str] = field(default_factory=list)  # keys of dead workers not yet expired
    error: str | None = None  # discovery failed: why

    @property
    def disagreements(self) -> dict[str, list[Any]]:
        """Setting -> its distinct values, for every parser setting the instances differ on."""
        out = {}
        for name in PARSER_SETTINGS:
            values = []
            for inst in self.instances:
                value = inst.settings.get(name)
                if value not in values:
                    values.append(value)
            if len(values) > 1:
                out[name] = values
        return out

    @property
    def tool_call_parsers(self) -> list[str | None]:
        seen: list[str | None] = []
        for inst in self.instances:
            if inst.tool_call_parser not in seen:
                seen.append(inst.tool_call_parser)
        return seen

    def configured(self, name: str) -> tuple[bool, str | None]:
        """(known, value) of one setting: known only when every instance has the same value.
        A parser that is unset in the card is the worker running without one: "none"."""
        if not self.instances or name in self.disagreements:
            return False, None
        value = self.instances[0].settings.get(name)
        return True, value

    def summary(self) -> str:
        if self.error:
            return f"discovery ({self.source}): {self.error}"
        if not self.instances:
            others = f"; it lists {', '.join(self.other_models)}" if self.other_models else ""
            return f"discovery ({self.source}): no model card for {self.model!r}{others}"
        n = len(self.instances)
        parsers = ", ".join(str(p or "none") for p in self.tool_call_parsers)
        text = (f"discovery ({self.source}): {n} instance(s) of {self.model!r}, "
                f"tool_call_parser {parsers}")
        if self.stale:
            text += f" ({len(self.stale)} stale record(s) of stopped workers left out)"
        if self.disagreements:
            text += " — instances DISAGREE on " + ", ".join(
                f"{k} ({' / '.join(str(v) for v in vals)})" for k, vals in self.disagreements.items())
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "model": self.model,
                "instances": [i.to_dict() for i in self.instances],
                "agree": not self.disagreements, "disagreements": self.disagreements,
                "other_models": self.other_models, "unreadable": self.unreadable,
                "stale": self.stale,
                "error": self.error, "summary": self.summary()}


def collect(source: str, model: str, records: list[tuple[str, Any]]) -> DiscoveryResult:
    """Stored (key, value) records -> the cards of `model` and the names of the others."""
    result = DiscoveryResult(source, model)
    others: set[str] = set()
    for key, value in records:
        card = parse_card(key, value)
        if card is None:
            result.unreadable.append(key)
        elif card.model == model:
            result.instances.append(card)
        elif card.model:
            others.add(card.model)
    result.instances.sort(key=lambda c: c.key)
    result.other_models = sorted(others)
    return result
