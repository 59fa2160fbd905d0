"""atomic — the one way symflow_post writes a file (figures, VTK files): whole or not at all.

What it does: `write(path, fill)` calls fill(binary file object) on a temporary created in
the target's folder with an unpredictable name ("." + name + ".tmp." + random), exclusively
(O_EXCL, so a link planted under that name is never followed), flushes and fsyncs it,
renames it over `path` (os.replace: a symbolic link at `path` is itself replaced, the file
it points to is never opened) and fsyncs the folder. On any failure, even an interrupt,
the temporary is removed and `path` is left as it was.
A target that exists and is neither a regular file nor a symbolic link (a directory, a
device, a FIFO, a socket) is refused with OutputError before anything is written.

`batch()` groups writes: inside `with batch():`, write() only makes the temporaries; when
the block ends normally every one is renamed into place, in the order written; when it
raises (or a rename fails) every temporary is removed and the targets already renamed are
removed again: a set of figures is written whole or not at all.
What it does not do: create folders, or lock against a concurrent writer of the same
target (the last rename wins, each file whole).
"""

import contextlib
import errno
import os
import stat
import tempfile


class OutputError(Exception):
    """An output file that cannot be written; the message names it (one line)."""


#: Kinds of existing targets that are refused, by stat test.
_REFUSED = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
            (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"))

#: The open batch (a list of (temporary, target)), or None: writes go straight through.
_batch = None


def check_target(path):
    """Raise OutputError if `path` exists and is neither a regular file nor a symlink."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError("output file %s: %s" % (path, exc.strerror or exc))
    for test, what in _REFUSED:
        if test(mode):
            raise OutputError("output file %s: %s is there: refusing to replace it "
                              "(expected a regular file or nothing)" % (path, what))
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise OutputError("output file %s: not a regular file: refusing to replace it" % path)


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_dir(folder):
    """fsync a folder so that a rename in it survives a crash; file systems that cannot
    (EINVAL, ENOTSUP) are let be."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _temporary(path, fill):
    """A complete, fsynced temporary beside `path` holding what fill wrote; its path."""
    check_target(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".tmp.")
    except OSError as exc:
        raise OutputError("output file %s: %s" % (path, exc.strerror or exc))
    try:
        # mkstemp makes the file 0600; a figure is as readable as any file the user writes
        # (0666 less the umask, as the C writer's open(…, 0666) gives)
        mask = os.umask(0)
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException as exc:
        _remove(tmp)
        if isinstance(exc, OSError):
            raise OutputError("output file %s: %s" % (path, exc.strerror or exc))
        raise
    return tmp


def _commit(pairs):
    """Rename each (temporary, target) into place, in order; fsync their folders. On a
    failure, remove the temporaries left and the targets already renamed, and raise."""
    done = []
    try:
        for tmp, path in pairs:
            check_target(path)
            os.replace(tmp, path)
            done.append(path)
        for folder in sorted({os.path.dirname(os.path.abspath(p)) for _, p in pairs}):
            _fsync_dir(folder)
    except BaseException as exc:
        for tmp, _ in pairs:
            _remove(tmp)
        for path in done:
            _remove(path)
        if isinstance(exc, OSError):
            where = pairs[len(done)][1] if len(done) < len(pairs) else exc.filename
            raise OutputError("output file %s: %s" % (where, exc.strerror or exc))
        raise


def write(path, fill):
    """Write `path` whole: fill(fh) writes the content to a binary file object. Inside
    batch(), the rename waits for the end of the batch. Returns `path`."""
    tmp = _temporary(path, fill)
    if _batch is not None:
        _batch.append((tmp, path))
    else:
        _commit([(tmp, path)])
    return path


def write_text(path, text, encoding="utf-8"):
    """write() of a str."""
    return write(path, lambda fh: fh.write(text.encode(encoding)))


@contextlib.contextmanager
def batch():
    """Every write() inside the block lands together when it ends, or none does.
    Batches nest: an inner one joins the outer."""
    global _batch
    if _batch is not None:
        yield
        return
    pairs = _batch = []
    try:
        yield
    except BaseException:
        _batch = None
        for tmp, _ in pairs:
            _remove(tmp)
        raise
    _batch = None
    _commit(pairs)
