"""paper — the 1-D figures of Hajjar & Chizat (2023), PDE beside particles (MATH.md §4.3, §7).

What it does: for a form-L field file of the paper-norm problem (or any 1-D form-L case)
and one or more particle runs of the same case, draws on the same axes what the solver
(lines, bars) and the particles (markers, dashed lines) say: histograms of τ⁺ and τ⁻ over
the angle at t ∈ {0, 0.5, 5, 50, 100}, the masses |τ^±|(t) on a log scale with α of (L4),
and the loss R(t). Each function saves a PNG, PDF or SVG (by the path's extension; caption
in its metadata) and returns the arrays drawn, like plots.py.
What it does not do: read files (io.py) or compute the marginals (analysis.py).
"""

import os

import numpy as np
from matplotlib.figure import Figure

from . import analysis as an
from . import atomic
from .plots import (ABS, COLOR, SYM, case_summary, check_finite, coord_symbol, save,
                    set_time_axis, snapshot_histograms, time_mask, particle_groups,
                    with_format)

#: Line width of the τ⁻ outline drawn over the filled τ⁺ histogram.
HIST_OUTLINE_WIDTH = 1.8
#: Top of the histogram panels as a multiple of the highest bar: room for the masses text.
HIST_HEADROOM = 1.3
#: Markers of the particle groups (one shape per group), drawn over the PDE's lines.
GROUP_MARKERS = ("o", "s", "^", "D", "v", "P")
#: About this many markers per particle curve on the time axes (markevery).
MARKERS_PER_CURVE = 24

#: File names written by the `paper` command.
PAPER_NAMES = ("paper_fig_histograms.png", "paper_fig_masses.png", "paper_fig_loss.png")


def paper_names(fmt="png"):
    """PAPER_NAMES with the extension of format `fmt` (plots.FORMATS)."""
    return tuple(with_format(n, fmt) for n in PAPER_NAMES)


def runs_label(runs):
    """'particles m=1024, 1 run' / 'particles m=256, 3 runs'."""
    return "particles m=%d, %d run%s" % (runs[0].m, len(runs), "" if len(runs) == 1 else "s")


def _markevery(n):
    return max(1, n // MARKERS_PER_CURVE)


def paper_histograms(field, particles, path, targets=an.SNAPSHOT_TIMES, coarsen=None):
    """One panel per time: τ^± of the PDE as histograms (τ⁺ filled, τ⁻ an outline) and the
    c-weighted particle histograms as markers at the bin centres, on the SAME axes.

    Both use the particles' bins (the field's faces, merged by analysis.auto_coarsen unless
    `coarsen` is given): the PDE cell masses are summed into those bins, so a marker sits
    on its PDE bar when the two agree."""
    idx = an.snapshot_indices(field.time, targets)
    hist = snapshot_histograms(field, particles, idx, coarsen)
    bins = hist[0]["edges"] if hist else field.edges
    sym = coord_symbol(field.coord)
    units = field.units.get("tau_plus", "1/rad")
    k = len(idx)
    fig = Figure(figsize=(3.0 * k + 0.8, 3.8), layout="constrained")
    axes = fig.subplots(1, k, sharex=True, squeeze=False)[0]
    out = {"indices": np.array(idx), "time": field.time[idx], "edges": field.edges,
           "bins": bins, "particles": hist}
    for s in ("plus", "minus"):
        out["tau_" + s] = getattr(field, "tau_" + s)[idx]
        out["tau_%s_binned" % s] = an.rebin_density(out["tau_" + s], field.edges, bins)
    for j, i in enumerate(idx):
        ax = axes[j]
        # τ⁺ filled, τ⁻ an unfilled outline drawn over it: where the two coincide (t = 0,
        # τ⁺ = τ⁻ = τ₀/2) both stay visible instead of blending into one colour
        for s in ("plus", "minus"):
            fill = s == "plus"
            if fill:
                ax.stairs(out["tau_%s_binned" % s][j], bins, fill=True, alpha=0.35,
                          color=COLOR[s], label="%s PDE" % SYM[s])
            ax.stairs(out["tau_%s_binned" % s][j], bins, color=COLOR[s],
                      linewidth=1.0 if fill else HIST_OUTLINE_WIDTH,
                      label=None if fill else "%s PDE" % SYM[s])
            for g_no, g in enumerate(hist):
                centres = 0.5 * (g["edges"][1:] + g["edges"][:-1])
                ax.plot(centres, g["density_" + s][j], linestyle="none",
                        marker=GROUP_MARKERS[g_no % len(GROUP_MARKERS)],
                        markerfacecolor="none" if not fill else COLOR[s],
                        markeredgecolor=COLOR[s], markersize=5,
                        label="%s %s" % (SYM[s], g["label"]))
        # the masses in words: τ⁻ is often a thin sliver beside τ⁺ on a shared linear scale
        lines = ["PDE: %s = %.3g, %s = %.3g" % (ABS["plus"], field.series["mass_plus"][i],
                                                ABS["minus"], field.series["mass_minus"][i])]
        for g in hist:
            lines.append("part.: %s = %.3g, %s = %.3g" % (ABS["plus"], g["total_plus"][j],
                                                         ABS["minus"], g["total_minus"][j]))
        ax.text(0.97, 0.96, "\n".join(lines), transform=ax.transAxes, ha="right", va="top",
                fontsize="x-small")
        ax.set_title("t = %.4g" % field.time[i] + ("" if not hist else
                     " (particles %.4g)" % hist[0]["time"][j]))
        ax.set_xlabel("%s [rad]" % sym)
        ax.set_xlim(field.edges[0], field.edges[-1])
        lo, hi = ax.get_ylim()   # head room for the masses above the highest bar
        ax.set_ylim(0.0, hi * HIST_HEADROOM)
    out["masses_pde"] = np.array([[field.series["mass_" + s][i] for s in ("plus", "minus")]
                                  for i in idx])
    axes[0].set_ylabel("density [%s]" % units)
    # outside, right of the last panel: the bars fill the panels anywhere
    axes[-1].legend(*axes[0].get_legend_handles_labels(), fontsize="x-small",
                    loc="upper left", bbox_to_anchor=(1.02, 1.0))
    title = "symflow paper figure: histograms of τ⁺, τ⁻"
    caption = ("Lifted densities of τ⁺ (blue) and τ⁻ (red) over %s at t = %s, PDE and particles "
               "on the same axes: bars, the form-L PDE (%s) from %s, its cell masses summed "
               "into the particles' bins (τ⁺ filled, τ⁻ an outline); markers at the bin "
               "centres, histograms of the particle angles weighted by c_i/m per unit angle "
               "(%s; filled τ⁺, open τ⁻); the masses |τ^±| written in each panel."
               % (sym, ", ".join("%.4g" % t for t in field.time[idx]), case_summary(field),
                  os.path.basename(field.path),
                  "; ".join("%s, bins of %d cell(s)" % (g["label"], g["q"]) for g in hist)))
    out["texts"] = save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption, figure=fig)
    return out


def paper_masses(field, particles, path):
    """|τ^±|(t) on log y: PDE (solid) and particle runs (dashed, markers) on one axes, α of
    (L4) dotted; symlog time (t = 0 drawn) when the outputs span decades."""
    log_time = an.spans_decades(field.time)
    fig = Figure(figsize=(7.2, 4.6), layout="constrained")
    ax = fig.subplots()
    mask = time_mask(field.time, log_time)
    out = {"log_time": log_time, "time": field.time[mask], "alpha": field.minimiser_mass,
           "particles": []}
    for s in ("plus", "minus"):
        out["mass_" + s] = field.series["mass_" + s][mask]
        ax.plot(out["time"], out["mass_" + s], color=COLOR[s], linewidth=2,
                label="%s PDE" % ABS[s])
    for g_no, (_, color, _, runs) in enumerate(particle_groups(particles)):
        label = runs_label(runs)
        pm = time_mask(runs[0].time, log_time)
        entry = {"label": label, "time": runs[0].time[pm]}
        for p_no, p in enumerate(runs):
            mp, mm = an.particle_masses(an.particle_cloud(p, field.coord))
            for s, v in (("plus", mp), ("minus", mm)):
                entry.setdefault("mass_%s_runs" % s, []).append(v[pm])
                ax.plot(entry["time"], v[pm], color=COLOR[s], linewidth=1.0, alpha=0.9,
                        linestyle="--", marker=GROUP_MARKERS[g_no % len(GROUP_MARKERS)],
                        markersize=3.5, markevery=_markevery(entry["time"].size),
                        markerfacecolor="none",
                        label="%s %s" % (ABS[s], label) if p_no == 0 else None)
        for s in ("plus", "minus"):
            entry["mass_%s_runs" % s] = np.array(entry["mass_%s_runs" % s])
        out["particles"].append(entry)
    if out["alpha"] is not None:
        ax.axhline(out["alpha"], color="black", linestyle=":",
                   label=r"$\alpha$ = %.6g (L4)" % out["alpha"])
    ax.set_yscale("log", nonpositive="mask")
    set_time_axis(ax, log_time, field.time)
    ax.set_title("masses, PDE (solid) and particles (dashed)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_ylabel(r"mass $|\tau^\pm|$")
    title = "symflow paper figure: masses |τ⁺|, |τ⁻|"
    caption = ("Masses |τ⁺| (blue) and |τ⁻| (red) on a log scale, one axes: solid, the form-L "
               "PDE (%s) from %s; dashed with markers, the particle runs ((1/m) Σ c_i per "
               "sign, one line per run)%s%s."
               % (case_summary(field), os.path.basename(field.path),
                  "; dotted: α = %.6g of (L4)" % out["alpha"] if out["alpha"] is not None
                  else "",
                  "; symlog time axis (linear up to the first positive output, t = 0 drawn)"
                  if log_time else ""))
    out["texts"] = save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption, figure=fig)
    return out


def paper_loss(field, particles, path):
    """R(t) on log y: PDE (solid) and particle runs (dashed, markers) on one axes."""
    log_time = an.spans_decades(field.time)
    fig = Figure(figsize=(7.2, 4.6), layout="constrained")
    ax = fig.subplots()
    mask = time_mask(field.time, log_time)
    out = {"log_time": log_time, "time": field.time[mask],
           "risk": field.series["risk"][mask], "particles": []}
    ax.plot(out["time"], out["risk"], color="black", linewidth=2, label="R, PDE (form L)")
    for g_no, (_, color, _, runs) in enumerate(particle_groups(particles)):
        label = runs_label(runs)
        pm = time_mask(runs[0].time, log_time)
        rr = np.array([p.risk[pm] for p in runs])
        for p_no in range(rr.shape[0]):
            ax.plot(runs[0].time[pm], rr[p_no], color=color, linewidth=1.0, linestyle="--",
                    marker=GROUP_MARKERS[g_no % len(GROUP_MARKERS)], markersize=3.5,
                    markevery=_markevery(rr.shape[1]), markerfacecolor="none",
                    label="R, %s" % label if p_no == 0 else None)
        out["particles"].append({"label": label, "time": runs[0].time[pm], "risk_runs": rr})
    ax.set_yscale("log", nonpositive="mask")
    set_time_axis(ax, log_time, field.time)
    ax.set_title("loss, PDE (solid) and particles (dashed)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_ylabel(r"$R(\mu_t)$")
    title = "symflow paper figure: loss R(t)"
    caption = ("Loss R(t) on a log scale, one axes: solid, the form-L PDE (%s) from %s; "
               "dashed with markers, the particle runs (one line per run)%s."
               % (case_summary(field), os.path.basename(field.path),
                  "; symlog time axis (linear up to the first positive output, t = 0 drawn)"
                  if log_time else ""))
    out["texts"] = save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption, figure=fig)
    return out


def paper_all(field, particles, outdir, fmt="png"):
    """The three paper figures into `outdir` in format `fmt` (png, pdf, svg), all or none
    (plots.check_finite first, atomic.batch); returns {file name: returned dict}, the names
    of paper_names(fmt)."""
    names = paper_names(fmt)
    check_finite(field, particles)
    with atomic.batch():
        return _paper_all(field, particles, outdir, names)


def _paper_all(field, particles, outdir, names):
    return {
        names[0]: paper_histograms(field, particles, os.path.join(outdir, names[0])),
        names[1]: paper_masses(field, particles, os.path.join(outdir, names[1])),
        names[2]: paper_loss(field, particles, os.path.join(outdir, names[2])),
    }
