"""analysis — particle clouds as lifted measures, and the form-L diagnostics (MATH.md §4.3, §6).

What it does: maps each neuron (a, b) of a particle file to its sign ε = sign(a), its lifted
mass c = |a|·|b| and its angle (θ = atan2(r, |u|) ∈ [0, π/2], the angle to H, or for d_H = 1
non-radial fields φ = atan2(r, u₁) ∈ [0, π]); histograms those angles weighted by c/m on a
field's cell faces (the lifted marginals of τ^ε, (M15)); computes the masses |τ^±|, the
alignment A = ∫ sin²θ d(τ⁺+τ⁻)/|τ⁺+τ⁻| and the W₂ distances of τ⁺/|τ⁺| to δ_{θ=0} and of
τ⁻/|τ⁻| to δ_{θ=π/2}, both for particles and for a field's piecewise-constant densities.
What it does not do: read files (io.py) or draw (plots.py).

Index order: (time, neuron) for particles, (time, cell) for fields. Angles in radians;
densities per radian; a cell's mass is density × width.

On the φ coordinate (d_H = 1, directions ±e₁ both lie in H) "δ_{θ=0}" is read as the
aligned set {φ = 0, φ = π} and "δ_{θ=π/2}" as φ = π/2: every distance is the distance
|θ| of the angle to H, θ = min(φ, π − φ), so the two coordinates give the same numbers
on the same measure.
"""

import math

import numpy as np

#: Targets of the snapshot figures, in gradient-flow time (the paper's 1-D figure).
SNAPSHOT_TIMES = (0.0, 0.5, 5.0, 50.0, 100.0)
#: A time axis is drawn logarithmic when its positive times span at least this ratio
#: (two decades): below that a linear axis shows the same information more plainly.
LOG_TIME_RATIO = 100.0


class ParticleCloud:
    """Per-neuron lifted quantities of a particle run, each (nt, m)."""

    def __init__(self, time, angle, c, eps, coord, m):
        self.time = time    # (nt,) mean-field time
        self.angle = angle  # (nt, m) θ or φ [rad]
        self.c = c          # (nt, m) lifted mass |a|·|b| of each neuron (not divided by m)
        self.eps = eps      # (nt, m) sign of a: +1, −1 (0 for a = 0: in neither τ^±)
        self.coord = coord  # "theta" or "phi"
        self.m = m          # number of neurons


def reduce_particles(p):
    """(u, r, |b|) of a ParticleData: u = coordinates of b in H (nt, m, d_H), r = |b_⊥|."""
    if p.b is not None:
        u = p.b @ p.basis.T                   # (nt, m, d_H)
        perp = p.b - u @ p.basis              # b_⊥, computed directly: no cancellation in r
        r = np.linalg.norm(perp, axis=-1)
        bnorm = np.linalg.norm(p.b, axis=-1)
    else:
        u, r = p.u, p.r
        bnorm = np.sqrt(np.sum(u * u, axis=-1) + r * r)
    return u, r, bnorm


def particle_cloud(p, coord="theta"):
    """ParticleCloud of a ParticleData on coordinate `coord` ("theta" or "phi")."""
    u, r, bnorm = reduce_particles(p)
    if coord == "theta":
        angle = np.arctan2(r, np.linalg.norm(u, axis=-1))
    elif coord == "phi":
        if u.shape[-1] != 1:
            raise ValueError("%s: d_H = %d: the φ coordinate needs d_H = 1"
                             % (p.path, u.shape[-1]))
        angle = np.arctan2(r, u[..., 0])
    else:
        raise ValueError("coordinate %r: expected 'theta' or 'phi'" % coord)
    c = np.abs(p.a) * bnorm
    eps = np.sign(p.a).astype(np.int8)
    return ParticleCloud(p.time, angle, c, eps, coord, p.a.shape[1])


def particle_masses(cloud):
    """(|τ⁺|(t), |τ⁻|(t)): (1/m) Σ c_i over the neurons of each sign, each (nt,)."""
    plus = np.sum(np.where(cloud.eps > 0, cloud.c, 0.0), axis=1) / cloud.m
    minus = np.sum(np.where(cloud.eps < 0, cloud.c, 0.0), axis=1) / cloud.m
    return plus, minus


def angle_to_H(angle, coord):
    """θ ∈ [0, π/2] from θ (unchanged) or from φ (min(φ, π − φ))."""
    return angle if coord == "theta" else np.minimum(angle, np.pi - angle)


def weighted_histogram(angle, weights, edges):
    """Per-cell sums of `weights` over the angles falling in each cell of `edges`.

    Returns (masses (n,), outside) where `outside` is the weight outside [edges[0],
    edges[-1]] (0 when the grid covers the angle range, as a form-L grid does)."""
    masses, _ = np.histogram(angle, bins=edges, weights=weights)
    inside = (angle >= edges[0]) & (angle <= edges[-1])
    outside = float(np.sum(weights[~inside]))
    return masses, outside


def particle_marginals(cloud, it, edges):
    """Lifted marginals of τ⁺ and τ⁻ at output index `it` on the cells `edges`.

    Returns a dict: mass_plus, mass_minus (per cell, weights c_i/m), density_plus,
    density_minus (per radian: mass / width), outside_plus, outside_minus."""
    widths = np.diff(edges)
    out = {}
    for name, sgn in (("plus", 1), ("minus", -1)):
        sel = cloud.eps[it] == sgn
        masses, outside = weighted_histogram(cloud.angle[it][sel], cloud.c[it][sel] / cloud.m,
                                             edges)
        out["mass_" + name] = masses
        out["density_" + name] = masses / widths
        out["outside_" + name] = outside
    return out


def coarsen_edges(edges, q):
    """Every q-th face of `edges` (the last face always kept): cells merged q at a time."""
    q = int(q)
    if q <= 1:
        return np.asarray(edges)
    idx = np.arange(0, edges.size, q)
    if idx[-1] != edges.size - 1:
        idx = np.append(idx, edges.size - 1)
    return np.asarray(edges)[idx]


def auto_coarsen(n_cells, m):
    """Merge factor q so that a histogram of m particles has about √m bins (at least 1).

    Square-root rule: with √m bins a bin holds about √m particles, so its relative
    Monte-Carlo error (≈ (√m)^{-1/2}) and its width shrink together as m grows."""
    bins = max(1, int(math.ceil(math.sqrt(m))))
    return max(1, int(math.ceil(n_cells / bins)))


def field_masses(density, edges):
    """Total mass(es) of a piecewise-constant density: Σ density·width over the last axis."""
    return np.sum(density * np.diff(edges), axis=-1)


def _cell_integral_sin2(edges):
    """∫ sin²x dx over each cell: width/2 − (sin 2e₁ − sin 2e₀)/4 (exact)."""
    e0, e1 = edges[:-1], edges[1:]
    return 0.5 * (e1 - e0) - (np.sin(2 * e1) - np.sin(2 * e0)) / 4.0


def _cell_integral_sqdist(edges, points):
    """∫ min_p (x − p)² dx over each cell, exact, p ranging over the sorted `points`."""
    points = np.sort(np.asarray(points, dtype=float))
    splits = 0.5 * (points[1:] + points[:-1])   # nearest-point boundaries
    e0, e1 = edges[:-1], edges[1:]
    total = np.zeros_like(e0)
    lo_bounds = np.concatenate([[-np.inf], splits])
    hi_bounds = np.concatenate([splits, [np.inf]])
    for p, lo, hi in zip(points, lo_bounds, hi_bounds):
        a = np.clip(e0, lo, hi)
        b = np.clip(e1, lo, hi)
        total += ((b - p) ** 3 - (a - p) ** 3) / 3.0
    return total


def _aligned_points(coord):
    return (0.0,) if coord == "theta" else (0.0, np.pi)


def field_alignment(tau_plus, tau_minus, edges):
    """A(t) = ∫ sin²θ d(τ⁺+τ⁻) / |τ⁺+τ⁻| for piecewise-constant densities (nt, n), exact per
    cell. sin²φ = sin²θ, so the same formula serves the φ coordinate."""
    tot = tau_plus + tau_minus
    return (tot @ _cell_integral_sin2(edges)) / (tot @ np.diff(edges))


def field_w2(tau, edges, coord, target):
    """W₂ of τ/|τ| (piecewise-constant densities, (nt, n)) to the aligned set (target
    "aligned": δ_{θ=0}) or to the orthogonal one (target "orthogonal": δ_{θ=π/2})."""
    pts = _aligned_points(coord) if target == "aligned" else (0.5 * np.pi,)
    return np.sqrt((tau @ _cell_integral_sqdist(edges, pts)) / (tau @ np.diff(edges)))


def particle_alignment(cloud):
    """A(t) = Σ c_i sin²θ_i / Σ c_i over both signs, (nt,)."""
    w = np.where(cloud.eps != 0, cloud.c, 0.0)
    return np.sum(w * np.sin(cloud.angle) ** 2, axis=1) / np.sum(w, axis=1)


def particle_w2(cloud, sign, target):
    """W₂ of the normalised lifted measure of sign `sign` (+1/−1) to δ_{θ=0} (target
    "aligned") or δ_{θ=π/2} (target "orthogonal"), (nt,); NaN when that sign has no mass."""
    theta = angle_to_H(cloud.angle, cloud.coord)
    dist = theta if target == "aligned" else 0.5 * np.pi - theta
    w = np.where(cloud.eps == sign, cloud.c, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(np.sum(w * dist * dist, axis=1) / np.sum(w, axis=1))


def nearest_index(time, t):
    """Index of the output time nearest to t (the first one on a tie)."""
    return int(np.argmin(np.abs(np.asarray(time) - t)))


def snapshot_indices(time, targets=SNAPSHOT_TIMES):
    """Sorted distinct indices of the output times nearest to `targets` clipped to the span."""
    time = np.asarray(time)
    lo, hi = time.min(), time.max()
    return sorted({nearest_index(time, min(max(t, lo), hi)) for t in targets})


def spans_decades(time):
    """True when the positive times span ≥ LOG_TIME_RATIO: draw t on a log axis."""
    pos = np.asarray(time)[np.asarray(time) > 0]
    return pos.size >= 2 and pos.max() / pos.min() >= LOG_TIME_RATIO


def group_runs(particles):
    """Particle runs grouped by (m, output times): runs of one group differ only by seed,
    so their spread is a Monte-Carlo band. Returns a list of lists, in first-seen order."""
    groups = []
    for p in particles:
        for g in groups:
            if g[0].m == p.m and np.array_equal(g[0].time, p.time):
                g.append(p)
                break
        else:
            groups.append([p])
    return groups


def rebin_density(density, edges, coarse_edges):
    """A piecewise-constant density (…, n) on `edges` re-expressed on `coarse_edges`, a
    subset of `edges` with the same ends (coarsen_edges): cell masses summed, then divided
    by the coarse widths, so every coarse cell keeps its exact mass."""
    pos = np.searchsorted(edges, coarse_edges)
    if not np.array_equal(edges[pos], coarse_edges):
        raise ValueError("rebin_density: the coarse faces are not a subset of the faces")
    cum = np.concatenate([np.zeros(density.shape[:-1] + (1,)),
                          np.cumsum(density * np.diff(edges), axis=-1)], axis=-1)
    return np.diff(cum[..., pos], axis=-1) / np.diff(coarse_edges)
