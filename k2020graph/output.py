"""Writing a command's output to ``-o FILE`` as a shell redirect would, but atomically for regular files.

``-o`` follows symbolic links and writes to what they point at; it never replaces a link or a device
node with a regular file. A regular file (or a path that does not exist yet) is written to a temporary
file in the same directory, flushed to disk and renamed over the target, so a reader sees the old
content or the new, never half of it. A character device or a FIFO (``/dev/null``, ``/dev/stdout``, a
named pipe) is written in place. Every failure is an :class:`InputError` naming the path and the reason.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from .errors import InputError

_REASONS = {
    errno.EISDIR: "er en mappe / is a directory",
    errno.ENOENT: "mappen finnes ikke / the directory does not exist",
    errno.ENOTDIR: "en del av stien er ikke en mappe / a part of the path is not a directory",
    errno.EACCES: "ingen skrivetilgang / permission denied",
    errno.EPERM: "ingen skrivetilgang / permission denied",
    errno.EROFS: "filsystemet er skrivebeskyttet / read-only file system",
    errno.ENOSPC: "det er ikke mer plass på enheten / no space left on device",
    errno.EDQUOT: "diskkvoten er brukt opp / disk quota exceeded",
    errno.EFBIG: "filen blir for stor / file too large",
    errno.ELOOP: "for mange symbolske lenker (en løkke?) / too many symbolic links (a loop?)",
    errno.ENAMETOOLONG: "navnet er for langt / file name too long",
    errno.ENXIO: "enheten finnes ikke, eller ingen leser fra røret / no such device, or no reader on the pipe",
}


def _fail(path: Path | str, exc: OSError | None = None, reason: str | None = None) -> InputError:
    if reason is None:
        assert exc is not None
        reason = _REASONS.get(exc.errno or 0) or f"kan ikke skrive / cannot write: {exc.strerror or exc}"
    return InputError(reason, path)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_output(data: bytes, output: str | os.PathLike[str]) -> None:
    """Write ``data`` to ``output`` (see the module's description); an :class:`InputError` if it can't."""
    given = Path(output)
    try:
        target = Path(os.path.realpath(given))
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _fail(given, exc) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise _fail(given, reason="er en mappe / is a directory")
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_in_place(data, given, target)
        return
    _replace_atomically(data, given, target, st)


def _write_in_place(data: bytes, given: Path, target: Path) -> None:
    """A device or a FIFO: open it for writing, as ``> target`` does, without creating or replacing anything."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_NOCTTY)
    except OSError as exc:
        raise _fail(given, exc) from None
    try:
        _write_all(fd, data)
    except OSError as exc:
        raise _fail(given, exc) from None
    finally:
        os.close(fd)


def _replace_atomically(data: bytes, given: Path, target: Path, old: os.stat_result | None) -> None:
    parent = target.parent
    if not parent.is_dir():
        raise _fail(given, reason="mappen finnes ikke / the output directory does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{target.name}.", suffix=".tmp")
    except FileNotFoundError:  # the directory is there, but no file can be made in it (such as /proc)
        raise _fail(given, reason="kan ikke lage en fil i mappen / cannot create a file in that directory") from None
    except OSError as exc:
        raise _fail(given, exc) from None
    try:
        try:
            # the mode a redirect gives: the old file's, or a new file's under the umask
            if old is not None:
                mode = stat.S_IMODE(old.st_mode)
            else:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.fchmod(fd, mode)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _fail(given, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
