"""Headless Chromium (Debian's `chromium`, installed by scripts/install-chromium) for the report
tests, and a small PNG reader for checking its screenshots pixel by pixel.

Chromium runs with a fresh profile and without any background networking: this machine's network
is closed, and without these flags it waits on connections."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--force-device-scale-factor=1", "--disable-dev-shm-usage"]


def chromium() -> str:
    """The browser's path; a skip with the reason when it is missing, a failure under CI."""
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if path:
        return path
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail("chromium is missing under CI: scripts/install-chromium must install it")
    pytest.skip("chromium is not installed and scripts/install-chromium could not install it "
                "(needs root or passwordless sudo and apt-get)")


def _run(args: list[str], url: str, timeout: float = 90.0) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="probe-chromium-") as profile:
        return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args, url],
                              capture_output=True, timeout=timeout)


def dump_dom(path: Path, fragment: str = "") -> str:
    """The DOM after the page's scripts ran, serialised."""
    proc = _run(["--dump-dom"], path.resolve().as_uri() + fragment)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    return proc.stdout.decode()


@dataclass
class Image:
    width: int
    height: int
    rows: list[bytes]  # RGB triples per row

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        row = self.rows[y]
        return row[3 * x], row[3 * x + 1], row[3 * x + 2]

    def where(self, rgb: tuple[int, int, int], tolerance: int = 0) -> list[tuple[int, int]]:
        """Every (x, y) whose colour is `rgb` (each channel within `tolerance`)."""
        out = []
        for y, row in enumerate(self.rows):
            for x in range(self.width):
                r, g, b = row[3 * x], row[3 * x + 1], row[3 * x + 2]
                if abs(r - rgb[0]) <= tolerance and abs(g - rgb[1]) <= tolerance and abs(b - rgb[2]) <= tolerance:
                    out.append((x, y))
        return out


def screenshot(path: Path, out: Path, size: tuple[int, int] = (1100, 1000)) -> Image:
    proc = _run([f"--screenshot={out}", f"--window-size={size[0]},{size[1]}"], path.resolve().as_uri())
    assert proc.returncode == 0 and out.exists(), proc.stderr.decode(errors="replace")[-2000:]
    return read_png(out.read_bytes())


def read_png(data: bytes) -> Image:
    """8-bit RGB or RGBA, not interlaced: what Chromium writes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev, pos = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line) if channels == 3 else bytes(b for k in range(width) for b in line[4 * k:4 * k + 3]))
        prev = line
    return Image(width, height, rows)
