"""The files a command writes for its user: refused before any work when they must not be
written, replaced only when asked (``-f/--force``), and written atomically.

Policy (as ffmpeg ``-y``, zstd ``-f``, EnCodec's ``-f``):

- an output that is one of the inputs (the same path once resolved, or the same file through a
  link) is refused, with or without ``--force``;
- two inputs that would write one output are refused, with the list, before any work (outputs
  that differ only in case count as one where their folder's file system ignores case);
- an existing output is replaced only with ``force``; a folder is never replaced;
- each output's folder must exist and be writable, or be creatable (its nearest existing
  ancestor a writable folder);
- :func:`writing` writes into a temporary file in the output's folder and renames it onto the
  output when the writer returns, so an interrupted or failed run (an exception, a
  ``KeyboardInterrupt``) leaves the old file or none, never a partial one. (The rename is atomic
  against interruptions and failures; surviving a power loss would take an fsync per file.)
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Iterator, Sequence

_SHOWN = 3  # paths listed in one error line before "and N more"


def _listed(paths: Sequence[object]) -> str:
    shown = ", ".join(str(p) for p in paths[:_SHOWN])
    return shown + (f" and {len(paths) - _SHOWN} more" if len(paths) > _SHOWN else "")


def _file_id(path: Path) -> tuple[int, int] | None:
    """(device, inode) of an existing file, else None."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _existing_ancestor(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


@contextlib.contextmanager
def _probe_file(folder: Path) -> Iterator[Path]:
    """An empty file created in ``folder`` and deleted after the block.

    Raises:
        OSError: files cannot be created there.
    """
    fd, probe = tempfile.mkstemp(prefix=".ecc-probe.", dir=folder)
    os.close(fd)
    try:
        yield Path(probe)
    finally:
        os.unlink(probe)


def _ignores_case(folder: Path) -> bool:
    """Whether the file system of ``folder`` (or its nearest existing ancestor) ignores case in
    names (macOS and Windows defaults, FAT): a probe file is created and looked up in upper case."""
    try:
        with _probe_file(_existing_ancestor(folder)) as probe:
            return probe.with_name(probe.name.upper()).exists()
    except OSError:
        return False  # unwritable: check() refuses the folder anyway


def _output_keys(pairs: Sequence[tuple[Path, Path]]) -> list[str]:
    """One key per output: its resolved path, case-folded where its folder ignores case."""
    resolved = [dst.resolve() for _, dst in pairs]
    ignores = {folder: _ignores_case(folder) for folder in {path.parent for path in resolved}}
    return [str(path).casefold() if ignores[path.parent] else str(path) for path in resolved]


def _unwritable(folder: Path) -> str | None:
    """Why files cannot be created in ``folder`` (created if missing), or None if they can: a file
    is created and deleted in its nearest existing ancestor, which also answers for root, read-only
    mounts and access lists."""
    existing = _existing_ancestor(folder)
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    try:
        with _probe_file(existing):
            return None
    except OSError as e:
        return f"cannot create files in {existing} ({e.strerror or e})"


def check(pairs: Sequence[tuple[Path, Path]], force: bool) -> None:
    """Refuse, before any work, every (input, output) pair whose output must not be written.

    Raises:
        ValueError: one line naming the paths and the fix: an output is an input, two inputs
            share an output, an output exists (without ``force``) or is a folder, or an
            output's folder cannot be written.
    """
    sources: dict[str, list[tuple[Path, Path]]] = defaultdict(list)
    for key, (src, dst) in zip(_output_keys(pairs), pairs):
        sources[key].append((src, dst))
    shared = [same for same in sources.values() if len(same) > 1]
    if shared:
        srcs, dst = [src for src, _ in shared[0]], shared[0][0][1]
        raise ValueError(f"{len(srcs)} inputs would write the same output {dst} ({_listed(srcs)})"
                         + (f", and {len(shared) - 1} more outputs likewise" if len(shared) > 1 else "")
                         + "; rename the inputs or code them into different folders")
    inputs = {src.resolve() for src, _ in pairs}
    input_ids = {_file_id(src) for src, _ in pairs} - {None}
    for src, dst in pairs:
        if dst.resolve() in inputs or _file_id(dst) in input_ids:
            raise ValueError(f"{dst} is an input as well as an output; choose another output")
        if dst.is_dir():
            raise ValueError(f"cannot write {dst}: it is a folder; choose another output")
    existing = [dst for _, dst in pairs if dst.exists()]
    if existing and not force:
        raise ValueError(f"{_listed(existing)} already exist{'s' if len(existing) == 1 else ''}; "
                         "pass -f/--force to replace, or choose another output")
    folders = {dst.parent: dst for _, dst in pairs}
    for folder, dst in sorted(folders.items()):
        reason = _unwritable(folder)
        if reason:
            raise ValueError(f"cannot write {dst}: {reason}; choose another output")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _cannot_write(path: Path, error: OSError) -> OSError:
    return OSError(error.errno, f"cannot write {path}: {error.strerror or error}")


@contextlib.contextmanager
def writing(path: Path) -> Iterator[Path]:
    """Write ``path`` atomically: yields a temporary path in its folder (same suffix, so writers
    that go by the suffix work) and renames it onto ``path`` when the block ends without an
    exception; on any exception, ``KeyboardInterrupt`` included, deletes it and re-raises.

    The folder is created if missing; the file gets the permissions a new file would get.

    Raises:
        OSError: the file cannot be written; the message names ``path`` and the reason.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".partial{path.suffix}", dir=path.parent)
    except OSError as e:
        raise _cannot_write(path, e) from e
    os.close(fd)
    temporary = Path(name)
    try:
        os.chmod(temporary, 0o666 & ~_umask())
        yield temporary
        os.replace(temporary, path)
    except BaseException as e:
        temporary.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise _cannot_write(path, e) from e
        raise
