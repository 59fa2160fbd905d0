"""plots_h — the figures of a form-H field file (io.HyperbolicData, MATH.md §4.7).

What it does: risk (plots.plot_form_risk), the weighted masses of N0, N+, N- and the b = 0
reservoirs over time, and the ω- and η-marginals of N0 and of N+ + N- at the first, middle
and last output times with the particles' |δ|-weighted histograms on the same cells (a
neuron (a, b) has δ = a² − |b|², weight |δ|/m, η = atanh(a/|b|) in N0, atanh(|b|/|a|) in
N±, ω = φ = atan2(|b_⊥|, b·e₁) or θ = atan2(|b_⊥|, |b_H|) — as postproc/compare.c). Each
function returns the arrays it drew, so tests can check the figure against the file.
What it does not do: read files (io.py), draw forms L, T or ode (plots.py).
"""

import os

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from . import analysis as an
from . import plots

#: File names of the figures of `plot` for a form-H field, in drawing order.
FIGURE_NAMES_H = ("risk.png", "masses.png", "marginals.png")
#: Axis labels of the coordinates of a form-H field.
H_LABELS = {"eta": "η (N0: tanh η = a/|b|)", "eta_pos": "η (N±: tanh η = |b|/|a|)",
            "phi": "φ = angle of b to e₁ [rad]", "theta": "θ = angle of b to H [rad]"}


def particle_hyperbolic(p, coord):
    """(family, eta, omega, weight) of a particle run, each (nt, m): family 0 for
    a² < |b|² (N0), +1 / −1 for a > |b| / −a > |b| (N±); weight |δ| = |a² − |b|²|."""
    if p.u is not None:
        bh, r = p.u, p.r
    else:
        bh = np.einsum("tmd,hd->tmh", p.b, p.basis)
        perp = p.b - np.einsum("tmh,hd->tmd", bh, p.basis)
        r = np.sqrt(np.sum(perp * perp, axis=2))
    nbh = np.sqrt(np.sum(bh * bh, axis=2))
    rho = np.sqrt(nbh * nbh + r * r)
    omega = np.arctan2(r, bh[:, :, 0]) if coord == "phi" else np.arctan2(r, nbh)
    a = p.a
    weight = np.abs(np.abs(a) - rho) * (np.abs(a) + rho)
    inside = np.abs(a) < rho
    family = np.where(inside, 0, np.sign(a)).astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.where(inside, np.arctanh(a / rho), np.arctanh(rho / np.abs(a)))
    return family, eta, omega, weight


def check_finite_h(field, particles=()):
    """check_finite for a form-H field: time, risk, N0, Nplus, Nminus and the particles."""
    for name in ("time", "N0", "Nplus", "Nminus"):
        plots._first_bad(field.path, name, getattr(field, name))
    plots._first_bad(field.path, "risk", field.series.get("risk"))
    for p in particles:
        for name in ("time", "a", "b", "u", "r", "risk"):
            plots._first_bad(p.path, name, getattr(p, name))


def plot_h_masses(field, path):
    """Weighted masses of N0, N+, N- (with their reservoirs) and the reservoirs over time."""
    fig = Figure(figsize=(12.8, 4.6), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    out = {"time": field.time}
    for name, color in (("mass0", "black"), ("mass_plus", "tab:red"),
                        ("mass_minus", "tab:blue")):
        if name in field.series:
            v = field.series[name]
            ax1.plot(field.time, v - v[0], color=color, label="%s(t) − %s(0)" % (name, name))
            out[name] = v
    ax1.set_yscale("symlog", linthresh=1e-12)
    plots.set_symlog_time(ax1, field.time)
    ax1.set_ylabel("drift from t = 0 (symlog, linear below 1e-12)")
    ax1.set_title("weighted masses (conserved, §4.7)")
    ax1.grid(True, which="major", alpha=0.3)
    ax1.legend(fontsize="small")
    for name, color in (("reservoir_plus", "tab:red"), ("reservoir_minus", "tab:blue")):
        if name in field.series:
            ax2.plot(field.time, field.series[name], color=color, label=name)
            out[name] = field.series[name]
    ax2.set_yscale("log", nonpositive="mask")
    plots.set_symlog_time(ax2, field.time)
    ax2.set_ylabel("weighted mass parked at b = 0")
    ax2.set_title("b = 0 reservoirs of N+ and N-")
    ax2.grid(True, which="major", alpha=0.3)
    ax2.legend(fontsize="small")
    title = "symflow: form-H masses"
    caption = ("Drift of the weighted masses E[|δ|; family] of N0, N+, N- (reservoirs "
               "included) since t = 0, and the mass parked at b = 0, of the form-H solution "
               "(%s) from %s." % (plots.case_summary(field), os.path.basename(field.path)))
    plots.save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption)
    return out


def plot_h_marginals(field, path, particles=()):
    """ω- and η-marginals of N0 (top) and of N+ + N- (bottom) at the first, middle and last
    output times (step curves); particle histograms (weights |δ|/m per unit length, on the
    field's cells) dashed at the nearest particle times."""
    nt = field.time.size
    idx = sorted({0, nt // 2, nt - 1})
    cmap = matplotlib.colormaps["viridis"]
    colors = [cmap(x) for x in np.linspace(0.0, 0.9, len(idx))]
    w = field.coord
    panels = [("N0", "omega", w), ("N0", "eta", "eta"), ("pos", "omega", w),
              ("pos", "eta", "eta_pos")]
    fig = Figure(figsize=(12.8, 9.2), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    out = {"indices": np.array(idx), "time": field.time[idx], "particles": []}
    for (fam, kind, x), ax in zip(panels, axes):
        fams = ("N0",) if fam == "N0" else ("Nplus", "Nminus")
        marg = field.omega_marginal if kind == "omega" else field.eta_marginal
        rows = sum(marg(f) for f in fams)[idx]
        key = "%s_%s" % (fam, kind)
        out["density_" + key] = rows
        out["edges_" + key] = field.edges[x]
        for k, i in enumerate(idx):
            ax.stairs(rows[k], field.edges[x], color=colors[k], linewidth=1.8,
                      label="t = %.4g" % field.time[i])
        live = np.nonzero(np.max(rows, axis=0) > 1e-6 * np.max(rows))[0]
        if live.size:
            ax.set_xlim(field.edges[x][live[0]], field.edges[x][live[-1] + 1])
        ax.set_xlabel(H_LABELS[x])
        ax.set_ylabel("|δ|-weighted marginal density")
        ax.set_title("%s: marginal in %s" % ("N0" if fam == "N0" else "N+ + N-",
                                            "ω" if kind == "omega" else "η"))
        ax.grid(True, alpha=0.3)
    for j, p in enumerate(particles):
        family, eta, omega, weight = particle_hyperbolic(p, w)
        entry = {"label": p.label, "path": p.path, "index": [], "time": []}
        for i in idx:
            ip = an.nearest_index(p.time, field.time[i])
            entry["index"].append(ip)
            entry["time"].append(p.time[ip])
        for (fam, kind, x), ax in zip(panels, axes):
            edges = field.edges[x]
            hist = []
            for k, ip in enumerate(entry["index"]):
                sel = family[ip] == 0 if fam == "N0" else family[ip] != 0
                vals = (omega if kind == "omega" else eta)[ip][sel]
                mass, _ = np.histogram(vals, bins=edges, weights=weight[ip][sel] / p.m)
                dens = mass / np.diff(edges)
                hist.append(dens)
                ax.stairs(dens, edges, color=colors[k], linewidth=1.0,
                          linestyle=plots.GROUP_STYLES[j % len(plots.GROUP_STYLES)])
            entry["density_%s_%s" % (fam, kind)] = np.array(hist)
        entry["time"] = np.array(entry["time"])
        out["particles"].append(entry)
    axes[0].legend(fontsize="small", loc="upper right", title="output time")
    title = "symflow: form-H marginals in ω and η"
    caption = ("|δ|-weighted marginal densities of N0 and of N+ + N- of the form-H solution "
               "(%s) from %s in ω = %s and η at t = %s (solid)%s." % (
                   plots.case_summary(field), os.path.basename(field.path), w,
                   ", ".join("%.4g" % t for t in field.time[idx]),
                   "; dashed: particle histograms on the same cells, weights |δ|/m per unit "
                   "length (%s)" % ", ".join(p.label for p in particles) if particles else ""))
    plots.save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption)
    return out


def plot_all_h(field, outdir, particles=(), compares=(), names=FIGURE_NAMES_H):
    """The figures of a form-H field into outdir under `names` (FIGURE_NAMES_H with the
    extension of the format, plots.figure_names); returns {file name: returned dict}. The
    caller (plots.plot_all) checks the data and makes the batch atomic."""
    j = lambda n: os.path.join(outdir, n)
    return {names[0]: plots.plot_form_risk(field, j(names[0]), particles, compares),
            names[1]: plot_h_masses(field, j(names[1])),
            names[2]: plot_h_marginals(field, j(names[2]), particles)}
