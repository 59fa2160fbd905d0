"""dynamics — the figures of `symflow plot --kind probe|trajectories|animation` (MATH.md §6).

What it does:
    plot_probe         the predictor f along the probe lines x = û + ρ ê of a form-L or T field
                       (docs/math.md (L7), variables probe_f, probe_u, probe_rho) as curves
                       f(ρ) per output time, one panel per probe line, and (form L) Ψ̂
                       (psi_hat) over the angle at the same times;
    plot_trajectories  the paths of a subset of neurons of particle runs in (θ, |a|),
                       θ = angle of b to H, coloured by the sign of a, start and end marked;
    animate            τ⁺ and τ⁻ of a form-L field over the angle, one frame per output time
                       (particle histograms overlaid), written as an animated GIF (Pillow) or
                       an MP4 (ffmpeg, when installed).
Each returns, like plots.py, a dict of the arrays drawn plus 'path', 'title', 'caption'
(and 'figure', 'texts' for the still figures, 'frames' for animations) and writes through
atomic.py.
What it does not do: read files (io.py) or compute the probe values (the solver writes them,
reduction/probe.c).
"""

import os
import shutil
import subprocess

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from . import atomic
from .plots import (ABS, COLOR, SYM, case_summary, coord_symbol, floor_rel_of, save,
                    snapshot_histograms, LOG_HEADROOM)

#: Output times drawn by plot_probe: at most this many, spread over the outputs.
PROBE_MAX_CURVES = 8
#: Neurons drawn by plot_trajectories: at most this many per run, every (m // n)-th one.
TRAJECTORY_NEURONS = 64
#: Animation formats: GIF (Pillow, always) and MP4 (ffmpeg, when on PATH).
ANIMATION_FORMATS = ("gif", "mp4")
#: Frames per second of the animations (one output time per frame).
FPS = 4
#: Resolution of the animation frames (dots per inch): 8.8 × 4.4 in → 880 × 440 pixels.
ANIMATION_DPI = 100


def _indices(nt, most):
    """At most `most` indices of 0 … nt−1, spread evenly, first and last included."""
    return sorted({int(round(x)) for x in np.linspace(0, nt - 1, min(nt, most))})


def plot_probe(field, path):
    """f(û + ρ ê) against ρ per output time (one panel per probe line) and Ψ̂ over the angle."""
    if getattr(field, "probe_f", None) is None:
        raise ValueError("%s: variable probe_f: not found (the predictor on the probe lines, "
                         "written by forms L and T; solve the case again with this symflow)"
                         % field.path)
    psi_hat = getattr(field, "psi_hat", None)      # form L only
    idx = _indices(field.time.size, PROBE_MAX_CURVES)
    cmap = matplotlib.colormaps["viridis"]
    colors = [cmap(x) for x in np.linspace(0.0, 0.9, len(idx))]
    nu = field.probe_u.size
    npanel = nu + (psi_hat is not None)
    fig = Figure(figsize=(5.0 * npanel + 1.2, 4.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, npanel))
    radial = getattr(field, "coord", None) == "theta"   # form T: d_H = 1, x_H = u e₁
    out = {"indices": np.array(idx), "time": field.time[idx], "probe_u": field.probe_u,
           "probe_rho": field.probe_rho, "probe_f": field.probe_f[idx]}
    target = str(field.attrs.get("target", ""))
    for j in range(nu):
        ax = axes[j]
        for k, i in enumerate(idx):
            ax.plot(field.probe_rho, field.probe_f[i, j], color=colors[k], marker="o",
                    markersize=3, label="t = %.4g" % field.time[i])
        # the target on the line, where it is known in closed form: |x_H| (norm) and |x_1|
        # (abs) are 1 at |x_H| = 1 whatever ρ
        if target in ("norm", "abs"):
            ax.axhline(abs(field.probe_u[j]), color="black", linestyle=":", linewidth=1.2,
                       label=r"$f^*$ = %g" % abs(field.probe_u[j]))
            out["target"] = abs(field.probe_u)
        ax.set_xlabel(r"$\rho = |x_\perp|$")
        ax.set_ylabel(r"$f_\mu(x)$")
        ax.set_title((r"$|x_H| = %g$" if radial else r"$x_H = %+g\,e_1$") % field.probe_u[j])
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize="small", title="output time")
    if psi_hat is not None:
        ax = axes[-1]
        out["psi_hat"] = psi_hat[idx]
        for k, i in enumerate(idx):
            ax.plot(field.centres, psi_hat[i], color=colors[k])
        sym = coord_symbol(field.coord)
        ax.set_xlabel("%s [rad]" % sym)
        ax.set_ylabel(r"$\hat\Psi$ (M13)")
        ax.set_title(r"potential $\hat\Psi$ at the cell centres")
        ax.grid(True, alpha=0.3)
    title = "symflow: predictor on the probe lines"
    caption = ("The predictor f of the %s solution (%s) from %s along the probe lines "
               "x = %s + ρ ê, ê ⟂ H, at t = %s (L7)%s; it stops depending on ρ = |x_⊥| as the "
               "neurons align with H%s." % (
                   "form-T" if hasattr(field, "marginals") else "form-L",
                   case_summary(field), os.path.basename(field.path),
                   "û (|û| = 1, any û in H)" if radial else "±e₁",
                   ", ".join("%.4g" % field.time[i] for i in idx),
                   "; dotted: f* on the line" if "target" in out else "",
                   "; right: the potential Ψ̂ (M13) at the same times"
                   if psi_hat is not None else ""))
    out["texts"] = save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption, figure=fig)
    return out


def particle_theta_abs_a(p):
    """(θ, |a|), each (nt, m): θ = atan2(|b_⊥|, |b_H|) ∈ [0, π/2] the angle of b to H."""
    if p.u is not None:
        bh, bp = np.linalg.norm(p.u, axis=2), p.r
    else:
        proj = np.einsum("tmd,hd->tmh", p.b, p.basis)
        bh = np.linalg.norm(proj, axis=2)
        bp = np.sqrt(np.maximum(np.sum(p.b * p.b, axis=2) - bh * bh, 0.0))
    return np.arctan2(bp, bh), np.abs(p.a)


def plot_trajectories(particles, path, neurons=TRAJECTORY_NEURONS):
    """Paths (θ_i(t), |a_i(t)|) of every (m // neurons)-th neuron of each run."""
    if not particles:
        raise ValueError("trajectories: no particle file given (symflow_schema = "
                         "\"particles-1\")")
    fig = Figure(figsize=(6.8 * len(particles), 5.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(particles), squeeze=False)[0])
    out = {"runs": []}
    for ax, p in zip(axes, particles):
        step = max(1, p.m // neurons)
        sel = np.arange(0, p.m, step)[:neurons]
        theta, absa = particle_theta_abs_a(p)
        th, aa = theta[:, sel], absa[:, sel]
        sign = np.sign(p.a[0, sel])
        for q in range(sel.size):
            c = COLOR["plus"] if sign[q] >= 0 else COLOR["minus"]
            ax.plot(th[:, q], aa[:, q], color=c, linewidth=0.9, alpha=0.8)
        for s, mask in (("plus", sign >= 0), ("minus", sign < 0)):
            if mask.any():
                ax.plot(th[0, mask], aa[0, mask], linestyle="none", marker="o", markersize=3.5,
                        markerfacecolor="none", color=COLOR[s],
                        label="%s at t = %.4g" % ("a > 0" if s == "plus" else "a < 0",
                                                  p.time[0]))
                ax.plot(th[-1, mask], aa[-1, mask], linestyle="none", marker="x",
                        markersize=4.5, color=COLOR[s],
                        label="%s at t = %.4g" % ("a > 0" if s == "plus" else "a < 0",
                                                  p.time[-1]))
        ax.set_xlim(0.0, 0.5 * np.pi)
        ax.set_xlabel(r"$\theta$ = angle of $b_i$ to $H$ [rad]")
        ax.set_ylabel(r"$|a_i|$")
        ax.set_yscale("log", nonpositive="mask")
        ax.set_title("%s: %d of %d neurons" % (p.label, sel.size, p.m))
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize="small")
        out["runs"].append({"path": p.path, "neurons": sel, "theta": th, "abs_a": aa,
                            "time": p.time})
    title = "symflow: neuron trajectories in (θ, |a|)"
    caption = ("Paths of neurons of %s in the plane (θ, |a|), θ the angle of b to H, |a| the "
               "output weight (log scale), one line per neuron from o (first output) to x "
               "(last); blue: a > 0, red: a < 0 (sign at the first output)."
               % "; ".join("%s (every %d-th of %d)" % (os.path.basename(p.path),
                                                        max(1, p.m // neurons), p.m)
                           for p in particles))
    out["texts"] = save(fig, path, title, caption)
    out.update(path=path, title=title, caption=caption, figure=fig)
    return out


def animation_format(path):
    """'gif' or 'mp4' from the extension of `path`; ValueError naming it otherwise."""
    ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    if ext not in ANIMATION_FORMATS:
        raise ValueError("%s: extension %r: expected .gif or .mp4 (an animation)" % (path, ext))
    return ext


def _frame_rgba(fig):
    """The figure drawn by the Agg canvas, as an (h, w, 4) uint8 array."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def animate(field, path, particles=()):
    """τ⁺ and τ⁻ of a form-L field over the angle, one frame per output time (particle
    histograms dashed); GIF through Pillow, MP4 through ffmpeg (ValueError when absent)."""
    fmt = animation_format(path)
    ffmpeg = shutil.which("ffmpeg")
    if fmt == "mp4" and ffmpeg is None:
        raise ValueError("%s: an MP4 needs ffmpeg, which is not installed (apt-get install "
                         "ffmpeg), or write a .gif" % path)
    nt = field.time.size
    hist = snapshot_histograms(field, particles, list(range(nt)))
    sym = coord_symbol(field.coord)
    units = field.units.get("tau_plus", "1/rad")
    rel = floor_rel_of(field)
    top = max(np.max(field.tau_plus), np.max(field.tau_minus),
              *[np.max(g["density_" + s]) for g in hist for s in ("plus", "minus")])
    frames = []
    for i in range(nt):
        fig = Figure(figsize=(8.8, 4.4), dpi=ANIMATION_DPI, layout="constrained")
        ax = fig.subplots()
        for s in ("plus", "minus"):
            ax.stairs(getattr(field, "tau_" + s)[i], field.edges, color=COLOR[s],
                      linewidth=2, label="%s PDE" % SYM[s])
            for g in hist:
                ax.stairs(g["density_" + s][i], g["edges"], color=COLOR[s], linewidth=1.0,
                          linestyle="--", label="%s %s" % (SYM[s], g["label"]))
        ax.set_yscale("log", nonpositive="mask")
        ax.set_ylim(top * rel, top * LOG_HEADROOM)
        ax.set_xlim(field.edges[0], field.edges[-1])
        ax.set_xlabel("%s [rad]" % sym)
        ax.set_ylabel("density [%s]" % units)
        ax.set_title("t = %.4g:  %s = %.4g,  %s = %.4g,  R = %.4g" % (
            field.time[i], ABS["plus"], field.series["mass_plus"][i], ABS["minus"],
            field.series["mass_minus"][i], field.series["risk"][i]))
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize="small", loc="lower right")
        frames.append(_frame_rgba(fig))
    if fmt == "gif":
        from PIL import Image
        images = [Image.fromarray(f[:, :, :3]) for f in frames]
        # one output per frame; Pillow's duration is per frame, in milliseconds
        atomic.write(path, lambda fh: images[0].save(
            fh, format="GIF", save_all=True, append_images=images[1:],
            duration=int(1000 / FPS), loop=0))
    else:
        h, w = frames[0].shape[:2]
        raw = b"".join(f.tobytes() for f in frames)

        def fill(fh):
            # fragmented MP4 so that ffmpeg can write to a pipe; even sizes for yuv420p
            cmd = [ffmpeg, "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgba",
                   "-s", "%dx%d" % (w, h), "-r", str(FPS), "-i", "pipe:0",
                   "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p",
                   "-movflags", "frag_keyframe+empty_moov", "-f", "mp4", "pipe:1"]
            p = subprocess.run(cmd, input=raw, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            if p.returncode != 0:
                raise ValueError("%s: ffmpeg failed: %s" % (
                    path, p.stderr.decode("utf-8", "replace").strip()[:200]))
            fh.write(p.stdout)
        atomic.write(path, fill)
    title = "symflow: animation of τ⁺, τ⁻"
    caption = ("τ⁺ (blue) and τ⁻ (red) of the form-L PDE (%s) from %s over %s, one frame per "
               "output time (%d frames, %d per second)%s." % (
                   case_summary(field), os.path.basename(field.path), sym, nt, FPS,
                   "; dashed: particle histograms" if hist else ""))
    return {"path": path, "title": title, "caption": caption, "frames": nt,
            "time": field.time, "format": fmt, "size": frames[0].shape[:2]}
