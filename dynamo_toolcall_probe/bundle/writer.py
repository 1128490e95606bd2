"""Writing a bundle directory atomically: everything goes to a temp dir, then one rename.

A reader never sees half a bundle; a bundle that already stands at the target is replaced only
after the new one is complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..errors import BadInput


def write_atomically(out_dir: Path, files: dict[str, bytes]) -> Path:
    out_dir = Path(out_dir)
    parent = out_dir.parent if str(out_dir.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"cannot create the bundle's parent directory {parent}: {exc.strerror}") from None
    if out_dir.exists() and not out_dir.is_dir():
        raise BadInput(f"bundle path exists and is not a directory: {out_dir}")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / "metadata.json").exists():
        raise BadInput(f"{out_dir} exists and is not a probe bundle; choose another --out")
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=parent))
    try:
        for name, data in files.items():
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        os.chmod(tmp, 0o755)
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old.", dir=parent))
            old.rmdir()
            out_dir.rename(old)
            tmp.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out_dir)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BadInput(f"cannot write the bundle to {out_dir}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
