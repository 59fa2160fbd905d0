"""symflow_post — reading, analysing and plotting symflow's netCDF output (MATH.md §6, §8).

What it does: opens the files the `symflow` command writes (field files of form L and T, particle
files in the public schema "particles-1", compare files), turns particle clouds into the
lifted marginals of form L (M15), draws the diagnostics of MATH.md §6 as PNG, PDF or SVG
files (and GIF/MP4 animations),
and writes field files as VTK rectilinear grids for ParaView (export).
What it does not do: solve anything (a sweep runs the `symflow` binary per point), write
netCDF (except the synthetic files of `synthetic`, which exist for tests and
demonstrations, and the merged sweep files of `sweep`), or read anything but netCDF.

Modules, one job each:
    io        open a file with xarray (decode_times=False), check its kind, return plain
              numpy arrays and the global attributes (FieldData, TransportData,
              ParticleData, CompareData).
    analysis  particle → (θ or φ, c, ε); weighted histograms on the field's cell edges;
              masses per sign; alignment A; W₂ to δ_0 / δ_{π/2} (MATH.md §4.3, §6).
    plots     one function per figure; each takes data and an output path, saves a PNG
              (Agg backend) whose metadata holds the caption, and returns the arrays drawn.
    paper     the paper's 1-D figures (PDE and particles on the same axes).
    dynamics  `plot --kind probe|trajectories|animation`: the predictor on the probe lines
              (L7), neuron paths in (θ, |a|), τ± animated (GIF, MP4 with ffmpeg).
    export    a form-T or form-L field file as VTK XML .vtr files (one per output time)
              and a .pvd collection, written with numpy and plain XML.
    atomic    the one way a file is written: a temporary beside the target (O_EXCL,
              unpredictable name), fsync, rename over it, fsync the folder; a link at the
              target is replaced, a directory/FIFO/device/socket refused; batch() lands a
              set of files all or none.
    cli       `python3 -m symflow_post plot FILE... [-o DIR] [--dpi N]`,
              `python3 -m symflow_post paper FIELD PARTICLES... -o DIR [--dpi N]` and
              `python3 -m symflow_post export FILE --vtk DIR`.
    synthetic small analytic field / particle / compare files (tests, demos).
    sweep     `symflow sweep`: plan a case's runs over varied keys, run them (here, on
              SLURM, or as a printed job list; resumable), merge them into one sweep file
              (the one netCDF writer of the package besides synthetic).
    sweep_plot  a sweep file's quantity against a varied key (`symflow plot SWEEP.nc`).

Command line (run with Debian's /usr/bin/python3, PYTHONPATH=postproc):

    python3 -m symflow_post plot run.nc [particles-*.nc ...] [compare-*.nc ...] [-o DIR]
        writes risk.png, masses.png, density_heatmap.png, snapshots.png, alignment.png
        into DIR (default: the field file's directory) and prints their paths;
    python3 -m symflow_post paper run.nc particles-*.nc -o DIR
        writes paper_fig_histograms.png, paper_fig_masses.png, paper_fig_loss.png
        (only here: the `symflow` command has no `paper`);
    python3 -m symflow_post export run.nc --vtk DIR
        writes DIR/run_0000.vtr … (one per output time) and DIR/run.pvd (`symflow export`).
    File kinds are read from the global attributes (symflow_kind = "field" | "compare",
    symflow_schema = "particles-1"). Bad input: one line "symflow plot: error: ..." on
    stderr, exit status 2 ("symflow export: error: ..." for export).

Conventions: the lifted densities τ^± are per radian (units "1/rad"); a cell's mass is
density × cell width. Angles: θ ∈ [0, π/2] is the angle to H; for d_H = 1 non-radial cases
the coordinate is φ ∈ [0, π] with u = cos φ, r = sin φ, and the angle to H is
min(φ, π − φ).
"""

__all__ = ["io", "analysis", "atomic", "plots", "paper", "dynamics", "export", "cli",
           "synthetic", "sweep", "sweep_plot"]
