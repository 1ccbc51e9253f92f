"""Output files written whole: each file or folder appears complete or not at all, with the
permissions the umask gives, and no half-written leftovers.

A folder is built in a hidden staging folder beside it and swapped in by renames; a file is
written to a hidden temporary file and renamed over. `publishing` serialises writers of one output
folder with an advisory file lock, so two runs of the same month never interleave their renames,
and removes staging leftovers of a writer that was killed.
"""

import fcntl
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def safe_name(name: str) -> str:
    """`name` if it is a plain file name (ids are validated by the contracts; this is the last guard
    that a file written for an organisation stays inside its folder)."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name or name.startswith("."):
        raise ValueError(f"not a safe output file name: {name!r}")
    return name


@contextmanager
def file_lock(path: Path):
    """An exclusive advisory lock on `path` between processes (blocks while another holds it)."""
    with open(path, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def publishing(root: Path):
    """Exclusive right to write under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    with file_lock(root / ".publishing.lock"):
        yield


def remove_leftovers(target: Path) -> list[Path]:
    """Staging folders and temporary files a killed writer left beside `target`; call it only while
    `publishing` is held, when no live writer can own them."""
    gone = sorted(target.parent.glob(f".{target.name}.*")) if target.parent.is_dir() else []
    for path in gone:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return gone


def staging_folder(target: Path) -> Path:
    """An empty folder beside `target` to build its next version in (see `swap_in`)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the output folder is not
    return staging


def replace_folder(target: Path, files: dict[str, bytes]) -> None:
    """Write a folder of files so that it appears whole or not at all, replacing an older one."""
    staging = staging_folder(target)
    for name, data in files.items():
        _write(staging / safe_name(name), data)
    swap_in(staging, target)


def swap_in(staging: Path, target: Path) -> None:
    """Replace `target` by the fully written `staging` folder with renames only."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def replace_file(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as tmp:
        tmp.write(data)
    os.chmod(tmp.name, 0o666 & ~_umask())  # NamedTemporaryFile makes it private
    os.replace(tmp.name, target)


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:  # open() honours the umask
        f.write(data)
