"""paper — the 1-D figures of Hajjar & Chizat (2023), PDE beside particles (MATH.md §4.3, §7).

What it does: for a form-L field file of the paper-norm problem (or any 1-D form-L case)
and one or more particle runs of the same case, draws side by side what the solver and the
particles say: histograms of τ⁺ and τ⁻ over the angle at t ∈ {0, 0.5, 5, 50, 100}, the
masses |τ^±|(t) on a log scale with α of (L4), and the loss R(t). Each function saves a
PNG (caption in its metadata) and returns the arrays drawn, like plots.py.
What it does not do: read files (io.py) or compute the marginals (analysis.py).
"""

import os

import numpy as np
from matplotlib.figure import Figure

from . import analysis as an
from . import atomic
from .plots import (COLOR, GROUP_COLORS, SYM, case_summary, check_finite, coord_symbol, save,
                    set_time_axis, snapshot_histograms, time_mask, particle_groups)

#: Line width of the τ⁻ outline drawn over the filled τ⁺ histogram.
HIST_OUTLINE_WIDTH = 1.8
#: Top of the histogram panels as a multiple of the highest bar: room for the masses text.
HIST_HEADROOM = 1.3

#: File names written by the `paper` command.
PAPER_NAMES = ("paper_fig_histograms.png", "paper_fig_masses.png", "paper_fig_loss.png")


def runs_label(runs):
    """'particles m=1024, 1 run' / 'particles m=256, 3 runs'."""
    return "particles m=%d, %d run%s" % (runs[0].m, len(runs), "" if len(runs) == 1 else "s")


def paper_histograms(field, particles, path, targets=an.SNAPSHOT_TIMES, coarsen=None):
    """Row 1: τ^± of the PDE; row 2: c-weighted particle histograms; one column per time.

    Both rows use the particles' bins (the field's faces, merged by analysis.auto_coarsen
    unless `coarsen` is given): the PDE cell masses are summed into those bins, so the two
    rows are histograms of the same kind and can be compared bar by bar."""
    idx = an.snapshot_indices(field.time, targets)
    hist = snapshot_histograms(field, particles, idx, coarsen)
    bins = hist[0]["edges"] if hist else field.edges
    sym = coord_symbol(field.coord)
    units = field.units.get("tau_plus", "1/rad")
    k = len(idx)
    fig = Figure(figsize=(3.0 * k + 0.8, 6.2), layout="constrained")
    axes = fig.subplots(2, k, sharex=True, sharey="col", squeeze=False)
    out = {"indices": np.array(idx), "time": field.time[idx], "edges": field.edges,
           "bins": bins, "particles": hist}
    for s in ("plus", "minus"):
        out["tau_" + s] = getattr(field, "tau_" + s)[idx]
        out["tau_%s_binned" % s] = an.rebin_density(out["tau_" + s], field.edges, bins)
    for j, i in enumerate(idx):
        top, bot = axes[0, j], axes[1, j]
        # τ⁺ filled, τ⁻ an unfilled outline drawn over it: where the two coincide (t = 0,
        # τ⁺ = τ⁻ = τ₀/2) both stay visible instead of blending into one colour
        for s in ("plus", "minus"):
            fill = s == "plus"
            if fill:
                top.stairs(out["tau_%s_binned" % s][j], bins, fill=True, alpha=0.45,
                           color=COLOR[s], label=SYM[s])
            top.stairs(out["tau_%s_binned" % s][j], bins, color=COLOR[s],
                       linewidth=1.0 if fill else HIST_OUTLINE_WIDTH,
                       label=None if fill else SYM[s])
            for g_no, g in enumerate(hist):
                if g_no == 0 and fill:
                    bot.stairs(g["density_" + s][j], g["edges"], fill=True, alpha=0.45,
                               color=COLOR[s], label=SYM[s])
                bot.stairs(g["density_" + s][j], g["edges"],
                           linewidth=1.0 if fill else HIST_OUTLINE_WIDTH,
                           color=COLOR[s] if g_no == 0 else GROUP_COLORS[g_no % 6],
                           label=SYM[s] if (g_no == 0 and not fill) else None)
        # the masses in words: τ⁻ is often a thin sliver beside τ⁺ on a shared linear scale
        masses = {"top": [field.series["mass_" + s][i] for s in ("plus", "minus")]}
        if hist:
            masses["bot"] = [hist[0]["total_" + s][j] for s in ("plus", "minus")]
        for where, ax in (("top", top), ("bot", bot)):
            if where in masses:
                ax.text(0.97, 0.96, "|τ⁺| = %.3g\n|τ⁻| = %.3g" % tuple(masses[where]),
                        transform=ax.transAxes, ha="right", va="top", fontsize="small")
        top.set_title("PDE, t = %.4g" % field.time[i])
        if hist:
            bot.set_title("particles, t = %.4g" % hist[0]["time"][j])
        bot.set_xlabel("%s [rad]" % sym)
        bot.set_xlim(field.edges[0], field.edges[-1])
    for j in range(k):   # head room for the masses above the highest bar of the column
        lo, hi = axes[0, j].get_ylim()
        axes[0, j].set_ylim(0.0, hi * HIST_HEADROOM)
    out["masses_pde"] = np.array([[field.series["mass_" + s][i] for s in ("plus", "minus")]
                                  for i in idx])
    axes[0, 0].set_ylabel("PDE: density [%s]" % units)
    axes[1, 0].set_ylabel("particles: density [%s]" % units)
    axes[0, 0].legend(fontsize="small", loc="upper left")
    title = "symflow paper figure: histograms of τ⁺, τ⁻"
    caption = ("Lifted densities of τ⁺ (blue) and τ⁻ (red) over %s at t = %s: top, the form-L "
               "PDE (%s) from %s, its cell masses summed into the particles' bins; bottom, "
               "histograms of the particle angles weighted by c_i/m per unit angle (%s); τ⁻ drawn as an "
               "outline over τ⁺, the masses |τ^±| written in each panel."
               % (sym, ", ".join("%.4g" % t for t in field.time[idx]), case_summary(field),
                  os.path.basename(field.path),
                  "; ".join("%s, bins of %d cell(s)" % (g["label"], g["q"]) for g in hist)))
    save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption)
    return out


def paper_masses(field, particles, path):
    """|τ^±|(t) on log y: PDE (left), particles (right), α of (L4) in both."""
    log_time = an.spans_decades(field.time)
    fig = Figure(figsize=(11.5, 4.4), layout="constrained")
    axl, axr = fig.subplots(1, 2, sharey=True, sharex=True)
    mask = time_mask(field.time, log_time)
    out = {"log_time": log_time, "time": field.time[mask], "alpha": field.minimiser_mass,
           "particles": []}
    for s in ("plus", "minus"):
        out["mass_" + s] = field.series["mass_" + s][mask]
        axl.plot(out["time"], out["mass_" + s], color=COLOR[s], linewidth=2,
                 label="|%s|" % SYM[s])
    for _, color, _, runs in particle_groups(particles):
        label = runs_label(runs)
        pm = time_mask(runs[0].time, log_time)
        entry = {"label": label, "time": runs[0].time[pm]}
        for p_no, p in enumerate(runs):
            mp, mm = an.particle_masses(an.particle_cloud(p, field.coord))
            for s, v in (("plus", mp), ("minus", mm)):
                entry.setdefault("mass_%s_runs" % s, []).append(v[pm])
                axr.plot(entry["time"], v[pm], color=COLOR[s], linewidth=1.2, alpha=0.8,
                         label="|%s| %s" % (SYM[s], label) if p_no == 0 else None)
        for s in ("plus", "minus"):
            entry["mass_%s_runs" % s] = np.array(entry["mass_%s_runs" % s])
        out["particles"].append(entry)
    for ax, name in ((axl, "PDE (form L)"), (axr, "particles")):
        if out["alpha"] is not None:
            ax.axhline(out["alpha"], color="black", linestyle=":",
                       label="α = %.6g (L4)" % out["alpha"])
        ax.set_yscale("log", nonpositive="mask")
        set_time_axis(ax, log_time)
        ax.set_title(name)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize="small")
    axl.set_ylabel("mass |τ^±|")
    title = "symflow paper figure: masses |τ⁺|, |τ⁻|"
    caption = ("Masses |τ⁺| (blue) and |τ⁻| (red) on a log scale: left, the form-L PDE (%s) "
               "from %s; right, the particle runs ((1/m) Σ c_i per sign, one line per run)%s."
               % (case_summary(field), os.path.basename(field.path),
                  "; dotted: α = %.6g of (L4)" % out["alpha"] if out["alpha"] is not None
                  else ""))
    save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption)
    return out


def paper_loss(field, particles, path):
    """R(t) on log y: PDE (left), particle runs (right)."""
    log_time = an.spans_decades(field.time)
    fig = Figure(figsize=(11.5, 4.4), layout="constrained")
    axl, axr = fig.subplots(1, 2, sharey=True, sharex=True)
    mask = time_mask(field.time, log_time)
    out = {"log_time": log_time, "time": field.time[mask],
           "risk": field.series["risk"][mask], "particles": []}
    axl.plot(out["time"], out["risk"], color="black", linewidth=2, label="R, PDE")
    for _, color, _, runs in particle_groups(particles):
        label = runs_label(runs)
        pm = time_mask(runs[0].time, log_time)
        rr = np.array([p.risk[pm] for p in runs])
        for p_no in range(rr.shape[0]):
            axr.plot(runs[0].time[pm], rr[p_no], color=color, linewidth=1.2,
                     label="R, %s" % label if p_no == 0 else None)
        out["particles"].append({"label": label, "time": runs[0].time[pm], "risk_runs": rr})
    for ax, name in ((axl, "PDE (form L)"), (axr, "particles")):
        ax.set_yscale("log", nonpositive="mask")
        set_time_axis(ax, log_time)
        ax.set_title(name)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize="small")
    axl.set_ylabel("R(μ_t)")
    title = "symflow paper figure: loss R(t)"
    caption = ("Loss R(t) on a log scale: left, the form-L PDE (%s) from %s; right, the "
               "particle runs (one line per run)%s."
               % (case_summary(field), os.path.basename(field.path),
                  "; log time axis, t = 0 not drawn" if log_time else ""))
    save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption)
    return out


def paper_all(field, particles, outdir):
    """The three paper figures into `outdir`, all or none (plots.check_finite first,
    atomic.batch); returns {file name: returned dict}."""
    check_finite(field, particles)
    with atomic.batch():
        return _paper_all(field, particles, outdir)


def _paper_all(field, particles, outdir):
    return {
        PAPER_NAMES[0]: paper_histograms(field, particles, os.path.join(outdir, PAPER_NAMES[0])),
        PAPER_NAMES[1]: paper_masses(field, particles, os.path.join(outdir, PAPER_NAMES[1])),
        PAPER_NAMES[2]: paper_loss(field, particles, os.path.join(outdir, PAPER_NAMES[2])),
    }
