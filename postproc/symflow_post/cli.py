"""cli — `python3 -m symflow_post plot|paper|export …`: files in, figures or VTK files out (MATH.md §6, §8).

What it does: reads the files named on the command line, tells their kinds from the global
attributes (field, particles-1, compare), draws the figures of plots.py (`plot`) or
paper.py (`paper`) into the output folder, or writes the VTK files of export.py (`export`),
and prints the paths written, one a line.
What it does not do: draw or write anything itself, or accept a file it cannot identify.

    plot FILE... [-o DIR] [--dpi N] [--format png|pdf|svg|gif|mp4]
         [--kind all|probe|trajectories|animation]
                                    --kind all (default): exactly one field file, any number
                                    of particle
                                    and compare files, in any order; DIR defaults to the
                                    field file's folder. Form L: risk.png, masses.png,
                                    density_heatmap.png, snapshots.png, alignment.png;
                                    form T: risk.png, conservation.png, marginals.png,
                                    density_au.png; form ode: risk.png, w_error.png
                                    (.pdf or .svg with --format).
                                    --kind probe: probe.png, the predictor on the probe
                                    lines of a form-L or T field (L7); --kind trajectories:
                                    trajectories.png, neuron paths in (θ, |a|) of the
                                    particle files; --kind animation: animation.gif (or
                                    .mp4 with ffmpeg), τ± of a form-L field over time.
    paper FIELD PARTICLES... [-o DIR] [--dpi N] [--format png|pdf|svg]
                                    writes paper_fig_histograms.png, paper_fig_masses.png,
                                    paper_fig_loss.png. Not a `symflow` command: run
                                    /usr/bin/python3 -m symflow_post paper … with
                                    PYTHONPATH=postproc.
    plot SWEEP [--y NAME] [--x KEY] [-o DIR]
                                    a sweep file (symflow_kind = "sweep"): sweep_NAME.png,
                                    NAME against the varied key (sweep_plot.py).
    sweep …                         plan, run and merge a sweep (sweep.py; `symflow sweep`).
    export FILE --vtk DIR [--whole-box]
                                    a form-T or form-L field file as VTK XML rectilinear
                                    grids, one .vtr per output time, and a .pvd collection
                                    for ParaView (`symflow export` runs this); form T is
                                    cropped to where the density lives at the last output
                                    unless --whole-box.

Exit status: 0 on success; 2 on bad input (missing file, not netCDF, not a symflow file,
no or several field files, an unwritable DIR, a non-finite value in the data drawn, an
output path that is a directory, FIFO, device or socket), with one line on stderr:
    symflow plot: error: run.nc: no such file
Every output file is written through atomic.py (a temporary renamed into place: a link at
the path is replaced, never followed), and the figures of one command land all or none.
"""

import argparse
import os
import sys

from . import atomic, dynamics, export, paper, plots, sweep, sweep_plot
from . import io as sfio

#: Exit status for bad input, as argparse and the `symflow` command use.
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input: reported as one line, exit EXIT_USAGE."""


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line '<prog>: error: …' and exit EXIT_USAGE."""

    def error(self, message):
        raise UsageError("%s: error: %s" % (self.prog, " ".join(message.split())))


#: Shown under `python3 -m symflow_post --help`.
EPILOG = """commands (run with PYTHONPATH=postproc /usr/bin/python3 -m symflow_post …):
  plot FILE... [-o DIR] [--format F]
                                    risk.png, masses.png, density_heatmap.png, snapshots.png,
                                    alignment.png of a form-L field file (+ particle and
                                    compare files); also `symflow plot`. F: png (default),
                                    pdf or svg.
  paper FIELD PARTICLES... [-o DIR] [--format F]
                                    the paper's 1-D figures, PDE and particles on one axes:
                                    paper_fig_histograms.png, paper_fig_masses.png,
                                    paper_fig_loss.png (only here: `symflow` has no `paper`).
  export FILE --vtk DIR [--whole-box]
                                    VTK rectilinear grids (.vtr per output time + .pvd) of a
                                    form-T or form-L field file, for ParaView (form T cropped
                                    to where the density lives unless --whole-box); also
                                    `symflow export`.
bad input: one line '<command>: error: ...' on stderr, exit status 2."""


#: Accepted range of --dpi: below, text is illegible; above, files grow past screen use.
DPI_RANGE = (50, 600)


def _dpi(text):
    """--dpi N: an integer in DPI_RANGE."""
    try:
        v = int(text)
    except ValueError:
        v = None
    if v is None or not DPI_RANGE[0] <= v <= DPI_RANGE[1]:
        raise argparse.ArgumentTypeError("%r: expected an integer in [%d, %d]"
                                         % (text, DPI_RANGE[0], DPI_RANGE[1]))
    return v


def _parser():
    p = _Parser(prog="symflow", description="Plot or export symflow netCDF output.",
                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", parser_class=_Parser,
                           metavar="{plot,paper,export}")
    sp = sub.add_parser("plot", prog="symflow plot",
                        help="diagnostic figures of a field file (+ particle/compare files)")
    sp.add_argument("files", nargs="+", metavar="FILE")
    sp.add_argument("-o", "--outdir", metavar="DIR", default=None)
    sp.add_argument("--dpi", type=_dpi, default=None, metavar="N",
                    help="resolution of the PNG files (default %d)" % plots.DPI)
    sp.add_argument("--y", default=None, metavar="NAME",
                    help="sweep file: the quantity drawn, or a comma list drawn together "
                         "(a derived one, or a series at its last output; default "
                         "mass_plus_final or risk_final)")
    sp.add_argument("--x", default=None, metavar="KEY",
                    help="sweep file: the varied key on the x axis (default the first)")
    sp.add_argument("--format", choices=plots.FORMATS + dynamics.ANIMATION_FORMATS,
                    default=None, dest="fmt",
                    help="file format: png (default), pdf or svg for figures, gif (default) "
                         "or mp4 (needs ffmpeg) for --kind animation")
    sp.add_argument("--kind", choices=KINDS, default="all",
                    help="all (default): the diagnostic figures of the field file; probe: "
                         "the predictor on the probe lines (form L); trajectories: neuron "
                         "paths in (theta, |a|) of the particle files; animation: tau+/- "
                         "over time (form L)")
    pp = sub.add_parser("paper", prog="symflow paper",
                        help="the paper's 1-D figures, PDE and particles on the same axes")
    pp.add_argument("field", metavar="FIELD")
    pp.add_argument("particles", nargs="+", metavar="PARTICLES")
    pp.add_argument("-o", "--outdir", metavar="DIR", default=None)
    pp.add_argument("--dpi", type=_dpi, default=None, metavar="N",
                    help="resolution of the PNG files (default %d)" % plots.DPI)
    pp.add_argument("--format", choices=plots.FORMATS, default="png", dest="fmt",
                    help="file format of every figure (default png)")
    ep = sub.add_parser("export", prog="symflow export",
                        help="a field file as VTK rectilinear grids + a .pvd collection")
    ep.add_argument("file", metavar="FILE")
    ep.add_argument("--vtk", metavar="DIR", required=True,
                    help="output folder for <name>_NNNN.vtr and <name>.pvd (created)")
    ep.add_argument("--whole-box", action="store_true",
                    help="form T: keep the solver's whole box (default: crop to where the "
                         "density lives at the last output, all but 1e-6 of the mass)")
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


#: Values of `plot --kind` and the file each writes besides "all" (extension from --format).
KINDS = ("all", "probe", "trajectories", "animation")
KIND_FILES = {"probe": "probe", "trajectories": "trajectories", "animation": "animation"}


def _kind_format(prog, kind, fmt):
    """The format of `plot --kind kind --format fmt`: animations take gif (default) or mp4,
    figures png (default), pdf or svg."""
    anim = kind == "animation"
    if fmt is None:
        return "gif" if anim else "png"
    allowed = dynamics.ANIMATION_FORMATS if anim else plots.FORMATS
    if fmt not in allowed:
        raise UsageError("%s: error: --format %s with --kind %s: expected one of %s"
                         % (prog, fmt, kind, ", ".join(allowed)))
    return fmt


def _plot_kind(prog, args, found, fmt):
    """`plot --kind probe|trajectories|animation`: one file; returns [its path]."""
    fields = found["field"]
    if len(fields) > 1:
        raise UsageError("%s: error: %d field files given (%s): expected at most one"
                         % (prog, len(fields), ", ".join(f.path for f in fields)))
    if args.kind == "trajectories":
        if not found["particles"]:
            raise UsageError("%s: error: --kind trajectories: no particle file given "
                             "(symflow_schema = \"particles-1\") among: %s"
                             % (prog, ", ".join(args.files)))
        where = fields[0].path if fields else found["particles"][0].path
    else:
        ok = (sfio.FieldData, sfio.TransportData) if args.kind == "probe" else sfio.FieldData
        if not fields or not isinstance(fields[0], ok):
            raise UsageError("%s: error: --kind %s: expected a %s field file (form = %s) "
                             "among: %s" % (prog, args.kind,
                                            "form-L or form-T" if args.kind == "probe"
                                            else "form-L",
                                            "\"lifted\" or \"transport\""
                                            if args.kind == "probe" else "\"lifted\"",
                                            ", ".join(args.files)))
        where = fields[0].path
    outdir = _outdir(prog, args.outdir, where)
    path = os.path.join(outdir, "%s.%s" % (KIND_FILES[args.kind], fmt))
    try:
        if args.kind == "trajectories":
            res = dynamics.plot_trajectories(found["particles"], path)
        elif args.kind == "probe":
            res = dynamics.plot_probe(fields[0], path)
        else:
            plots.check_finite(fields[0], found["particles"])
            res = dynamics.animate(fields[0], path, found["particles"])
    except (ValueError, atomic.OutputError) as exc:
        raise UsageError("%s: error: %s" % (prog, exc))
    return [res["path"]]


def _cmd_plot(args):
    prog = "symflow plot"
    if len(args.files) == 1 and sweep_plot.is_sweep(args.files[0]):
        outdir = _outdir(prog, args.outdir, args.files[0])
        try:
            return [sweep_plot.plot_sweep(args.files[0], outdir, y=args.y, x=args.x)]
        except (ValueError, atomic.OutputError) as exc:
            raise UsageError("%s: error: %s" % (prog, exc))
    if args.x is not None or args.y is not None:
        raise UsageError("%s: error: --x and --y apply to one sweep file (symflow_kind = "
                         "\"sweep\")" % prog)
    found = _classify(prog, args.files)
    fmt = _kind_format(prog, args.kind, args.fmt)
    if args.kind != "all":
        return _plot_kind(prog, args, found, fmt)
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
        res = plots.plot_all(field, outdir, found["particles"], found["compare"], fmt)
    except (ValueError, atomic.OutputError) as exc:  # data the figures cannot show (φ
        # particles with d_H ≠ 1, a NaN), or a target that is a directory, FIFO, …
        raise UsageError("%s: error: %s" % (prog, exc))
    return [res[name]["path"] for name in plots.figure_names(field, fmt)]


def _cmd_paper(args):
    prog = "symflow paper"
    found = _classify(prog, [args.field])
    if not found["field"]:
        raise UsageError("%s: error: %s: not a field file (symflow_kind = \"field\")"
                         % (prog, args.field))
    field = found["field"][0]
    if not isinstance(field, sfio.FieldData):
        raise UsageError("%s: error: %s: attribute form = %r: expected \"lifted\" (the "
                         "paper's figures are of form-L fields)"
                         % (prog, field.path, sfio._text(field.attrs.get("form", ""))))
    parts = _classify(prog, args.particles)
    if parts["field"] or parts["compare"]:
        other = (parts["field"] + parts["compare"])[0]
        raise UsageError("%s: error: %s: not a particle file (symflow_schema = "
                         "\"particles-1\")" % (prog, other.path))
    outdir = _outdir(prog, args.outdir, field.path)
    try:
        res = paper.paper_all(field, parts["particles"], outdir, args.fmt)
    except (ValueError, atomic.OutputError) as exc:
        raise UsageError("%s: error: %s" % (prog, exc))
    return [res[name]["path"] for name in paper.paper_names(args.fmt)]


def _cmd_export(args):
    try:
        return export.export_vtk(args.file, args.vtk, whole_box=args.whole_box)
    except sfio.SymflowInputError as exc:
        raise UsageError("symflow export: error: %s" % exc)


#: Sub-command → function returning the paths written.
COMMANDS = {"plot": _cmd_plot, "paper": _cmd_paper, "export": _cmd_export}


def main(argv=None):
    """Run the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["sweep"]:  # its own command line (sweep.py): plan | merge | run
        return sweep.main(argv[1:])
    try:
        args = _parser().parse_args(argv)
        if args.command is None:
            raise UsageError("symflow: error: a command is required: plot or paper, or "
                             "export")
        dpi = getattr(args, "dpi", None)
        saved_dpi = plots.DPI
        if dpi is not None:    # plots.save reads plots.DPI; this process draws only once
            plots.DPI = dpi
        try:
            written = COMMANDS[args.command](args)
        finally:
            plots.DPI = saved_dpi
    except UsageError as exc:
        print(" ".join(str(exc).split()), file=sys.stderr)
        return EXIT_USAGE
    for path in written:
        print(path)
    return 0
