"""Attach to a running deployment: the repro against its frontend, what it exposes (HTTP and its
discovery's model cards), the diagnosis with the parsers it really runs, the bundle.

    session = AttachSession(url, model, headers, parser=None, discovery=None)  # None: environment
    result = session.run(request, stream_compare=True, out="bundle/")
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import BadInput, EnvironmentProblem


def parse_headers(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise BadInput(f"--header must look like 'Name: value', got {item!r}")
        out[name.strip()] = value.strip()
    return out


def collect_deployment(base_url: str, headers: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """What a frontend exposes without credentials to the workers: models and health."""
    import httpx

    found: dict[str, Any] = {}
    missing: list[str] = []
    with httpx.Client(timeout=10.0, headers=headers) as client:
        for path in ("/v1/models", "/health"):
            try:
                reply = client.get(base_url.rstrip("/") + path)
                found[path] = reply.json() if "json" in reply.headers.get("content-type", "") \
                    else reply.text[:2000]
            except (httpx.HTTPError, ValueError) as exc:
                missing.append(f"{path}: {type(exc).__name__}")
    return found, missing


class AttachSession:
    """One deployment: checked, and its discovery read, once; then any number of repros."""

    def __init__(self, url: str, model: str, headers: dict[str, str], parser: str | None = None,
                 reasoning_parser: str | None = None, discovery: str | None = None,
                 replay: bool = True, environ: Mapping[str, str] = os.environ,
                 say: Callable[[str], None] = lambda _: None, release=None) -> None:
        """`release`: the deployment's Dynamo release (`--dynamo-version`, `--parser-version`);
        unknown by default: the deployment does not say over HTTP."""
        from ..discovery import discover
        from ..redact import redact_json
        from .settings import resolve

        if not url.startswith(("http://", "https://")):
            raise BadInput(f"--url must be the frontend's http:// or https:// base URL, got {url!r}")
        self.url, self.model, self.headers, self.say = url, model, headers, say
        self.replay_enabled = replay
        deployment, self.http_missing = collect_deployment(url, headers)
        models = deployment.get("/v1/models")
        if isinstance(models, dict):
            ids = [m.get("id") for m in models.get("data", [])]
            if model not in ids:
                raise BadInput(f"model {model!r} is not served at {url} "
                               f"(served: {', '.join(map(str, ids)) or 'none'})")
        self.deployment = redact_json(deployment)
        found, why = discover(discovery, model, environ)  # also with --parser: it is evidence
        self.settings = resolve(parser, reasoning_parser, found, why)
        from ..release import installed

        self.release = installed().version  # what the replay runs on (this machine's ai-dynamo)
        self.deployment_release = release
        self._replays: dict[tuple, list[dict[str, Any]] | None] = {}
        self._no_proof: str | None = None

    def body(self, request: dict[str, Any] | None, temperature: float | None = None) -> dict:
        from .repro import example_request, repro_body

        body = repro_body(request or example_request(), self.model)
        if temperature is not None:
            body["temperature"] = temperature
        return body

    def run(self, request: dict[str, Any] | None, stream_compare: bool = True,
            out: str | None = None, temperature: float | None = None):
        from ..analysis import Exchange, write_bundle
        from .http import send_chat

        body = self.body(request, temperature)
        body_bytes = json.dumps(body, indent=2).encode()
        reply = send_chat(self.url, body, stream=False, headers=self.headers)
        if not reply.ok:
            raise EnvironmentProblem(f"the repro request failed: HTTP {reply.status}: "
                                     f"{reply.body_bytes[:200].decode(errors='replace')}")
        streamed = send_chat(self.url, body, stream=True, headers=self.headers) \
            if stream_compare else None
        stream = None
        if streamed is not None and streamed.ok:
            from ..diagnose import Stream

            stream = Stream.from_chunks(streamed.chunks)
        exchange = Exchange(reply.body, reply.body_bytes, body, body_bytes, stream=stream,
                            stream_bytes=streamed.body_bytes if streamed is not None else None)
        result, replay = self._diagnose(exchange)
        if self.replay_enabled and stream is not None:
            from ..launch.proof import sweep_proof

            sweep, why = sweep_proof(result.diagnosis, body, None, self.say)
            if sweep is not None:
                result.diagnosis.add_split_sweep(sweep)
            self._no_proof = why or self._no_proof
        if out:
            extra = {"replay.json": json.dumps(replay, indent=1).encode()} if replay else {}
            d = result.diagnosis
            result.bundle = write_bundle(out, exchange, d, parser=d.configured_parser,
                                         reasoning_parser=d.reasoning_parser,
                                         metadata=self._metadata(d), extra_files=extra)
        return result

    def _diagnose(self, exchange):
        from ..analysis import analyze
        from ..diagnose.inference import infer_configuration
        from .settings import discovery_findings, settle

        s = self.settings

        def diagnosed(parser):
            result = analyze(exchange, parser=parser, reasoning_parser=s.reasoning_parser,
                             release=self.deployment_release)
            result.diagnosis.configured_parser_source = s.source if parser else None
            return result

        result = diagnosed(s.parser)
        replay = (self._replay(result.diagnosis, exchange.request)
                  if self._wants_replay(result.diagnosis) else None)
        settled = settle(s, replay, result.diagnosis.observed)
        if settled:
            result = diagnosed(settled)
        if replay is not None:
            result.diagnosis.add_replay(replay)
            if result.diagnosis.configured_parser is None:
                infer_configuration(result.diagnosis, replay, self.release)
        result.diagnosis.findings += discovery_findings(s, settled)
        return result, replay

    def _wants_replay(self, diagnosis) -> bool:
        if not self.replay_enabled:
            return False
        if self.settings.open_choice:
            return True
        unknown = diagnosis.configured_parser is None and diagnosis.verdict == "inconclusive"
        return unknown or diagnosis.verdict in ("parser_config", "parser_logic")

    def _replay(self, diagnosis, body: dict[str, Any]) -> list[dict[str, Any]] | None:
        """Every installed parser on this raw output, once per distinct output and request."""
        from ..launch.proof import replay_proof

        key = (diagnosis.raw.text, diagnosis.reasoning_parser,
               json.dumps(body.get("tools"), sort_keys=True), json.dumps(body.get("tool_choice")))
        if key not in self._replays:
            self._replays[key], why = replay_proof(diagnosis, body, None, self.say, force=True)
            self._no_proof = why or self._no_proof
        return self._replays[key]

    def _metadata(self, diagnosis) -> dict[str, Any]:
        from .settings import discovery_metadata

        s = self.settings
        missing = list(self.http_missing) + [
            "worker launch command: unknown when attaching (pass it in the report)",
            "Dynamo and engine versions of the deployment: not exposed over HTTP"]
        if diagnosis.configured_parser is None:
            how = ("inferred from a replay (configured_parser_source: inferred)"
                   if diagnosis.configured_parser_source == "inferred" else
                   "the verdict may be inconclusive; `dynamo-probe replay BUNDLE` shows which "
                   "parser reproduces the response")
            missing.append(f"configured parser: not given (--parser) and not read from "
                           f"discovery ({s.discovery_why}); {how}")
        if self._no_proof:
            missing.append(self._no_proof)
        return {"attach": {"url": self.url, "model": self.model, "headers": sorted(self.headers)},
                "deployment": self.deployment, "discovery": discovery_metadata(s),
                "configured_parser_source": diagnosis.configured_parser_source,
                "replayed_with": {"ai-dynamo": self.release}, "missing": missing,
                **({"release": self.deployment_release.to_dict()}
                   if self.deployment_release is not None and self.deployment_release.known else {})}


def run_attach(url: str, model: str, request: dict[str, Any] | None, parser: str | None,
               reasoning_parser: str | None, headers: dict[str, str], stream_compare: bool,
               out: str | None, request_bytes_in: bytes | None = None, *,
               discovery: str | None = None, replay: bool = True,
               environ: Mapping[str, str] = os.environ, say: Callable[[str], None] = lambda _: None,
               release=None):
    """One repro against a running frontend (the single-run form of `AttachSession`)."""
    session = AttachSession(url, model, headers, parser, reasoning_parser, discovery, replay,
                            environ, say, release)
    return session.run(request, stream_compare, out)
