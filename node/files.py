"""Files the node keeps (database, secret key, documents, media): owner-only, whatever the umask."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: str | os.PathLike) -> Path:
    """The folder, created with its missing parents as 0700 (an existing one of ours is tightened)."""
    path = Path(path)
    missing = []
    here = path
    while not here.exists():
        missing.append(here)
        here = here.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            folder.mkdir(mode=PRIVATE_DIR)
    make_private(path)
    for folder in missing:
        make_private(folder)
    return path


def make_private(path: str | os.PathLike) -> None:
    """Owner-only mode for an existing file or folder of ours; symlinks and others' files are left."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
        return
    wanted = PRIVATE_DIR if stat.S_ISDIR(info.st_mode) else PRIVATE_FILE
    if stat.S_IMODE(info.st_mode) != wanted:
        os.chmod(path, wanted)


def write_private(path: str | os.PathLike, data: bytes) -> None:
    """Write a new 0600 file; never replaces an existing one (FileExistsError)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)  # the umask may have removed bits, never added: make it exact
        with open(fd, "wb", closefd=False) as fh:
            fh.write(data)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    os.close(fd)


def create_once(path: str | os.PathLike, data: bytes) -> bool:
    """Atomically create a 0600 file holding data unless it exists; True when this call made it.

    Written under a temporary name and linked into place, so a concurrent reader never sees it
    half-written and two processes starting at once agree on one content.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    write_private(temporary, data)
    try:
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)


def touch_private(path: str | os.PathLike) -> None:
    """Create an empty 0600 file if missing, or tighten an existing one."""
    with contextlib.suppress(FileExistsError):
        write_private(path, b"")
    make_private(path)


def tighten(data_dir: str | os.PathLike) -> None:
    """At start: what older versions left world-readable in the data dir becomes owner-only."""
    root = Path(data_dir)
    if not root.is_dir():
        return
    make_private(root)
    for name in ("secret_key", "documents", "media"):
        make_private(root / name)
    for entry in root.iterdir():
        if entry.name.startswith("quartier.db"):
            make_private(entry)
    documents = root / "documents"
    if documents.is_dir():
        for entry in documents.iterdir():
            make_private(entry)
