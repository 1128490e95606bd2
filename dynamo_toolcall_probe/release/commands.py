"""The frontend command and the loopback environment, as the installed release takes them.

One place for what every stack the probe starts shares (probe-launch, replay, the demo, bisect):
which flags the release's frontend has and needs, and which of the binding variables its runtime
reads, with the meaning that release gives them. Decided from `Capabilities` (read from the
release) and, for what reading cannot tell, the measured knowledge (`env_meaning`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .capabilities import Capabilities

#: Variables that choose where a Dynamo process listens, and what each listener is.
BIND_VARIABLES = {
    "DYN_TCP_RPC_HOST": "the TCP request plane",
    "DYN_TCP_RESPONSE_STREAM_HOST": "the response stream server",
    "DYN_EVENT_PLANE_HOST": "the event plane",
}
ADDRESS, INTERFACE, EITHER = "address", "interface", "address_or_interface"
UNSET = "unset"  # leave the variable out (the measurement of another one; or no value works)


@dataclass(frozen=True)
class EnvSetting:
    name: str
    value: str | None  # None: remove it
    reason: str


@dataclass
class StackSettings:
    """What a release needs beyond the obvious: extra frontend flags, environment, warnings."""

    frontend_flags: list[str] = field(default_factory=list)
    env: list[EnvSetting] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def interface_of(host: str) -> str | None:
    """The network interface that holds `host` (`lo` for 127.0.0.1 on Linux)."""
    import psutil

    for name, addrs in psutil.net_if_addrs().items():
        if any(a.address == host for a in addrs):
            return name
    return None


def stack_settings(caps: Capabilities, host: str, env_meaning: dict[str, str] | None = None,
                   dump_config_to: str | None = None) -> StackSettings:
    """Flags and environment for a loopback stack on `caps.release`."""
    out = StackSettings()
    version = caps.release.version or "?"
    event_default = caps.frontend_defaults.get("event_plane")
    if event_default == "nats" and "zmq" in caps.frontend_choices.get("event_plane", ()):
        out.frontend_flags += ["--event-plane", "zmq"]
        out.notes.append(f"ai-dynamo {version}'s frontend defaults its event plane to NATS; "
                         "zmq needs no server")
    if dump_config_to and "--dump-config-to" in caps.frontend_options:
        out.frontend_flags += ["--dump-config-to", dump_config_to]
    meaning = env_meaning or {}
    for name, what in BIND_VARIABLES.items():
        if not caps.reads(name):
            if name != "DYN_EVENT_PLANE_HOST":  # no event-plane listener without the variable
                out.warnings.append(f"ai-dynamo {version} reads no {name}: {what} binds where "
                                    "the release decides (possibly every interface)")
            continue
        value, kind = host, meaning.get(name, ADDRESS)
        if kind not in (ADDRESS, INTERFACE, EITHER):  # UNSET, or measured as taking no value
            if kind != UNSET:
                out.warnings.append(f"ai-dynamo {version} takes no value of {name} that the "
                                    f"probe could use: {what} binds where the release decides")
            continue
        if kind == INTERFACE:
            value = interface_of(host)
            if value is None:
                out.warnings.append(f"ai-dynamo {version} reads {name} as a network interface "
                                    f"name and no interface holds {host}: left unset")
                out.env.append(EnvSetting(name, None, "no interface holds the requested address"))
                continue
        why = (f"bind {what} on {host} (interface {value}: ai-dynamo {version} reads an "
               "interface name here)" if kind == INTERFACE else f"bind {what} on {host}")
        out.env.append(EnvSetting(name, value, why + " (the default is every interface)"))
    return out
