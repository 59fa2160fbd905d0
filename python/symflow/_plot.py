"""plot(): the figures of `symflow plot`, drawn by symflow_post in this process."""
import os


def plot(files, out_dir=None, dpi=None, fmt=None, kind=None):
    """Draw the figures of `symflow plot FILES -o OUT_DIR --format FMT --kind KIND` (a field
    file first, then particle and compare files; fmt "png" (default), "pdf" or "svg", or
    "gif"/"mp4" for kind "animation"; kind "all" (default), "probe", "trajectories",
    "animation") and return the written paths. Needs symflow_post and matplotlib.
    Raises SymflowError with status 2 on a usage or input error (the message is printed by
    symflow_post to stderr)."""
    import contextlib
    import io

    from symflow_post import cli

    from ._lib import SymflowError

    if isinstance(files, (str, os.PathLike)):
        files = [files]
    argv = ["plot"] + [os.fspath(f) for f in files]
    if out_dir is not None:
        argv += ["-o", os.fspath(out_dir)]
    if dpi is not None:
        argv += ["--dpi", str(dpi)]
    if fmt is not None:
        argv += ["--format", str(fmt)]
    if kind is not None:
        argv += ["--kind", str(kind)]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = cli.main(argv)
    if rc != 0:
        raise SymflowError("symflow plot failed (see stderr)", rc)
    return [line for line in buf.getvalue().splitlines() if line]
