"""plots — the diagnostic figures of a run (MATH.md §4.3, §6), one function per figure: form
L above, forms T and ode at the end of the file (plot_all picks by the field's type).

What it does: each plot_* function takes the data of io.py (a FieldData, optional
ParticleData and CompareData lists) and an output path, draws with matplotlib's Agg canvas
(no display, no pyplot state), saves a PNG, PDF or SVG (the path's extension, FORMATS)
whose metadata holds a title and the caption, and returns a dict of the exact arrays it
drew plus 'path', 'title', 'caption', 'figure' (the matplotlib Figure) and 'texts' (every
label drawn), so that tests can hold the picture to the netCDF values.
Time axes: linear, or symlog (linear up to the first positive output, log after) when the
outputs span decades, so t = 0 (R(0), τ(0)) is always drawn. Labels: plain text, or
mathtext between $…$; never a raw "^" or "_".
What it does not do: read files (io.py) or compute diagnostics (analysis.py).

Figures:
    plot_risk          R(t), log y (symlog t when the times span decades); particle runs
                       overlaid (min–max band over seeds); |R_m − R| from compare files.
    plot_masses        |τ⁺|(t), |τ⁻|(t), log y, the minimiser mass α of (L4) when known;
                       particle masses; mass gaps from compare files.
    plot_heatmap       τ⁺ and τ⁻ over (t, θ), cell bounds, log colour scale with a floor.
    plot_snapshots     τ^± at the output times nearest to 0, 0.5, 5, 50, 100, as step
                       curves, with the particles' c-weighted histograms overlaid.
    plot_alignment     A(t) and the W₂ distances of τ⁺/|τ⁺| to δ_{θ=0}, τ⁻/|τ⁻| to δ_{θ=π/2};
                       W₁ marginal distances from compare files.
"""

import os

import matplotlib
import numpy as np
from matplotlib.colors import LogNorm, PowerNorm
from matplotlib.figure import Figure

from . import analysis as an
from . import atomic

#: Resolution of every PNG (dots per inch): legible at 100 % on screen, small on disk.
DPI = 120
#: Lowest relative density of the heat map's log colour scale when the file gives no rtol:
#: six decades below the maximum, the usual CVODE rtol (1e-6), below which the density is
#: solver noise rather than signal.
DEFAULT_FLOOR_REL = 1e-6
#: Colours of the two signs, fixed across figures (τ⁺ blue, τ⁻ red).
COLOR = {"plus": "tab:blue", "minus": "tab:red"}
#: Colours of particle groups (runs of one m), cycled.
GROUP_COLORS = ("tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink", "tab:olive")
#: Line styles of particle groups for curves coloured by sign (PDE curves are solid).
GROUP_STYLES = ("--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)))
#: Mathtext for the Dirac targets of the W₂ distances (MATH.md §6).
#: Line styles of compare files (one file, one style; colours give the sign).
COMPARE_STYLES = ("-",) + GROUP_STYLES
DELTA0 = r"$\delta_{\theta=0}$"
DELTA90 = r"$\delta_{\theta=\pi/2}$"

#: Head room above the highest value on log axes (a factor: a third of a decade).
LOG_HEADROOM = 2.0

#: Mathtext of the two lifted measures and their masses (figure labels never show a raw
#: "^" or "_": what is not plain text is mathtext between $…$).
SYM = {"plus": r"$\tau^+$", "minus": r"$\tau^-$"}
ABS = {"plus": r"$|\tau^+|$", "minus": r"$|\tau^-|$"}


def coord_symbol(coord):
    return "θ" if coord == "theta" else "φ"


def case_summary(field):
    """'target=norm, d=30, d_H=5' from the field's global attributes (those present)."""
    parts = []
    for key in ("target", "d", "d_H", "input"):
        if key in field.attrs:
            v = field.attrs[key]
            v = np.asarray(v).ravel()[0] if not isinstance(v, str) else v
            parts.append("%s=%s" % (key, v))
    return ", ".join(parts)


#: Output formats of every figure (the file name's extension picks one): PNG (raster,
#: DPI), PDF and SVG (vector, for papers).
FORMATS = ("png", "pdf", "svg")
#: Metadata key holding the caption, per format: PNG tEXt "Description", the PDF info
#: dictionary's "Subject" (PDF has no Description key), SVG's Dublin Core description.
CAPTION_KEY = {"png": "Description", "pdf": "Subject", "svg": "Description"}


def format_of(path):
    """The figure format of `path` from its extension (FORMATS); ValueError naming the path
    otherwise."""
    ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    if ext not in FORMATS:
        raise ValueError("%s: extension %r: expected one of %s (the figure format)"
                         % (path, ext, ", ".join("." + f for f in FORMATS)))
    return ext


def with_format(name, fmt):
    """`name` with its extension replaced by `fmt` ('risk.png', 'pdf' → 'risk.pdf')."""
    if fmt not in FORMATS:
        raise ValueError("format %r: expected one of %s" % (fmt, ", ".join(FORMATS)))
    return os.path.splitext(name)[0] + "." + fmt


def drawn_texts(fig):
    """Every label a reader sees in `fig`: titles, axis labels, legend entries and titles,
    free texts (tick labels are the formatters' and not included)."""
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        for loc in ("left", "center", "right"):
            out.append(ax.get_title(loc=loc))
        out += [ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.texts]
        leg = ax.get_legend()
        if leg is not None:
            out += [t.get_text() for t in leg.get_texts()] + [leg.get_title().get_text()]
    return [t for t in out if t]


def save(fig, path, title, caption):
    """Write `fig` to `path` in the format of its extension (format_of: PNG at DPI, PDF,
    SVG) with the title and caption in its metadata (CAPTION_KEY), through atomic.write (a
    temporary renamed into place; a link at `path` is replaced, not followed). Returns
    drawn_texts(fig), for tests of the labels."""
    fmt = format_of(path)
    meta = {"Title": title, CAPTION_KEY[fmt]: caption}
    atomic.write(path, lambda fh: fig.savefig(fh, format=fmt, dpi=DPI, metadata=meta))
    return drawn_texts(fig)


def _first_bad(path, name, values):
    """ValueError naming the file, variable and index of the first non-finite value."""
    if values is None:
        return
    v = np.asarray(values, dtype=float)
    bad = ~np.isfinite(v)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError("%s: variable %s holds %r at index %s: cannot draw a non-finite "
                         "value" % (path, name, float(v[idx]),
                                    "[%s]" % ", ".join(str(i) for i in idx)))


def check_finite(field, particles=()):
    """Raise ValueError naming the first non-finite value among what every figure draws:
    the field's time, τ⁺, τ⁻ and required series (FIELD_SERIES_REQUIRED), the particle
    runs' time, a, b, u, r and risk. The optional series (alignment, W₂, …) may be NaN
    where undefined (a sign without mass) and are not checked."""
    from .io import FIELD_SERIES_REQUIRED
    for name in ("time", "tau_plus", "tau_minus"):
        _first_bad(field.path, name, getattr(field, name))
    for name in FIELD_SERIES_REQUIRED:
        _first_bad(field.path, name, field.series.get(name))
    for p in particles:
        for name in ("time", "a", "b", "u", "r", "risk"):
            _first_bad(p.path, name, getattr(p, name))


def time_mask(time, log_time):
    """Which output times are drawn: all of them — on a symlog axis (log_time) t = 0 sits at
    the left end of the linear range (set_time_axis), so R(0) and τ(0) are always shown."""
    return np.ones(np.asarray(time).shape, bool)


def set_time_axis(ax, log_time, time):
    """Linear t axis, or (log_time: the outputs span decades) symlog with the linear range
    up to the first positive output time (set_symlog_time), so t = 0 stays visible."""
    if log_time:
        return set_symlog_time(ax, time)
    ax.set_xlabel("t (gradient-flow time)")
    return None


def symlog_transform(time):
    """The matplotlib symlog transform set_symlog_time gives a time axis (base 10,
    linscale 1, linthresh = the first positive time)."""
    from matplotlib.scale import SymmetricalLogTransform
    t = np.asarray(time, dtype=float)
    pos = t[t > 0]
    return SymmetricalLogTransform(10, float(pos.min()) if pos.size else 1.0, 1.0)


def time_edges(time, log_time):
    """Faces between consecutive output times for pcolormesh: midpoints on the drawn axis
    (in the symlog coordinate when log_time), the outer faces mirrored, but never below
    t = 0 (the first output is t = 0: its cell starts there); a single time gets a
    unit-width cell."""
    t = np.asarray(time, dtype=float)
    if t.size == 1:
        return np.array([max(t[0] - 0.5, 0.0) if t[0] >= 0 else t[0] - 0.5, t[0] + 0.5])
    if log_time:
        tr = symlog_transform(t)
        e = tr.inverted().transform(_mirror(tr.transform(t)))
    else:
        e = _mirror(t)
    if t[0] >= 0:
        e[0] = max(e[0], 0.0)
    return e


def _mirror(x):
    mid = 0.5 * (x[1:] + x[:-1])
    return np.concatenate([[x[0] - (mid[0] - x[0])], mid, [x[-1] + (x[-1] - mid[-1])]])


def particle_groups(particles):
    """[(label, color, linestyle, [ParticleData])] for the particle runs, grouped by
    (m, times): a colour for sign-less curves, a line style for curves coloured by sign."""
    out = []
    for i, g in enumerate(an.group_runs(list(particles))):
        n = len(g)
        label = "particles m=%d" % g[0].m + (" (%d runs, min–max)" % n if n > 1 else "")
        out.append((label, GROUP_COLORS[i % len(GROUP_COLORS)],
                    GROUP_STYLES[i % len(GROUP_STYLES)], g))
    return out


def band_note(particles):
    """Caption words for the particle curves: ' (mean, shaded min–max over seeds)' when some
    group has several runs (only then is a band drawn), else ''."""
    several = any(len(g[3]) > 1 for g in particle_groups(particles))
    return " (mean, shaded min–max over seeds)" if several else ""


def _band(ax, t, runs, color, label, linestyle="--"):
    """Mean line and min–max band of `runs` (nruns, nt); returns (min, max, mean)."""
    lo, hi, mean = runs.min(axis=0), runs.max(axis=0), runs.mean(axis=0)
    if runs.shape[0] > 1:
        ax.fill_between(t, lo, hi, color=color, alpha=0.25, linewidth=0)
    ax.plot(t, mean, color=color, linestyle=linestyle, linewidth=1.4, label=label)
    return lo, hi, mean


def _time_figure(field, compares):
    """A figure of time series: one panel, or two when compare files add a gap panel; the
    time axis is symlog when the outputs span decades (t = 0 still drawn)."""
    log_time = an.spans_decades(field.time)
    ncols = 2 if compares else 1
    fig = Figure(figsize=(6.4 * ncols, 4.6), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes, log_time, time_mask(field.time, log_time)


def plot_risk(field, path, particles=(), compares=()):
    """R(t) of the PDE (and particle runs) on log y; |R_m − R| from compare files."""
    fig, axes, log_time, mask = _time_figure(field, compares)
    ax = axes[0]
    t, risk = field.time[mask], field.series["risk"][mask]
    ax.plot(t, risk, color="black", linewidth=2, label="PDE (form L)")
    out = {"log_time": log_time, "time_mask": mask, "time": t, "risk": risk,
           "particles": [], "compare": []}
    for label, color, _, runs in particle_groups(particles):
        pm = time_mask(runs[0].time, log_time)
        rr = np.array([p.risk[pm] for p in runs])
        lo, hi, mean = _band(ax, runs[0].time[pm], rr, color, label)
        out["particles"].append({"label": label, "paths": [p.path for p in runs],
                                 "time": runs[0].time[pm], "risk_runs": rr, "risk_min": lo,
                                 "risk_max": hi, "risk_mean": mean})
    ax.set_yscale("log", nonpositive="mask")
    set_time_axis(ax, log_time, field.time)
    ax.set_ylabel(r"$R(\mu_t) = \frac{1}{2}\,E[(f_\mu - f^*)^2]$")
    ax.set_title("risk (M2)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small")
    if compares:
        ax2 = axes[1]
        for i, c in enumerate(compares):
            if "risk_gap" not in c.series:
                continue
            cm = time_mask(c.time, log_time)
            gap = c.series["risk_gap"][cm]
            # the gap changes sign (R_m < R early, > R late): draw its magnitude on the log axis
            ax2.plot(c.time[cm], np.abs(gap), color=GROUP_COLORS[i % len(GROUP_COLORS)],
                     label=c.label)
            out["compare"].append({"label": c.label, "time": c.time[cm], "risk_gap": gap,
                                   "drawn": np.abs(gap)})
        ax2.set_yscale("log", nonpositive="mask")
        set_time_axis(ax2, log_time, field.time)
        ax2.set_ylabel(r"$|R_m(t) - R(t)|$")
        ax2.set_title("risk gap, particles − PDE")
        ax2.grid(True, which="major", alpha=0.3)
        if out["compare"]:
            ax2.legend(fontsize="small")
    title = "symflow: risk R(t)"
    caption = ("Risk R(t) of the form-L PDE (%s) from %s, log scale%s%s%s."
               % (case_summary(field), os.path.basename(field.path),
                  "; symlog time axis (linear up to the first positive output, t = 0 drawn)" if log_time else "",
                  "; dashed: particle runs%s" % band_note(particles) if particles else "",
                  "; right: risk gap |R_m − R| from the compare files" if compares else ""))
    out["texts"] = save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption, figure=fig)
    return out


def plot_masses(field, path, particles=(), compares=()):
    """|τ⁺|(t), |τ⁻|(t) on log y, with α of (L4) and the particle masses."""
    fig, axes, log_time, mask = _time_figure(field, compares)
    ax = axes[0]
    t = field.time[mask]
    out = {"log_time": log_time, "time_mask": mask, "time": t, "particles": [],
           "compare": []}
    for s in ("plus", "minus"):
        y = field.series["mass_" + s][mask]
        ax.plot(t, y, color=COLOR[s], linewidth=2, label="%s PDE" % ABS[s])
        out["mass_" + s] = y
    alpha = field.minimiser_mass
    out["alpha"] = alpha
    if alpha is not None:
        ax.axhline(alpha, color="black", linestyle=":", linewidth=1.2,
                   label="α = %.6g (minimiser mass, L4)" % alpha)
    for label, _, ls, runs in particle_groups(particles):
        pm = time_mask(runs[0].time, log_time)
        entry = {"label": label, "paths": [p.path for p in runs], "time": runs[0].time[pm]}
        per = [an.particle_masses(an.particle_cloud(p, field.coord)) for p in runs]
        for k, s in enumerate(("plus", "minus")):
            mm = np.array([pr[k][pm] for pr in per])
            lo, hi, mean = _band(ax, runs[0].time[pm], mm, COLOR[s],
                                 "%s %s" % (ABS[s], label), ls)
            entry.update({"mass_%s_runs" % s: mm, "mass_%s_min" % s: lo,
                          "mass_%s_max" % s: hi, "mass_%s_mean" % s: mean})
        out["particles"].append(entry)
    ax.set_yscale("log", nonpositive="mask")
    top = max(np.max(field.series["mass_plus"]), np.max(field.series["mass_minus"]),
              alpha if alpha is not None else 0.0)
    # floor: a decade under the smallest mass drawn, never below the solver's rtol × max
    low = min(np.min(field.series["mass_plus"]), np.min(field.series["mass_minus"]))
    out["ylim_bottom"] = max(top * floor_rel_of(field), 0.1 * low) if low > 0 else \
        top * floor_rel_of(field)
    ax.set_ylim(out["ylim_bottom"], top * LOG_HEADROOM)
    set_time_axis(ax, log_time, field.time)
    ax.set_ylabel(r"mass $|\tau^\pm| = \tau^\pm(S_+)$")
    ax.set_title(r"masses of $\tau^+$ and $\tau^-$ (L1)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small")
    if compares:
        ax2 = axes[1]
        for i, c in enumerate(compares):
            cm = time_mask(c.time, log_time)
            entry = {"label": c.label, "time": c.time[cm]}
            for s in ("plus", "minus"):
                name = "mass_%s_gap" % s
                if name in c.series:
                    # signed gaps: draw magnitudes on the log axis
                    ax2.plot(c.time[cm], np.abs(c.series[name][cm]), color=COLOR[s],
                             linestyle=COMPARE_STYLES[i % len(COMPARE_STYLES)],
                             label="%s gap %s" % (ABS[s], c.label))
                    entry[name] = c.series[name][cm]
            out["compare"].append(entry)
        ax2.set_yscale("log", nonpositive="mask")
        set_time_axis(ax2, log_time, field.time)
        ax2.set_ylabel(r"mass gap $|\,|\tau^\pm_m| - |\tau^\pm|\,|$")
        ax2.set_title("mass gaps, particles − PDE")
        ax2.grid(True, which="major", alpha=0.3)
        ax2.legend(fontsize="small")
    title = "symflow: masses |τ⁺|(t), |τ⁻|(t)"
    caption = ("Masses of the lifted measures τ⁺ (blue) and τ⁻ (red) of the form-L PDE (%s) "
               "from %s, log scale down to %.3g (a decade under the smallest mass, never below "
               "the solver's rtol × the largest)%s%s%s."
               % (case_summary(field), os.path.basename(field.path), out["ylim_bottom"],
                  "; dotted: minimiser mass α = %.6g of (L4)" % alpha if alpha is not None
                  else "",
                  "; dashed: particle masses (1/m) Σ c_i per sign%s" % band_note(particles)
                  if particles else "",
                  "; right: mass gaps from the compare files" if compares else ""))
    out["texts"] = save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption, figure=fig)
    return out


def floor_rel_of(field, floor_rel=None):
    """Relative floor of log density scales: `floor_rel` if given, else the file's rtol
    (below rtol × max the density is within the solver's error), else DEFAULT_FLOOR_REL."""
    if floor_rel is not None:
        return floor_rel
    rtol = field.attrs.get("rtol")
    return float(np.asarray(rtol).ravel()[0]) if rtol is not None else DEFAULT_FLOOR_REL


def heatmap_floor(field, floor_rel=None):
    """(floor, vmax) of the heat map's shared colour scale: vmax = max(τ^±)."""
    vmax = max(np.max(field.tau_plus), np.max(field.tau_minus))
    return vmax * floor_rel_of(field, floor_rel), vmax


def plot_heatmap(field, path, floor_rel=None):
    """τ⁺ and τ⁻ over (t, θ) with their cell bounds, log colour scale from a floor."""
    log_time = an.spans_decades(field.time)
    mask = time_mask(field.time, log_time)
    t = field.time[mask]
    tedges = time_edges(t, log_time)
    floor, vmax = heatmap_floor(field, floor_rel)
    if not vmax > 0:
        raise ValueError("%s: τ^± ≤ 0 everywhere: nothing to draw on a log scale" % field.path)
    norm = LogNorm(vmin=floor, vmax=vmax)
    units = field.units.get("tau_plus", "1/rad")
    sym = coord_symbol(field.coord)
    fig = Figure(figsize=(11.5, 4.6), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    out = {"log_time": log_time, "time_mask": mask, "time": t, "time_edges": tedges,
           "edges": field.edges, "floor": floor, "vmax": vmax}
    for ax, s in zip(axes, ("plus", "minus")):
        raw = getattr(field, "tau_" + s)[mask]
        drawn = np.maximum(raw, floor)
        mesh = ax.pcolormesh(tedges, field.edges, drawn.T, norm=norm, cmap="viridis",
                             shading="flat")
        cb = fig.colorbar(mesh, ax=ax)
        cb.set_label("%s density [%s]" % (SYM[s], units))
        set_time_axis(ax, log_time, field.time)
        ax.set_title("%s(t, %s)" % (SYM[s], sym))
        out["tau_" + s] = raw
        out["tau_%s_drawn" % s] = drawn
    axes[0].set_ylabel("%s [rad]%s" % (sym, " (angle to H)" if field.coord == "theta" else ""))
    axes[0].set_ylim(field.edges[0], field.edges[-1])
    title = "symflow: densities τ⁺, τ⁻ over (t, %s)" % sym
    caption = ("Lifted densities τ⁺ (left) and τ⁻ (right) of the form-L PDE (%s) from %s over "
               "time and %s, drawn on the cell bounds; log colour scale from %.3g (values below "
               "drawn at that floor) to %.3g %s%s."
               % (case_summary(field), os.path.basename(field.path), sym, floor, vmax, units,
                  "; symlog time axis (linear up to the first positive output, t = 0 drawn)" if log_time else ""))
    out["texts"] = save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption, figure=fig)
    return out


def snapshot_histograms(field, particles, indices, coarsen=None):
    """Particle marginals at the field times `indices`, one entry per group of runs: the
    per-cell masses averaged over the group's runs (a mixture of their lifted measures)."""
    groups = []
    for label, color, ls, runs in particle_groups(particles):
        q = an.auto_coarsen(field.edges.size - 1, runs[0].m) if coarsen is None else coarsen
        edges = an.coarsen_edges(field.edges, q)
        clouds = [an.particle_cloud(p, field.coord) for p in runs]
        entry = {"label": label, "color": color, "linestyle": ls, "paths": [p.path for p in runs], "q": q,
                 "edges": edges, "index": [], "time": []}
        acc = {k: [] for k in ("mass_plus", "mass_minus", "density_plus", "density_minus",
                               "total_plus", "total_minus")}
        for i in indices:
            ip = an.nearest_index(runs[0].time, field.time[i])
            entry["index"].append(ip)
            entry["time"].append(runs[0].time[ip])
            hists = [an.particle_marginals(c, ip, edges) for c in clouds]
            masses = [an.particle_masses(c) for c in clouds]
            for k, s in enumerate(("plus", "minus")):
                mass = np.mean([h["mass_" + s] for h in hists], axis=0)
                acc["mass_" + s].append(mass)
                acc["density_" + s].append(mass / np.diff(edges))
                acc["total_" + s].append(np.mean([mm[k][ip] for mm in masses]))
        for k, v in acc.items():
            entry[k] = np.array(v)
        entry["time"] = np.array(entry["time"])
        groups.append(entry)
    return groups


def plot_snapshots(field, path, particles=(), targets=an.SNAPSHOT_TIMES, coarsen=None):
    """τ^± at the output times nearest to `targets` (step curves), particles overlaid."""
    idx = an.snapshot_indices(field.time, targets)
    sym = coord_symbol(field.coord)
    units = field.units.get("tau_plus", "1/rad")
    rel = floor_rel_of(field)
    cmap = matplotlib.colormaps["viridis"]
    colors = [cmap(x) for x in np.linspace(0.0, 0.9, len(idx))]
    hist = snapshot_histograms(field, particles, idx, coarsen)
    fig = Figure(figsize=(11.5, 4.8), layout="constrained")
    axes = fig.subplots(1, 2)
    out = {"indices": np.array(idx), "time": field.time[idx], "edges": field.edges,
           "particles": hist}
    for ax, s in zip(axes, ("plus", "minus")):
        rows = getattr(field, "tau_" + s)[idx]
        out["tau_" + s] = rows
        top = max([np.max(rows)] + [np.max(g["density_" + s]) for g in hist])
        out["floor_" + s] = top * rel
        for k, i in enumerate(idx):
            ax.stairs(rows[k], field.edges, color=colors[k], linewidth=1.8,
                      label="t = %.4g" % field.time[i])
            for g in hist:
                ax.stairs(g["density_" + s][k], g["edges"], color=colors[k], linewidth=1.0,
                          linestyle=g["linestyle"])
        ax.set_yscale("log", nonpositive="mask")
        if top > 0:  # log scale from the floor to just above the highest step
            ax.set_ylim(out["floor_" + s], top * LOG_HEADROOM)
        ax.set_xlabel("%s [rad]" % sym)
        ax.set_ylabel("%s density [%s]" % (SYM[s], units))
        ax.set_xlim(field.edges[0], field.edges[-1])
        ax.set_title("%s: solid PDE%s" % (SYM[s], ", dashed particles" if hist else ""))
        ax.grid(True, which="major", alpha=0.3)
    # outside the axes, right of τ⁻: the curves may fill either panel anywhere
    axes[1].legend(*axes[0].get_legend_handles_labels(), fontsize="small",
                   loc="upper left", bbox_to_anchor=(1.02, 1.0), title="output time")
    plabels = "; ".join("%s, bins of %d cell(s), at t = %s"
                        % (g["label"], g["q"], ", ".join("%.4g" % x for x in g["time"]))
                        for g in hist)
    title = "symflow: snapshots of τ⁺, τ⁻"
    caption = ("Lifted densities τ⁺ (left) and τ⁻ (right) of the form-L PDE (%s) from %s at "
               "t = %s (output times nearest to %s), log scale from %.3g × the panel's maximum%s."
               % (case_summary(field), os.path.basename(field.path),
                  ", ".join("%.4g" % x for x in field.time[idx]),
                  ", ".join("%g" % x for x in targets), rel,
                  "; dashed: histograms of the particle angles weighted by c_i/m per unit "
                  "angle (" + plabels + ")" if hist else ""))
    out["texts"] = save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption, figure=fig)
    return out


def field_alignment_series(field):
    """(alignment, w2_plus, w2_minus, source): the file's series, or computed from the
    densities (analysis.field_alignment / field_w2) for each one the file lacks."""
    s = field.series
    src = {}
    a = s.get("alignment")
    src["alignment"] = "file" if a is not None else "computed"
    if a is None:
        a = an.field_alignment(field.tau_plus, field.tau_minus, field.edges)
    wp = s.get("w2_plus")
    src["w2_plus"] = "file" if wp is not None else "computed"
    if wp is None:
        wp = an.field_w2(field.tau_plus, field.edges, field.coord, "aligned")
    wm = s.get("w2_minus")
    src["w2_minus"] = "file" if wm is not None else "computed"
    if wm is None:
        wm = an.field_w2(field.tau_minus, field.edges, field.coord, "orthogonal")
    return a, wp, wm, src


def plot_alignment(field, path, particles=(), compares=()):
    """A(t) and W₂(τ⁺/|τ⁺|, δ_0), W₂(τ⁻/|τ⁻|, δ_{π/2}); W₁ from compare files."""
    log_time = an.spans_decades(field.time)
    w1 = [c for c in compares if "w1_plus" in c.series or "w1_minus" in c.series]
    ncols = 3 if w1 else 2
    fig = Figure(figsize=(5.4 * ncols, 4.6), layout="constrained")
    axes = fig.subplots(1, ncols)
    mask = time_mask(field.time, log_time)
    t = field.time[mask]
    a, wp, wm, src = field_alignment_series(field)
    out = {"log_time": log_time, "time_mask": mask, "time": t, "alignment": a[mask],
           "w2_plus": wp[mask], "w2_minus": wm[mask], "source": src, "particles": [],
           "compare": []}
    axa, axw = axes[0], axes[1]
    axa.plot(t, a[mask], color="black", linewidth=2, label="PDE")
    axw.plot(t, wp[mask], color=COLOR["plus"], linewidth=2, label=r"$\tau^+$ to %s, PDE" % DELTA0)
    axw.plot(t, wm[mask], color=COLOR["minus"], linewidth=2, label=r"$\tau^-$ to %s, PDE" % DELTA90)
    for label, color, ls, runs in particle_groups(particles):
        pm = time_mask(runs[0].time, log_time)
        tp = runs[0].time[pm]
        clouds = [an.particle_cloud(p, field.coord) for p in runs]
        entry = {"label": label, "paths": [p.path for p in runs], "time": tp}
        for name, fn in (("alignment", an.particle_alignment),
                         ("w2_plus", lambda c: an.particle_w2(c, 1, "aligned")),
                         ("w2_minus", lambda c: an.particle_w2(c, -1, "orthogonal"))):
            runs_v = np.array([fn(c)[pm] for c in clouds])
            if name == "alignment":
                lo, hi, mean = _band(axa, tp, runs_v, color, label)
            else:
                s = name[3:]
                lo, hi, mean = _band(axw, tp, runs_v, COLOR[s],
                                     "%s, %s" % (SYM[s], label), ls)
            entry.update({name + "_runs": runs_v, name + "_min": lo, name + "_max": hi,
                          name + "_mean": mean})
        out["particles"].append(entry)
    set_time_axis(axa, log_time, field.time)
    axa.set_ylabel(r"$A = \int \sin^2\theta\, d(\tau^+ + \tau^-) / |\tau^+ + \tau^-|$")
    axa.set_ylim(bottom=0)
    axa.set_title("alignment with H (→ 0 when aligned)")
    axa.grid(True, alpha=0.3)
    axa.legend(fontsize="small")
    set_time_axis(axw, log_time, field.time)
    axw.set_ylabel(r"$W_2$ [rad]")
    axw.set_ylim(bottom=0)
    axw.set_title(r"$W_2(\tau^+/|\tau^+|$, %s),  $W_2(\tau^-/|\tau^-|$, %s)" % (DELTA0, DELTA90))
    axw.grid(True, alpha=0.3)
    axw.legend(fontsize="small")
    if w1:
        ax3 = axes[2]
        for i, c in enumerate(w1):
            cm = time_mask(c.time, log_time)
            entry = {"label": c.label, "time": c.time[cm]}
            for s in ("plus", "minus"):
                if "w1_" + s in c.series:
                    ax3.plot(c.time[cm], c.series["w1_" + s][cm], color=COLOR[s],
                             linestyle=COMPARE_STYLES[i % len(COMPARE_STYLES)],
                             label=r"$W_1$ %s marginals %s" % (SYM[s], c.label))
                    entry["w1_" + s] = c.series["w1_" + s][cm]
            out["compare"].append(entry)
        ax3.set_yscale("log", nonpositive="mask")
        set_time_axis(ax3, log_time, field.time)
        ax3.set_ylabel(r"$W_1$ [rad]")
        ax3.set_title(r"$W_1$ marginals, particles vs PDE")
        ax3.grid(True, which="major", alpha=0.3)
        ax3.legend(fontsize="small")
    computed = [k for k, v in src.items() if v == "computed"]
    title = "symflow: alignment A(t) and W₂ distances"
    caption = ("Left: alignment A(t) = ∫ sin²θ d(τ⁺+τ⁻)/|τ⁺+τ⁻|; middle: W₂ of τ⁺/|τ⁺| to "
               "δ_{θ=0} (blue) and of τ⁻/|τ⁻| to δ_{θ=π/2} (red), form-L PDE (%s) from %s%s%s%s."
               % (case_summary(field), os.path.basename(field.path),
                  " (%s computed from the densities, absent from the file)"
                  % ", ".join(computed) if computed else "",
                  "; dashed: particles%s" % band_note(particles) if particles else "",
                  "; right: W₁ distances of the marginals from the compare files" if w1
                  else ""))
    out["texts"] = save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption, figure=fig)
    return out


#: File names of the figures of `plot`, in drawing order.
FIGURE_NAMES = ("risk.png", "masses.png", "density_heatmap.png", "snapshots.png",
                "alignment.png")


def plot_all(field, outdir, particles=(), compares=(), fmt="png"):
    """Every figure of figure_names(field, fmt) into `outdir` (FIGURE_NAMES for a form-L
    field, FIGURE_NAMES_T for form T, FIGURE_NAMES_ODE for ode, FIGURE_NAMES_HEMI for the
    d_H = 2 hemisphere, plots_h.FIGURE_NAMES_H for form H, with the extension of `fmt`: png, pdf or svg), all or none (the data
    are checked first, check_finite or check_finite_form, and the files land together,
    atomic.batch); returns {file name: returned dict}."""
    names = figure_names(field, fmt)
    if hasattr(field, "N0"):   # form H (plots_h.py)
        from . import plots_h
        plots_h.check_finite_h(field, particles)
        with atomic.batch():
            return plots_h.plot_all_h(field, outdir, particles, compares, names)
    if hasattr(field, "phi_edges"):                             # the d_H = 2 hemisphere
        check_finite_form(field, particles)
        for name in ("tau_plus", "tau_minus"):
            _first_bad(field.path, name, getattr(field, name))
        with atomic.batch():
            return _plot_hemi(field, outdir, particles, compares, names)
    if hasattr(field, "marginals") or hasattr(field, "w_star"):   # form T or ode
        check_finite_form(field, particles)
        draw = _plot_transport if hasattr(field, "marginals") else _plot_ode
        with atomic.batch():
            return draw(field, outdir, particles, compares, names)
    check_finite(field, particles)
    with atomic.batch():
        return _plot_all(field, outdir, particles, compares, names)


def _plot_all(field, outdir, particles, compares, names):
    j = lambda n: os.path.join(outdir, n)
    return {names[0]: plot_risk(field, j(names[0]), particles, compares),
            names[1]: plot_masses(field, j(names[1]), particles, compares),
            names[2]: plot_heatmap(field, j(names[2])),
            names[3]: plot_snapshots(field, j(names[3]), particles),
            names[4]: plot_alignment(field, j(names[4]), particles, compares)}


# ---- forms T and ode ------------------------------------------------------------------------
#
# A form-T field (io.TransportData, d_H = 1) and an ode field (io.OdeData) get their own
# figures; plot_all picks them by the type of the field (FORM_FIGURES). Their time axes are
# symlog with the linear range up to the first positive output time, so t = 0 is drawn.

#: File names of the figures of `plot` for a form-T field, in drawing order.
FIGURE_NAMES_T = ("risk.png", "conservation.png", "marginals.png", "density_au.png")
#: File names of the figures of `plot` for an ode field, in drawing order.
FIGURE_NAMES_ODE = ("risk.png", "w_error.png")
#: Coordinates of a form-T field and their axis labels.
T_LABELS = {"a": r"$a$ (output weight)", "u": r"$u = \langle b, e_1\rangle$",
            "r": r"$r = |b_\perp|$"}


def set_symlog_time(ax, time):
    """Time axis symlog from 0: linear up to the first positive output time, then log, so
    t = 0 and the decades after it are both visible. Returns the linear threshold."""
    t = np.asarray(time, dtype=float)
    pos = t[t > 0]
    thresh = float(pos.min()) if pos.size else 1.0
    ax.set_xscale("symlog", linthresh=thresh)
    ax.set_xlabel("t (gradient-flow time; symlog, linear below %.3g)" % thresh)
    ax.set_xlim(left=0.0)
    return thresh


def particle_aur(p):
    """(a, u, r) of a particle run, each (nt, m): u = b·e₁ and r = |b_⊥| from the full b and
    its basis (d_H = 1), or the stored u and r."""
    if p.u is not None:
        return p.a, p.u[:, :, 0], p.r
    bh = np.einsum("tmd,hd->tmh", p.b, p.basis)
    perp = p.b - np.einsum("tmh,hd->tmd", bh, p.basis)
    return p.a, bh[:, :, 0], np.sqrt(np.sum(perp * perp, axis=2))


def particle_w(p):
    """(nt, d_H) w = ½ (1/m) Σ a_i b_i projected on H, in the basis of H."""
    bh = p.u if p.u is not None else np.einsum("tmd,hd->tmh", p.b, p.basis)
    return 0.5 * np.mean(p.a[:, :, None] * bh, axis=1)


def check_finite_form(field, particles=()):
    """check_finite for a form-T or ode field: time, risk, the marginals or w, w*, and the
    particle runs."""
    _first_bad(field.path, "time", field.time)
    _first_bad(field.path, "risk", field.series.get("risk"))
    for x, v in getattr(field, "marginals", {}).items():
        _first_bad(field.path, "density_" + x, v)
    for name in ("w", "w_star"):
        _first_bad(field.path, name, getattr(field, name, None))
    for p in particles:
        for name in ("time", "a", "b", "u", "r", "risk"):
            _first_bad(p.path, name, getattr(p, name))


def _form_name(field):
    if hasattr(field, "form_name"):
        return field.form_name
    if hasattr(field, "phi_edges"):
        return "form L on the hemisphere"
    return "form T" if hasattr(field, "marginals") else "form ode"


def plot_form_risk(field, path, particles=(), compares=()):
    """R(t) of a form-T or ode field on log y over symlog t, particle risks, risk gaps."""
    ncols = 2 if compares else 1
    fig = Figure(figsize=(6.4 * ncols, 4.6), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    ax = axes[0]
    risk = field.series["risk"]
    ax.plot(field.time, risk, color="black", linewidth=2, label="PDE (%s)" % _form_name(field))
    out = {"time": field.time, "risk": risk, "particles": [], "compare": []}
    for i, p in enumerate(particles):
        ax.plot(p.time, p.risk, color=GROUP_COLORS[i % len(GROUP_COLORS)], linestyle="--",
                label=p.label)
        out["particles"].append({"label": p.label, "path": p.path, "time": p.time,
                                 "risk": p.risk})
    ax.set_yscale("log", nonpositive="mask")
    out["linthresh"] = set_symlog_time(ax, field.time)
    ax.set_ylabel(r"$R(\mu_t)$")
    ax.set_title("risk (M2)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small")
    if compares:
        ax2 = axes[1]
        for i, c in enumerate(compares):
            if "risk_gap" not in c.series:
                continue
            gap = c.series["risk_gap"]
            ax2.plot(c.time, np.abs(gap), color=GROUP_COLORS[i % len(GROUP_COLORS)],
                     label=c.label)
            out["compare"].append({"label": c.label, "time": c.time, "risk_gap": gap,
                                   "drawn": np.abs(gap)})
        ax2.set_yscale("log", nonpositive="mask")
        set_symlog_time(ax2, field.time)
        ax2.set_ylabel(r"$|R_m(t) - R(t)|$")
        ax2.set_title("risk gap, particles − PDE")
        ax2.grid(True, which="major", alpha=0.3)
        if out["compare"]:
            ax2.legend(fontsize="small")
    title = "symflow: risk R(t)"
    caption = ("Risk R(t) of the %s solution (%s) from %s, log scale, symlog time axis "
               "(t = 0 drawn)%s%s." % (_form_name(field), case_summary(field),
                                       os.path.basename(field.path),
                                       "; dashed: particle runs" if particles else "",
                                       "; right: |risk gap| from the compare files"
                                       if compares else ""))
    out["texts"] = save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption, figure=fig)
    return out


def plot_conservation(field, path):
    """Drift of the conserved mass (I1) and balance (I3) of a form-T field from t = 0."""
    fig = Figure(figsize=(6.4, 4.6), layout="constrained")
    ax = fig.subplots()
    out = {"time": field.time}
    for name, color in (("mass", "tab:blue"), ("balance", "tab:red")):
        if name not in field.series:
            continue
        v = field.series[name]
        drift = v - v[0]
        ax.plot(field.time, drift, color=color, linewidth=1.8,
                label="%s(t) − %s(0)" % (name, name))
        out[name] = v
        out[name + "_drift"] = drift
    ax.set_yscale("symlog", linthresh=1e-12)
    set_symlog_time(ax, field.time)
    ax.set_ylabel("drift from t = 0 (symlog, linear below 1e-12)")
    ax.set_title("conserved quantities: mass (I1), balance (I3)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small")
    title = "symflow: mass and balance drift"
    caption = ("Drift of the mass ∫ n (I1) and of the balance ∫ (a² − u² − r²) n (I3) of the "
               "form-T solution (%s) from %s since t = 0." % (case_summary(field),
                                                             os.path.basename(field.path)))
    out["texts"] = save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption, figure=fig)
    return out


def plot_marginals(field, path, particles=()):
    """The marginals of n in a, u, r at the first, middle and last output times (step
    curves), particle histograms (weights 1/m per unit length, on the field's cells)
    dashed at the particle output times nearest to those."""
    nt = field.time.size
    idx = sorted({0, nt // 2, nt - 1})
    cmap = matplotlib.colormaps["viridis"]
    colors = [cmap(x) for x in np.linspace(0.0, 0.9, len(idx))]
    fig = Figure(figsize=(15.0, 4.6), layout="constrained")
    axes = fig.subplots(1, 3)
    out = {"indices": np.array(idx), "time": field.time[idx], "particles": []}
    clouds = [(p, particle_aur(p)) for p in particles]
    for x, ax in zip(("a", "u", "r"), axes):
        edges = field.edges[x]
        rows = field.marginals[x][idx]
        out["density_" + x] = rows
        out["edges_" + x] = edges
        for k, i in enumerate(idx):
            ax.stairs(rows[k], edges, color=colors[k], linewidth=1.8,
                      label="t = %.4g" % field.time[i])
        # zoom on the cells holding mass (the box is sized for the tails): above 1e-6 × max
        live = np.nonzero(np.max(rows, axis=0) > 1e-6 * np.max(rows))[0]
        if live.size:
            out["xlim_" + x] = (edges[live[0]], edges[live[-1] + 1])
            ax.set_xlim(*out["xlim_" + x])
        ax.set_xlabel(T_LABELS[x])
        ax.set_ylabel("marginal density")
        ax.set_title("marginal in %s" % x)
        ax.grid(True, alpha=0.3)
    for j, (p, aur) in enumerate(clouds):
        entry = {"label": p.label, "path": p.path, "index": [], "time": []}
        for k, i in enumerate(idx):
            ip = an.nearest_index(p.time, field.time[i])
            entry["index"].append(ip)
            entry["time"].append(p.time[ip])
        for c, (x, ax) in enumerate(zip(("a", "u", "r"), axes)):
            edges = field.edges[x]
            hist = []
            for k, ip in enumerate(entry["index"]):
                mass, _ = np.histogram(aur[c][ip], bins=edges,
                                       weights=np.full(p.m, 1.0 / p.m))
                dens = mass / np.diff(edges)
                hist.append(dens)
                ax.stairs(dens, edges, color=colors[k], linewidth=1.0,
                          linestyle=GROUP_STYLES[j % len(GROUP_STYLES)])
            entry["density_" + x] = np.array(hist)
        entry["time"] = np.array(entry["time"])
        out["particles"].append(entry)
    axes[2].legend(fontsize="small", loc="upper right", title="output time")
    title = "symflow: marginals of n in a, u, r"
    caption = ("Marginal densities of the form-T solution (%s) from %s in a, u, r at t = %s "
               "(solid)%s." % (case_summary(field), os.path.basename(field.path),
                               ", ".join("%.4g" % t for t in field.time[idx]),
                               "; dashed: particle histograms on the same cells, weights 1/m "
                               "per unit length (%s)" % ", ".join(p.label for p in particles)
                               if particles else ""))
    out["texts"] = save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption, figure=fig)
    return out


def plot_density_au(field, path):
    """The (a, u) marginal ∫ n dr at the first and last output times, log colour scale."""
    wr = np.diff(field.edges["r"])
    idx = sorted({0, field.time.size - 1})
    au = np.einsum("tauk,k->tau", field.density[idx], wr)
    vmax = float(np.max(au))
    if not vmax > 0:
        raise ValueError("%s: density ≤ 0 everywhere: nothing to draw on a log scale"
                         % field.path)
    floor = vmax * floor_rel_of(field)
    norm = LogNorm(vmin=floor, vmax=vmax)
    fig = Figure(figsize=(5.6 * len(idx) + 1.0, 4.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(idx), sharey=True))
    out = {"indices": np.array(idx), "time": field.time[idx], "density_au": au,
           "edges_a": field.edges["a"], "edges_u": field.edges["u"], "floor": floor,
           "vmax": vmax}
    mesh = None
    for k, ax in enumerate(axes):
        mesh = ax.pcolormesh(field.edges["a"], field.edges["u"], np.maximum(au[k], floor).T,
                             norm=norm, cmap="viridis", shading="flat")
        ax.set_xlabel(T_LABELS["a"])
        ax.set_title(r"$\int n\, dr$ at t = %.4g" % field.time[idx[k]])
    axes[0].set_ylabel(T_LABELS["u"])
    fig.colorbar(mesh, ax=list(axes)).set_label("density in (a, u)")
    title = "symflow: (a, u) marginal of n"
    caption = ("The (a, u) marginal ∫ n dr of the form-T solution (%s) from %s at the first "
               "and last output times, log colour scale from %.3g to %.3g."
               % (case_summary(field), os.path.basename(field.path), floor, vmax))
    out["texts"] = save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption, figure=fig)
    return out


def plot_w_error(field, path, particles=(), compares=()):
    """|w − w*|(t) of an ode field on log y over symlog t; the particles' |w_m − w*| and, from
    compare files, |w_m − w|."""
    fig = Figure(figsize=(6.4, 4.6), layout="constrained")
    ax = fig.subplots()
    err = np.linalg.norm(field.w - field.w_star, axis=1)
    ax.plot(field.time, err, color="black", linewidth=2, label=r"$|w - w^*|$, ODE")
    out = {"time": field.time, "w_error": err, "particles": [], "compare": []}
    for i, p in enumerate(particles):
        wp = particle_w(p)
        ws = np.array([field.w_star[an.nearest_index(field.time, t)] for t in p.time])
        perr = np.linalg.norm(wp - ws, axis=1)
        ax.plot(p.time, perr, color=GROUP_COLORS[i % len(GROUP_COLORS)], linestyle="--",
                label=r"$|w_m - w^*|$, %s" % p.label)
        out["particles"].append({"label": p.label, "path": p.path, "time": p.time, "w": wp,
                                 "w_error": perr})
    for i, c in enumerate(compares):
        if "w_gap" in c.series:
            ax.plot(c.time, c.series["w_gap"], color=GROUP_COLORS[i % len(GROUP_COLORS)],
                    linestyle=":", label=r"$|w_m - w|$, compare %s" % c.label)
            out["compare"].append({"label": c.label, "time": c.time,
                                   "w_gap": c.series["w_gap"]})
    ax.set_yscale("log", nonpositive="mask")
    set_symlog_time(ax, field.time)
    ax.set_ylabel(r"$|w - w^*|$ (Euclidean, basis of $H$)")
    ax.set_title(r"distance of $w$ to the target $w^*$ (M8)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small")
    title = "symflow: |w − w*|(t)"
    caption = ("Distance |w − w*| of the ODE solution (%s) from %s over symlog time (t = 0 "
               "drawn)%s%s." % (case_summary(field), os.path.basename(field.path),
                                "; dashed: the particles' w_m = (1/2m) Σ a_i P_H b_i against "
                                "w* at the nearest field time" if particles else "",
                                "; dotted: |w_m − w| of the compare files" if compares
                                else ""))
    out["texts"] = save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption, figure=fig)
    return out


def _plot_transport(field, outdir, particles, compares, names):
    j = lambda n: os.path.join(outdir, n)
    return {names[0]: plot_form_risk(field, j(names[0]), particles, compares),
            names[1]: plot_conservation(field, j(names[1])),
            names[2]: plot_marginals(field, j(names[2]), particles),
            names[3]: plot_density_au(field, j(names[3]))}


def _plot_ode(field, outdir, particles, compares, names):
    j = lambda n: os.path.join(outdir, n)
    return {names[0]: plot_form_risk(field, j(names[0]), particles, compares),
            names[1]: plot_w_error(field, j(names[1]), particles, compares)}


# ---- form L on the d_H = 2 hemisphere (io.HemiData, docs/math.md §4.8) --------------------

#: File names of the figures of `plot` for a hemisphere field, in drawing order.
FIGURE_NAMES_HEMI = ("risk.png", "masses.png", "disk.png")


def plot_hemi_masses(field, path):
    """|τ⁺|, |τ⁻| and the alignment A(t) of a hemisphere field."""
    fig = Figure(figsize=(6.4, 4.6), layout="constrained")
    ax = fig.subplots()
    out = {"time": field.time}
    for name, color in (("mass_plus", "tab:red"), ("mass_minus", "tab:blue"),
                        ("alignment", "tab:gray")):
        if name in field.series:
            ax.plot(field.time, field.series[name], color=color, linewidth=1.8, label=name)
            out[name] = field.series[name]
    set_symlog_time(ax, field.time)
    ax.set_title("masses |τ⁺|, |τ⁻| and alignment")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small")
    title = "symflow: masses on the hemisphere"
    caption = ("Masses of τ⁺ and τ⁻ and the alignment ∫ sin²θ d(τ⁺ + τ⁻)/mass (→ 0 when the "
               "neurons align with H) of the hemisphere solution (%s) from %s."
               % (case_summary(field), os.path.basename(field.path)))
    save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption)
    return out


def plot_hemi_disk(field, path):
    """τ⁺ and τ⁻ at the first, middle and last output drawn in the unit-disk chart
    z = cos θ (cos φ, sin φ) of the hemisphere (the pole θ = π/2 is the centre, H's circle
    θ = 0 the rim), one colour per cell: its density per dθ dφ."""
    nt = field.time.size
    idx = sorted({0, nt // 2, nt - 1})
    fig = Figure(figsize=(3.6 * len(idx), 6.6), layout="constrained")
    axes = fig.subplots(2, len(idx), squeeze=False)
    rho = np.cos(field.theta_edges)[:, None]
    x, y = rho * np.cos(field.phi_edges)[None, :], rho * np.sin(field.phi_edges)[None, :]
    dth, dph = np.diff(field.theta_edges), np.diff(field.phi_edges)
    area = dth[:, None] * dph[None, :]
    out = {"indices": idx, "times": field.time[idx], "mass_drawn": {}}
    for row, name in enumerate(("tau_plus", "tau_minus")):
        tau = getattr(field, name)
        vmax = float(tau[idx].max()) if tau[idx].size else 1.0
        for col, k in enumerate(idx):
            ax = axes[row][col]
            m = ax.pcolormesh(x, y, tau[k], cmap="magma", shading="flat",
                              norm=PowerNorm(0.5, vmin=0.0, vmax=vmax))
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title("%s, t = %.3g" % ("τ⁺" if row == 0 else "τ⁻", field.time[k]),
                         fontsize="small")
            out["mass_drawn"][(name, int(k))] = float(np.sum(tau[k] * area))
        fig.colorbar(m, ax=list(axes[row]), shrink=0.8, label="%s per dθ dφ" % name)
    title = "symflow: densities on the hemisphere"
    caption = ("τ⁺ (top) and τ⁻ (bottom) of the hemisphere solution (%s) from %s in the unit-"
               "disk chart z = cos θ (cos φ, sin φ): centre = the pole θ = π/2 (orthogonal to "
               "H), rim = θ = 0 (aligned with H); colour: density per dθ dφ, square-root scale."
               % (case_summary(field), os.path.basename(field.path)))
    save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption)
    return out


def _plot_hemi(field, outdir, particles, compares, names):
    j = lambda n: os.path.join(outdir, n)
    return {names[0]: plot_form_risk(field, j(names[0]), particles, compares),
            names[1]: plot_hemi_masses(field, j(names[1])),
            names[2]: plot_hemi_disk(field, j(names[2]))}


def figure_names(field, fmt="png"):
    """The file names `plot` writes for this field, in drawing order, with the extension of
    format `fmt` (FORMATS)."""
    if hasattr(field, "phi_edges"):
        return tuple(with_format(n, fmt) for n in FIGURE_NAMES_HEMI)
    if hasattr(field, "N0"):
        from .plots_h import FIGURE_NAMES_H
        return tuple(with_format(n, fmt) for n in FIGURE_NAMES_H)
    if hasattr(field, "marginals"):
        names = FIGURE_NAMES_T
    elif hasattr(field, "w_star"):
        names = FIGURE_NAMES_ODE
    else:
        names = FIGURE_NAMES
    return tuple(with_format(n, fmt) for n in names)
