"""cli — `python3 -m symflow_post plot|paper …`: files in, PNG files out (MATH.md §6).

What it does: reads the files named on the command line, tells their kinds from the global
attributes (field, particles-1, compare), draws the figures of plots.py (`plot`) or
paper.py (`paper`) into the output folder, and prints the paths written, one a line.
What it does not do: draw anything itself, or accept a file it cannot identify.

    plot FILE... [-o DIR]           exactly one form-L field file, any number of particle
                                    and compare files, in any order; DIR defaults to the
                                    field file's folder. Writes risk.png, masses.png,
                                    density_heatmap.png, snapshots.png, alignment.png.
    paper FIELD PARTICLES... [-o DIR]
                                    writes paper_fig_histograms.png, paper_fig_masses.png,
                                    paper_fig_loss.png.

Exit status: 0 on success; 2 on bad input (missing file, not netCDF, not a symflow file,
no or several field files, an unwritable DIR), with one line on stderr:
    symflow plot: error: run.nc: no such file
"""

import argparse
import os
import sys

from . import io as sfio
from . import paper, plots

#: Exit status for bad input, as argparse and the `symflow` command use.
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input: reported as one line, exit EXIT_USAGE."""


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line '<prog>: error: …' and exit EXIT_USAGE."""

    def error(self, message):
        raise UsageError("%s: error: %s" % (self.prog, " ".join(message.split())))


def _parser():
    p = _Parser(prog="symflow", description="Plot symflow netCDF output (form L).")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="{plot,paper}")
    sp = sub.add_parser("plot", prog="symflow plot",
                        help="diagnostic figures of a field file (+ particle/compare files)")
    sp.add_argument("files", nargs="+", metavar="FILE")
    sp.add_argument("-o", "--outdir", metavar="DIR", default=None)
    pp = sub.add_parser("paper", prog="symflow paper",
                        help="the paper's 1-D figures, PDE beside particles")
    pp.add_argument("field", metavar="FIELD")
    pp.add_argument("particles", nargs="+", metavar="PARTICLES")
    pp.add_argument("-o", "--outdir", metavar="DIR", default=None)
    return p


def _classify(prog, paths):
    """{kind: [data]} of the files, in command-line order."""
    found = {"field": [], "particles": [], "compare": []}
    for path in paths:
        try:
            kind, data = sfio.read_any(path)
        except sfio.SymflowInputError as exc:
            raise UsageError("%s: error: %s" % (prog, exc))
        found[kind].append(data)
    return found


def _outdir(prog, outdir, field_path):
    d = outdir if outdir is not None else (os.path.dirname(os.path.abspath(field_path)))
    try:
        os.makedirs(d, exist_ok=True)
    except OSError as exc:
        raise UsageError("%s: error: output folder %s: %s" % (prog, d, exc.strerror))
    if not os.access(d, os.W_OK):
        raise UsageError("%s: error: output folder %s: not writable" % (prog, d))
    return d


def _cmd_plot(args):
    prog = "symflow plot"
    found = _classify(prog, args.files)
    fields = found["field"]
    if not fields:
        raise UsageError("%s: error: no field file given (symflow_kind = \"field\") among: %s"
                         % (prog, ", ".join(args.files)))
    if len(fields) > 1:
        raise UsageError("%s: error: %d field files given (%s): expected one"
                         % (prog, len(fields), ", ".join(f.path for f in fields)))
    field = fields[0]
    outdir = _outdir(prog, args.outdir, field.path)
    try:
        res = plots.plot_all(field, outdir, found["particles"], found["compare"])
    except ValueError as exc:  # data the figures cannot show, e.g. φ particles with d_H ≠ 1
        raise UsageError("%s: error: %s" % (prog, exc))
    return [res[name]["path"] for name in plots.FIGURE_NAMES]


def _cmd_paper(args):
    prog = "symflow paper"
    found = _classify(prog, [args.field])
    if not found["field"]:
        raise UsageError("%s: error: %s: not a field file (symflow_kind = \"field\")"
                         % (prog, args.field))
    field = found["field"][0]
    parts = _classify(prog, args.particles)
    if parts["field"] or parts["compare"]:
        other = (parts["field"] + parts["compare"])[0]
        raise UsageError("%s: error: %s: not a particle file (symflow_schema = "
                         "\"particles-1\")" % (prog, other.path))
    outdir = _outdir(prog, args.outdir, field.path)
    try:
        res = paper.paper_all(field, parts["particles"], outdir)
    except ValueError as exc:
        raise UsageError("%s: error: %s" % (prog, exc))
    return [res[name]["path"] for name in paper.PAPER_NAMES]


def main(argv=None):
    """Run the command line; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
        if args.command is None:
            raise UsageError("symflow: error: a command is required: plot or paper")
        written = _cmd_plot(args) if args.command == "plot" else _cmd_paper(args)
    except UsageError as exc:
        print(" ".join(str(exc).split()), file=sys.stderr)
        return EXIT_USAGE
    for path in written:
        print(path)
    return 0
