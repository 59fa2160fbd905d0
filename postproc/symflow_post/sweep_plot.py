"""sweep_plot — the figure of a sweep file: one quantity against a varied key (MATH §8).

What it does: `plot_sweep(path, outdir, y, x)` draws the variable `y` (or a comma list of
them, together, into sweep_<y1>_<y2>.png) of a sweep file
(sweep.py) against the varied key `x`, one line per value of the other sweep dimensions
(and per escape fraction for escape_time); a series on `time` is drawn at its last output,
"NAME(t_end)". The x axis is logarithmic when the key was log-spaced or its values span
two decades; the y axis when its positive values span two decades (escape times: x only,
where a + b·ln x is straight). For escape_time each line gets the least-squares fit
t_f ≈ a + b·ln x over its finite points, drawn dashed beside it with a and b in the legend.
Failed or not-run points (status ≠ 0) are gaps. The PNG is written by plots.save (atomic).
What it does not do: read other file kinds, or compute anything but the fit.
"""

import os

import numpy as np

from . import analysis


def is_sweep(path):
    """True when `path` is a netCDF file with symflow_kind = "sweep"."""
    try:
        import netCDF4
        with netCDF4.Dataset(path) as nc:
            return getattr(nc, "symflow_kind", "") == "sweep"
    except Exception:  # not there, not netCDF: the ordinary readers say why
        return False


def _sweep_dims(ds):
    return list(ds["status"].dims)


def _x_coord(ds, x):
    """(name of the coordinate variable, its sweep dimension) for --x (a dimension name
    or a case key such as problem.d_H)."""
    dims = _sweep_dims(ds)
    cands = [n for n, v in ds.variables.items()
             if "case_key" in v.attrs and len(v.dims) == 1 and v.dims[0] in dims]
    if x is None:
        if not cands:
            raise ValueError("%s: no varied key" % ds.encoding.get("source", "sweep file"))
        return cands[0], ds[cands[0]].dims[0]
    for n in cands:
        if x in (n, ds[n].attrs.get("case_key")):
            return n, ds[n].dims[0]
    raise ValueError("--x %s: not a varied key of the sweep (varied: %s)"
                     % (x, ", ".join("%s (%s)" % (ds[n].attrs["case_key"], n) for n in cands)))


def fit_log(x, y):
    """(a, b) of the least-squares fit y ≈ a + b·ln x over the finite points with x > 0,
    or None when fewer than two."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0)
    if ok.sum() < 2:
        return None
    b, a = np.polyfit(np.log(x[ok]), y[ok], 1)
    return float(a), float(b)


def _quantity(ds, path, y, xdim):
    """(DataArray with dims (xdim, other…), label) of one --y name."""
    if y not in ds.data_vars or y in ("status", "message", "exit_code"):
        numeric = [n for n, v in ds.data_vars.items() if v.dtype.kind in "fi"
                   and n not in ("status", "exit_code")]
        raise ValueError("%s: --y %s: not a quantity of the sweep (one of: %s)"
                         % (path, y, ", ".join(numeric)))
    var, label = ds[y], y
    if "time" in var.dims:
        var = var.isel(time=-1)
        label = "%s(t_end)" % y
    extra = [d for d in var.dims if d != xdim]
    bad = [d for d in extra if d not in _sweep_dims(ds) and d != "escape_fraction"]
    if bad:
        raise ValueError("%s: --y %s: has dimensions %s besides the sweep's: choose a series "
                         "or a derived quantity" % (path, y, ", ".join(bad)))
    return var.where(ds["status"] == 0).transpose(xdim, *extra), label


def plot_sweep(path, outdir, y=None, x=None):
    """Draw sweep_<y>.png into outdir (y: one name or a comma list drawn together);
    returns its path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import xarray as xr
    from . import plots

    with xr.open_dataset(path, decode_times=False) as ds:
        ds = ds.load()
    if y is None:
        y = "mass_plus_final" if "mass_plus_final" in ds else "risk_final"
    names = [n for n in y.split(",") if n]
    if not names:
        raise ValueError("%s: --y %r: expected a name or a comma list of names" % (path, y))
    xname, xdim = _x_coord(ds, x)
    quantities = [(n,) + _quantity(ds, path, n, xdim) for n in names]
    xv = ds[xname].values
    categorical = xv.dtype.kind not in "fi"
    xpos = np.arange(len(xv)) if categorical else xv.astype(float)
    fig, ax = plt.subplots(figsize=(7, 4.8))
    fits, allvals = [], []
    for yname, var, label in quantities:
        extra = list(var.dims[1:])
        other = [(d, ds[d].values if d in ds.variables else np.arange(ds.sizes[d]))
                 for d in extra]
        for idx in (list(np.ndindex(*[len(v) for _, v in other])) if other else [()]):
            sel = {d: i for (d, _), i in zip(other, idx)}
            yy = np.asarray((var.isel(sel) if sel else var).values, dtype=float)
            allvals.append(yy)
            name = ", ".join("%s = %s" % (d, vals[i]) for (d, vals), i in zip(other, idx))
            if len(quantities) > 1:
                name = label + (" (%s)" % name if name else "")
            (ln,) = ax.plot(xpos, yy, marker="o", label=name or label)
            if yname == "escape_time" and not categorical:
                f = fit_log(xpos, yy)
                if f is not None:
                    a, b = f
                    xs = xpos[np.isfinite(xpos) & (xpos > 0)]
                    xf = np.geomspace(xs.min(), xs.max(), 100)
                    ax.plot(xf, a + b * np.log(xf), "--", color=ln.get_color(), alpha=0.7,
                            label="fit %.4g + %.4g ln %s" % (a, b, xname))
                    fits.append((name, a, b))
    label = ", ".join(q[2] for q in quantities)
    spacing = ds[xname].attrs.get("spacing", "")
    if not categorical and np.all(xpos > 0) and (spacing == "log" or
                                                  analysis.spans_decades(xpos)):
        ax.set_xscale("log")
    vals = np.concatenate([v.ravel() for v in allvals])
    pos = vals[np.isfinite(vals) & (vals > 0)]
    if "escape_time" not in names and pos.size and pos.size == np.isfinite(vals).sum() and \
            pos.max() / pos.min() >= analysis.LOG_TIME_RATIO:
        ax.set_yscale("log")
    if categorical:
        ax.set_xticks(xpos)
        ax.set_xticklabels([str(v) for v in xv])
    ax.set_xlabel("%s (%s)" % (xname, ds[xname].attrs.get("case_key", xname)))
    ax.set_ylabel(label)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    title = "%s against %s" % (label, xname)
    ax.set_title(title)
    n_bad = int((ds["status"] != 0).sum())
    caption = ("%s of the sweep %s against the varied key %s; %d point(s) failed or not run "
               "(gaps)." % (label, os.path.basename(path), xname, n_bad))
    if fits:
        caption += " Fits t_f = a + b ln %s: %s." % (xname, "; ".join(
            "%s a = %.6g, b = %.6g" % (n, a, b) for n, a, b in fits))
    out = os.path.join(outdir, "sweep_%s.png" % "_".join(names))
    fig.tight_layout()
    try:
        plots.save(fig, out, title, caption)
    finally:
        plt.close(fig)
    return out
