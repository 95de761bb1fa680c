"""Output folders written whole or not at all, and checked before they are read.

Every folder a command writes (the generator's county, link's and identify's
runs, a claim's evidence packs, the national return) is written into a
temporary folder beside it, `NAME.tmp-PID`, and put in place only when it is
complete:

1. the files are written into `NAME.tmp-PID` and flushed to disk; where the
   writer asks for one, `run.json` lists every file with its SHA-256 (`files`);
2. on Linux the two folders are exchanged in one step (renameat2 with
   RENAME_EXCHANGE), so NAME is always either the whole old folder or the
   whole new one; elsewhere NAME is first renamed to `NAME.old-PID` and the
   new folder renamed in;
3. what is left beside NAME (the old folder) is removed.

A process killed at any moment leaves NAME complete (old or new) and at worst
a `NAME.tmp-PID` or `NAME.old-PID` folder beside it. The next write to NAME
settles what a dead writer left: its `tmp` folder is removed, its `old`
folder is put back when NAME is missing (a kill between the two renames of
step 2's fallback) and removed otherwise.

An existing NAME is replaced only when it holds nothing but files a
wholefamily run wrote there (its `run.json` lists them, or the writer names
them): an `--out` pointed at a folder of someone's own documents is refused,
not emptied.

Readers use `verified`: every file `run.json` lists must be there, unchanged,
and the files the reader needs must be listed; the files are opened before
they are checked and read through the same handles, so a run put in place
while they are read cannot mix into them.

Test-only hook: with `WHOLEFAMILY_TEST_PAUSE_AFTER=NAME` in the environment, a
writer that has just written the file NAME into its temporary folder says so
on stderr (`wholefamily: test pause after NAME in FOLDER`) and sleeps, so that a
test can kill it at a known point. Nothing else reads the variable; it is not
for use outside the tests.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Collection, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

MANIFEST = "run.json"
PAUSE_ENV = "WHOLEFAMILY_TEST_PAUSE_AFTER"  # test-only: see the module's docstring
_LEFTOVER = re.compile(r"^(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>[0-9]+)$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class FolderError(OSError):
    """An output folder that cannot be written, or a run folder that does not check out."""


def sha256(path: Path) -> str:
    with path.open("rb") as f:
        return _digest(f)


def _digest(f: IO[bytes]) -> str:
    h = hashlib.sha256()
    while chunk := f.read(1 << 20):
        h.update(chunk)
    return h.hexdigest()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def settle(out: Path) -> None:
    """Put right what a killed writer of `out` left beside it (see the docstring)."""
    parent = out.parent
    if not parent.is_dir():
        return
    for entry in sorted(parent.iterdir()):
        m = _LEFTOVER.match(entry.name)
        if not m or m["name"] != out.name or not entry.is_dir() or _alive(int(m["pid"])):
            continue
        if m["kind"] == "old" and not out.exists():
            os.replace(entry, out)
        else:
            shutil.rmtree(entry, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where the
    system or the file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_replaceable(out: Path, names: Collection[str] | None) -> None:
    """Refuse (FolderError) to replace a folder holding anything no wholefamily run
    wrote there; writers call it before their work too, to refuse early."""
    if not out.exists():
        return
    if not out.is_dir():
        raise FolderError(f"{out} exists and is not a folder")
    if names is None:
        return
    ours = set(names) | {MANIFEST}
    listed = _listed(out / MANIFEST)
    for entry in sorted(out.iterdir(), key=lambda p: p.name):
        base = entry.name.removesuffix(".tmp")  # a file left half-written by an old version
        if entry.is_file() and (base in ours or base in listed):
            continue
        raise FolderError(
            f"{out} holds {entry.name}, which no wholefamily run wrote there; nothing was "
            "replaced (choose a new or empty folder)"
        )


def _listed(manifest: Path) -> set[str]:
    try:
        files = json.loads(manifest.read_text(encoding="utf-8")).get("files")
    except (OSError, ValueError, AttributeError):
        return set()
    return {str(k) for k in files} if isinstance(files, dict) else set()


class Staged:
    """The temporary folder being written: write files into `path`, call `wrote(name)`
    after each."""

    def __init__(self, path: Path, run: dict[str, Any] | None) -> None:
        self.path = path
        self.run = run

    def wrote(self, name: str) -> None:
        """A file is complete. The test-only pause hook lives here."""
        if os.environ.get(PAUSE_ENV) == name:
            print(
                f"wholefamily: test pause after {name} in {self.path}", file=sys.stderr, flush=True
            )
            time.sleep(600)

    def write_csv(self, table: Any, name: str) -> None:
        from wholefamily import safecsv

        safecsv.write_table(table, self.path / name)
        self.wrote(name)

    def _finish(self) -> None:
        files = sorted(p for p in self.path.iterdir() if p.is_file() and p.name != MANIFEST)
        if self.run is not None:
            run = {**self.run, "files": {p.name: sha256(p) for p in files}}
            (self.path / MANIFEST).write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
            files.append(self.path / MANIFEST)
        for p in files:
            _fsync(p)
        _fsync(self.path)


@contextmanager
def staged_folder(
    out: Path,
    *,
    run: dict[str, Any] | None = None,
    names: Collection[str] | None = (),
    keep_existing: bool = False,
) -> Iterator[Staged]:
    """Write the folder `out` whole or not at all (see the module's docstring).

    run: when given, `run.json` is written with it and the `files` map.
    names: the files this writer writes; an existing `out` holding anything else (and
    not listed in its run.json) is refused. None: replace whatever is there (the
    caller has asked the user, as `synth --force` does).
    keep_existing: start from a copy of the files already in `out` (a claim's
    evidence packs grow as families are added)."""
    # A link to a folder: the folder it points at is the one replaced.
    out = Path(os.path.realpath(out) if out.is_symlink() else os.path.abspath(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    settle(out)
    check_replaceable(out, names)
    tmp = out.with_name(f"{out.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        if keep_existing and out.is_dir():
            for p in sorted(out.iterdir()):
                if not p.is_file():
                    raise FolderError(
                        f"{out} holds {p.name}, which is not a file; nothing was replaced"
                    )
                if p.name != MANIFEST and not p.name.endswith(".tmp"):
                    shutil.copy2(p, tmp / p.name)
        staged = Staged(tmp, run)
        yield staged
        staged._finish()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _put_in_place(tmp, out)


def _put_in_place(tmp: Path, out: Path) -> None:
    if out.exists() and _exchange(tmp, out):
        _fsync(out.parent)
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old folder
        return
    old: Path | None = None
    if out.exists():
        old = out.with_name(f"{out.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        os.replace(out, old)
    os.replace(tmp, out)
    _fsync(out.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def verified(
    folder: Path, needed: Iterable[str] = (), optional: Iterable[str] = ()
) -> Iterator[tuple[dict[str, Any], dict[str, IO[bytes]]]]:
    """The run.json of `folder` and every file it lists, opened and checked against
    its SHA-256. `needed` must be listed; an `optional` file present must be listed
    too. Raises FolderError naming the file otherwise."""
    manifest = folder / MANIFEST
    try:
        run = json.loads(manifest.read_bytes())
    except FileNotFoundError:
        raise FolderError(f"{manifest} is missing") from None
    except (OSError, ValueError) as exc:
        raise FolderError(f"{manifest} is not readable: {exc}") from None
    files = run.get("files") if isinstance(run, dict) else None
    if not isinstance(files, dict) or not files:
        raise FolderError(
            f"{manifest} lists no checksums of its files (`files`): the folder was not "
            "written whole by this version; write it again"
        )
    for name, digest in files.items():
        if Path(name).name != name or name in (".", "..") or not _SHA256.match(str(digest)):
            raise FolderError(f"{manifest} lists {name!r} with an unusable checksum or name")
    for name in needed:
        if name not in files:
            raise FolderError(f"{folder / name} is not listed in {manifest}")
    for name in optional:
        if name not in files and (folder / name).exists():
            raise FolderError(f"{folder / name} is not listed in {manifest}")
    with ExitStack() as stack:
        opened: dict[str, IO[bytes]] = {}
        for name in sorted(files):
            try:
                opened[name] = stack.enter_context((folder / name).open("rb"))
            except FileNotFoundError:
                raise FolderError(f"{folder / name} is missing ({manifest} lists it)") from None
        for name, f in opened.items():
            if _digest(f) != files[name]:
                raise FolderError(
                    f"{folder / name} does not match its checksum in {manifest}: the folder "
                    "mixes two runs or was changed after it was written"
                )
            f.seek(0)
        yield {k: v for k, v in run.items() if k != "files"}, opened
