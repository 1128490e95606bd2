"""Packs the torchvision stand-in next to this file into a wheel, so pip installs and lists it
like any package (`pip list` shows torchvision 0.0.0+probe.stub; `pip uninstall` removes it).

    python make_wheel.py OUT_DIR   -> prints the wheel's path

Standard library only: it runs before anything else is installed. Used by scripts/install-engine.
"""

from __future__ import annotations

import base64
import hashlib
import sys
import zipfile
from pathlib import Path

NAME, VERSION = "torchvision", "0.0.0+probe.stub"
HERE = Path(__file__).resolve().parent


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build(out_dir: Path) -> Path:
    files = {p.relative_to(HERE).as_posix(): p.read_bytes()
             for p in sorted((HERE / NAME).rglob("*.py"))}
    info = f"{NAME}-{VERSION}.dist-info"
    files[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n"
        "Summary: Stand-in for torchvision in dynamo-toolcall-probe's engine tests (no ops)\n").encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: dynamo-toolcall-probe\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    record = [_record_line(path, data) for path, data in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return wheel


if __name__ == "__main__":
    print(build(Path(sys.argv[1])))
