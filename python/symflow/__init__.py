"""symflow — the symflow solver from Python.

What it does:
    solve(case, out=None, **overrides)  solve a case file through libsymflow (ctypes on the
                                        stable C API sf_api_solve, include/symflow/api.h) and
                                        return its field file as an xarray.Dataset;
    load(path)                          any symflow netCDF file as an xarray.Dataset;
    write_particles(path, t, a, b, …)   a network's trajectory (numpy arrays or torch
                                        tensors) as a particles-1 file (README "Particle
                                        file"), which `symflow compare` and `symflow plot`
                                        read;
    plot(files, out_dir, fmt=, kind=)   the figures of `symflow plot` (symflow_post), in-process
                                        (fmt png|pdf|svg, kind all|probe|trajectories|animation);
    plot_risk, plot_masses, …           symflow_post.plots' figure functions, re-exported (each
                                        writes the format of its path's extension), and
    plot_probe, plot_trajectories,      symflow_post.dynamics' ones;
    animate
    SymflowError                        a failed solve: message and status (the exit code of
                                        the `symflow` command).
What it does not do: progress display, interruption (use the command for long runs).

libsymflow is found by, in order: the environment variable SYMFLOW_LIB (a path to the
shared library); the library installed beside this package (PREFIX/lib when the package is
PREFIX/lib/python3/dist-packages/symflow); the source tree's build directories
(build/dev, build/release); the system loader (ctypes.util.find_library("symflow")).
"""
from ._lib import SymflowError, library, version
from ._solve import solve, load
from ._particles import write_particles
from ._plot import plot

# The figure functions of symflow_post.plots, re-exported on first use (symflow_post and
# matplotlib are needed only then): symflow.plot_risk(field, path, …) etc.
_PLOTS = ("plot_risk", "plot_masses", "plot_heatmap", "plot_snapshots", "plot_alignment",
          "plot_all")
# …and those of symflow_post.dynamics (plot --kind probe|trajectories|animation)
_DYNAMICS = ("plot_probe", "plot_trajectories", "animate")

__all__ = ["solve", "load", "write_particles", "plot", "SymflowError", "library",
           "version"] + list(_PLOTS) + list(_DYNAMICS)


def __getattr__(name):
    if name in _PLOTS:
        from symflow_post import plots
        return getattr(plots, name)
    if name in _DYNAMICS:
        from symflow_post import dynamics
        return getattr(dynamics, name)
    raise AttributeError("module 'symflow' has no attribute %r" % name)
