"""Redaction of secrets and host identifiers in everything a bundle records. Pure functions.

Secrets: a value is hidden when its *name* says it is a secret (TOKEN, KEY, SECRET, PASSWORD,
CREDENTIAL, AUTH as a word of the name). The name is kept, the value becomes "<redacted>", so a
reader still sees that e.g. HF_TOKEN was set. Names are matched word by word, not as substrings,
because chat-completion bodies are full of harmless "token" words (max_tokens, token_ids,
tokenizer, the "token" of a logprob entry) that a bundle must keep intact.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

REDACTED = "<redacted>"
HOST_REDACTED = "<host>"

_SECRET_WORDS = frozenset({
    "token", "key", "secret", "secrets", "password", "passwd", "passphrase", "credential",
    "credentials", "auth", "authorization", "authentication", "cookie",
    # Compounds written without a separator.
    "apikey", "authtoken", "accesstoken", "secretkey", "privatekey", "accesskey",
})
# The last word says the value points at a secret rather than being one (DYN_TCP_TLS_KEY_PATH).
_POINTER_WORDS = frozenset({"path", "file", "dir", "filename"})
# Words of a tokenizer's vocabulary, not credentials: bos_token, eos_token, ...
_SPECIAL_TOKEN_WORDS = frozenset({"bos", "eos", "pad", "unk", "sep", "cls", "mask", "special"})
# ... and token_id, token_count, token_budget: data about model tokens.
_TOKEN_DATA_WORDS = frozenset({"id", "ids", "count", "counts", "type", "len", "length", "budget",
                               "limit", "num", "index", "text", "str", "logprob", "logprobs"})

# Values that are secrets whatever their name: well-known token prefixes and bearer schemes.
_SECRET_VALUE = re.compile(
    r"\b(?:hf_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}"
    r"|nvapi-[A-Za-z0-9_-]{16,}|xox[abpr]-[A-Za-z0-9-]{10,})")
_BEARER = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}")
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+):[^/\s@]+@")
_NAME_VALUE = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)(?P<sep>\s*[=:]\s*)(?P<value>\S+)")


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)  # apiKey -> api Key
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)  # APIKey -> API Key
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def is_secret_name(name: str) -> bool:
    """True when a variable, flag, header or JSON key names a secret (HF_TOKEN, --api-key)."""
    words = _words(name)
    if not words or words[-1] in _POINTER_WORDS:
        return False
    for i, word in enumerate(words):
        if word in _SECRET_WORDS:
            if word == "token" and ((i > 0 and words[i - 1] in _SPECIAL_TOKEN_WORDS) or (
                    i + 1 < len(words) and words[i + 1] in _TOKEN_DATA_WORDS)):
                continue
            return True
    return False


def redact_text(text: str) -> str:
    """Hide secret-looking values inside free text (log tails, a rendered command line)."""
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group(1)}:{REDACTED}@", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _SECRET_VALUE.sub(REDACTED, text)

    def name_value(m: re.Match[str]) -> str:
        if is_secret_name(m.group("name")) and m.group("value") != REDACTED:
            return f"{m.group('name')}{m.group('sep')}{REDACTED}"
        return m.group(0)

    return _NAME_VALUE.sub(name_value, text)


def redact_env(env: Mapping[str, str | None]) -> dict[str, str | None]:
    """Environment (or env changes, where None means "unset"): secret values hidden."""
    out: dict[str, str | None] = {}
    for name, value in env.items():
        if value is None:
            out[name] = None
        elif is_secret_name(name):
            out[name] = REDACTED
        else:
            out[name] = redact_text(value)
    return out


def redact_headers(headers: Mapping[str, str] | Sequence[tuple[str, str]]) -> Any:
    """HTTP headers (a mapping or a list of pairs, as given): Authorization & co. hidden."""
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    clean = [(k, REDACTED if is_secret_name(k) or k.lower() == "set-cookie" else redact_text(v))
             for k, v in pairs]
    return dict(clean) if isinstance(headers, Mapping) else clean


def redact_argv(argv: Sequence[str]) -> list[str]:
    """A command line: `--api-key X`, `--hf-token=X`, `NAME=value`, header strings."""
    out: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            hide_next = False
            if not arg.startswith("-"):
                out.append(REDACTED)
                continue
        if arg.startswith("-") and "=" in arg:
            flag, _, value = arg.partition("=")
            out.append(f"{flag}={REDACTED}" if is_secret_name(flag) else f"{flag}={redact_text(value)}")
        elif arg.startswith("-"):
            hide_next = is_secret_name(arg)
            out.append(arg)
        else:
            out.append(redact_text(arg))
    return out


def _is_logprob_entry(obj: Mapping[str, Any]) -> bool:
    # {"token": "Hello", "logprob": -0.1, ...}: a token of the output, never a credential.
    return "logprob" in obj or "token_id" in obj


def redact_json(doc: Any) -> Any:
    """A JSON-like document: string values under secret names hidden, the structure unchanged.

    Only strings (and lists of strings) are hidden: counts such as max_tokens stay numbers.
    """
    if isinstance(doc, Mapping):
        entry = _is_logprob_entry(doc)
        out = {}
        for key, value in doc.items():
            secret = isinstance(key, str) and is_secret_name(key) and not (entry and key == "token")
            if secret and isinstance(value, str):
                out[key] = REDACTED
            elif secret and isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                out[key] = [REDACTED] * len(value)
            else:
                out[key] = redact_json(value)
        return out
    if isinstance(doc, list):
        return [redact_json(v) for v in doc]
    if isinstance(doc, str):
        return redact_text(doc)
    return doc


# --- host identifiers --------------------------------------------------------------------------

_HOST_KEYS = frozenset({"hostname", "host_name", "node", "nodename", "node_name", "fqdn",
                        "uuid", "gpu_uuid", "serial", "ip", "ip_address", "host_ip", "pod_ip",
                        "mac", "mac_address", "machine_id"})
_HOST_ENV = frozenset({"HOSTNAME", "HOST", "NODE_NAME", "POD_IP", "POD_NAME", "HOST_IP"})
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_LOCAL_IPS = frozenset({"127.0.0.1", "0.0.0.0"})
_ADDRESS_WORDS = frozenset({"host", "hosts", "addr", "address", "ip", "url", "uri", "endpoint",
                            "endpoints", "server", "servers", "master", "peer", "peers"})


def _scrub_ips(text: str) -> str:
    return _IPV4.sub(lambda m: m.group(0) if m.group(0) in _LOCAL_IPS else HOST_REDACTED, text)


def _names_an_address(key: str) -> bool:
    # Only values named like an address are searched for IPs: a four-part version number
    # (cuDNN 9.1.0.70) looks like an IPv4 address too.
    return bool(_ADDRESS_WORDS.intersection(_words(key)))


def scrub_host(doc: Any) -> Any:
    """Hide hostname, IP addresses, GPU UUIDs and similar in a JSON-like document.

    Loopback and 0.0.0.0 stay: they describe how something was bound, not where the machine is.
    """
    if isinstance(doc, Mapping):
        out = {}
        for key, value in doc.items():
            if isinstance(key, str) and (key.lower() in _HOST_KEYS or key in _HOST_ENV):
                out[key] = HOST_REDACTED if value not in (None, "") else value
            elif isinstance(key, str) and isinstance(value, str) and _names_an_address(key):
                out[key] = _scrub_ips(value)
            else:
                out[key] = scrub_host(value)
        return out
    if isinstance(doc, list):
        return [scrub_host(v) for v in doc]
    return doc
