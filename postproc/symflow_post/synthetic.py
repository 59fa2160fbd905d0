"""synthetic — small symflow-shaped netCDF files with known contents, for tests and demos.

What it does: writes a form-L field file, a form-T field file, a particles-1 file and a
compare file with netCDF4, using exactly the names, dimensions, units and global attributes
that the C writer uses (MATH.md §8; core/ncio.c, solver/run.c, solver/run_transport.c),
from arrays the caller chooses; and builds balanced particle
weights (a, b) from prescribed angles θ_i, masses c_i and signs ε_i.
What it does not do: solve anything: the numbers are whatever the caller passes (the
default time series are computed from the densities by analysis.py, so that a file is
self-consistent).
"""

import netCDF4
import numpy as np

from . import analysis as an

#: Global attributes of a field file besides those the caller passes (MATH.md §8).
FIELD_ATTRS = {
    "Conventions": "CF-1.8", "title": "symflow synthetic field (form L)",
    "symflow_kind": "field", "target": "norm", "d": 30, "d_H": 5, "k": 25,
    "input": "gaussian", "form": "lifted", "scheme": "muscl", "limiter": "minmod",
    "method": "bdf", "rtol": 1e-6, "atol": 1e-10,
    "case_text": "# synthetic case\nproblem: {target: norm, d: 30, d_H: 5}\n",
    "risk_const": 2.5, "history": "created by symflow_post.synthetic",
    "symflow_version": "0.1.0", "start": "balanced-sphere", "group": "O(d_H) x O(k)",
}
#: Units of the time series of a field file (as the C writer sets them).
SERIES_UNITS = {"w2_plus": "rad", "w2_minus": "rad", "tau_min": "1/rad"}
#: Long names of the time series of a field file.
SERIES_LONG = {
    "risk": "population risk R (M2), by (M14)",
    "mass_plus": "mass of tau_plus", "mass_minus": "mass of tau_minus",
    "mass_balance_residual": "mass-balance residual (L1)",
    "dissipation": "-dR/dt from (L2)", "alignment": "alignment A",
    "w2_plus": "W2 of normalised tau_plus to delta_0",
    "w2_minus": "W2 of normalised tau_minus to delta_pi/2", "tau_min": "min of tau",
}


def field_series_from_densities(time, edges, tau_plus, tau_minus, coord="theta"):
    """The time series of a field file, computed from the densities (risk: a decreasing
    placeholder 1/(1+t), dissipation its −dR/dt; residual 0)."""
    return {
        "risk": 1.0 / (1.0 + time), "dissipation": 1.0 / (1.0 + time) ** 2,
        "mass_plus": an.field_masses(tau_plus, edges),
        "mass_minus": an.field_masses(tau_minus, edges),
        "mass_balance_residual": np.zeros_like(time),
        "alignment": an.field_alignment(tau_plus, tau_minus, edges),
        "w2_plus": an.field_w2(tau_plus, edges, coord, "aligned"),
        "w2_minus": an.field_w2(tau_minus, edges, coord, "orthogonal"),
        "tau_min": np.minimum(tau_plus.min(axis=1), tau_minus.min(axis=1)),
    }


def write_field(path, time, edges, tau_plus, tau_minus, series=None, attrs=None,
                coord="theta", drop=()):
    """A form-L field file. edges (n+1,), tau_* (nt, n) per radian; `attrs` overrides or
    adds global attributes (value None removes one); `drop` names variables to leave out."""
    time = np.asarray(time, float)
    edges = np.asarray(edges, float)
    if series is None:
        series = field_series_from_densities(time, edges, tau_plus, tau_minus, coord)
    gattrs = dict(FIELD_ATTRS)
    gattrs.update(attrs or {})
    with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        nc.createDimension("time", None)
        nc.createDimension(coord, edges.size - 1)
        nc.createDimension("nv", 2)
        v = nc.createVariable("time", "f8", ("time",))
        v.units, v.long_name = "1", "gradient-flow time"
        v[:] = time
        v = nc.createVariable(coord, "f8", (coord,))
        v.units = "rad"
        v.long_name = "angle to H" if coord == "theta" else "polar angle from e_1 in (u, r)"
        v.bounds = coord + "_bnds"
        v[:] = 0.5 * (edges[1:] + edges[:-1])
        v = nc.createVariable(coord + "_bnds", "f8", (coord, "nv"))
        v[:] = np.stack([edges[:-1], edges[1:]], axis=1)
        for name, data in (("tau_plus", tau_plus), ("tau_minus", tau_minus)):
            if name in drop:
                continue
            v = nc.createVariable(name, "f8", ("time", coord), zlib=True, shuffle=True,
                                  chunksizes=(1, edges.size - 1))
            v.units = "1/rad"
            v.long_name = "lifted density of %s per radian" % name
            v[:] = data
        for name, data in series.items():
            if name in drop:
                continue
            v = nc.createVariable(name, "f8", ("time",))
            v.units = SERIES_UNITS.get(name, "1")
            v.long_name = SERIES_LONG.get(name, name)
            v[:] = data
        for k, val in gattrs.items():
            if val is not None:
                nc.setncattr(k, val)


#: Global attributes of a form-T field file besides those the caller passes, in the order
#: and with the types of solver/run_transport.c (after ncio.c's Conventions, title, history).
TRANSPORT_ATTRS = {
    "Conventions": "CF-1.8",
    "title": "symflow field: form T density n(a, u, r) of a d_H = 1 problem",
    "history": "created by symflow_post.synthetic",
    "symflow_kind": "field", "symflow_version": "0.1.0", "form": "transport",
    "target": "linear", "input": "gaussian", "start": "gaussian", "sigma_a": 1.0,
    "sigma_b": 1.0, "d": np.int32(10), "d_H": np.int32(1), "k": np.int32(9), "group": "O(k)",
    "scheme": "finite volumes on (a, u, r), muscl + vanleer, centred potential differences",
    "reconstruction": "muscl", "limiter": "vanleer", "spacing": "uniform", "n_phi": np.int32(128),
    "method": "adams", "rtol": 1e-7, "atol": 1e-10, "edge_mass": 1e-6, "risk_const": 0.5,
    "case_file": "synthetic.yaml", "case_text": "# synthetic form-T case\nform: transport\n",
}
#: Coordinates of a form-T file: name → long_name (units "1"), as run_transport.c writes them.
TRANSPORT_COORD_LONG = {
    "a": "output weight a of a neuron",
    "u": "component u = b_1 of the input weight along H",
    "r": "norm r = |b_perp| of the input weight orthogonal to H",
}
#: Time series of a form-T file: name → long_name (units "1"), as run_transport.c writes them.
TRANSPORT_SERIES_LONG = {
    "risk": "population risk R (M2) of the discrete potential, by (M14)",
    "mass": "total mass of the density (I1)",
    "balance": "integral of (a^2 - u^2 - r^2) times the density (I3)",
    "dissipation": "-dR/dt from the discrete (I2) identity",
    "w": "predictor coefficient along e_1: half the integral of a u times the density (M8)",
    "density_min": "minimum cell density",
}
#: zlib level of the C writer (core/ncio.c SF_NC_DEFLATE_LEVEL).
DEFLATE_LEVEL = 4
#: Chunk length of 1-D variables on the unlimited time dimension (netCDF-C's default).
TIME_CHUNK = 512


def transport_marginals(density, edges):
    """(density_a, density_u, density_r), each (nt, n_x): the cell masses n·Δa·Δu·Δr summed
    over the two other coordinates, per unit of the remaining one (sf_formt_marginals)."""
    wa, wu, wr = (np.diff(edges[x]) for x in ("a", "u", "r"))
    mass = density * wa[None, :, None, None] * wu[None, None, :, None] * wr[None, None, None, :]
    return (mass.sum(axis=(2, 3)) / wa, mass.sum(axis=(1, 3)) / wu, mass.sum(axis=(1, 2)) / wr)


def transport_series(time, edges, density):
    """The time series of a form-T file computed from the density on the cell centres:
    mass (I1), balance (I3), w = ½ ∫ a u n (M8), density_min; risk and dissipation are the
    placeholders 1/(1+t) and 1/(1+t)²."""
    c = {x: 0.5 * (edges[x][1:] + edges[x][:-1]) for x in ("a", "u", "r")}
    vol = (np.diff(edges["a"])[:, None, None] * np.diff(edges["u"])[None, :, None]
           * np.diff(edges["r"])[None, None, :])
    A, U, R = np.meshgrid(c["a"], c["u"], c["r"], indexing="ij")
    m = density * vol[None]
    return {"risk": 1.0 / (1.0 + time), "mass": m.sum(axis=(1, 2, 3)),
            "balance": (m * (A * A - U * U - R * R)[None]).sum(axis=(1, 2, 3)),
            "dissipation": 1.0 / (1.0 + time) ** 2,
            "w": 0.5 * (m * (A * U)[None]).sum(axis=(1, 2, 3)),
            "density_min": density.min(axis=(1, 2, 3))}


def write_transport(path, time, edges, density, series=None, attrs=None, drop=()):
    """A form-T field file with the layout of solver/run_transport.c: dimensions time
    (unlimited), nv, a, u, r; coordinates a, u, r with bounds *_bnds(x, nv); density(time,
    a, u, r) and the marginals density_a/u/r chunked (1, …) with deflate and shuffle; the
    time series of TRANSPORT_SERIES_LONG. edges: {"a", "u", "r": (n_x + 1,) faces};
    density (nt, n_a, n_u, n_r). `attrs` overrides or adds global attributes (None removes
    one); `drop` names variables to leave out."""
    time = np.asarray(time, float)
    edges = {x: np.asarray(edges[x], float) for x in ("a", "u", "r")}
    density = np.asarray(density, float)
    if series is None:
        series = transport_series(time, edges, density)
    gattrs = dict(TRANSPORT_ATTRS)
    gattrs.update(attrs or {})
    marg = dict(zip(("density_a", "density_u", "density_r"),
                    transport_marginals(density, edges)))
    with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        nc.createDimension("time", None)
        nc.createDimension("nv", 2)
        for x in ("a", "u", "r"):
            nc.createDimension(x, edges[x].size - 1)
        v = nc.createVariable("time", "f8", ("time",), chunksizes=(TIME_CHUNK,))
        v.units, v.long_name = "1", "gradient-flow time"
        v[:] = time
        for x in ("a", "u", "r"):
            e = edges[x]
            v = nc.createVariable(x, "f8", (x,))
            v.units, v.long_name, v.bounds = "1", TRANSPORT_COORD_LONG[x], x + "_bnds"
            v[:] = 0.5 * (e[1:] + e[:-1])
            v = nc.createVariable(x + "_bnds", "f8", (x, "nv"))
            v[:] = np.stack([e[:-1], e[1:]], axis=1)
        fields = [("density", ("a", "u", "r"), density, "density n of neurons in (a, u, r) (M16)")]
        fields += [("density_" + x, (x,), marg["density_" + x], "marginal density of n in " + x)
                   for x in ("a", "u", "r")]
        for name, dims, data, long_name in fields:
            if name in drop:
                continue
            v = nc.createVariable(name, "f8", ("time",) + dims, zlib=True, shuffle=True,
                                  complevel=DEFLATE_LEVEL,
                                  chunksizes=(1,) + tuple(edges[x].size - 1 for x in dims))
            v.units, v.long_name = "1", long_name
            v[:] = data
        for name, long_name in TRANSPORT_SERIES_LONG.items():
            if name in drop or name not in series:
                continue
            v = nc.createVariable(name, "f8", ("time",), chunksizes=(TIME_CHUNK,))
            v.units, v.long_name = "1", long_name
            v[:] = series[name]
        for k, val in gattrs.items():
            if val is not None:
                nc.setncattr(k, val)


def gaussian_transport(time, edges, sigma_a=1.0, sigma_b=1.0, k=9, stretch=0.5):
    """An analytic form-T density (nt, n_a, n_u, r) at the cell centres: the Gaussian start
    of MATH.md §4.6, n₀ = N(a; 0, σ_a²) N(u; 0, σ_b²) χ_k(r/σ_b)/σ_b, with (a, u) sheared
    along a = u by a factor 1 + stretch·t (a stand-in for the flow of odd-linear)."""
    from scipy.stats import chi, norm
    c = {x: 0.5 * (edges[x][1:] + edges[x][:-1]) for x in ("a", "u", "r")}
    A, U, R = np.meshgrid(c["a"], c["u"], c["r"], indexing="ij")
    out = np.empty((np.size(time), A.shape[0], A.shape[1], A.shape[2]))
    for i, t in enumerate(np.atleast_1d(time)):
        s = 1.0 + stretch * t
        p, q = (A + U) / np.sqrt(2.0), (A - U) / np.sqrt(2.0)   # along / across a = u
        out[i] = (norm.pdf(p, scale=s * np.hypot(sigma_a, sigma_b) / np.sqrt(2.0))
                  * norm.pdf(q, scale=np.hypot(sigma_a, sigma_b) / np.sqrt(2.0))
                  * chi.pdf(R / sigma_b, k) / sigma_b)
    return out


def balanced_weights(theta, c, eps, basis_full, rng, d_H=None):
    """(a, b) of balanced neurons (|a| = |b|) with angle θ_i to H, lifted mass c_i = |a||b|
    and sign ε_i: b = √c (cos θ û + sin θ ê), û ∈ H and ê ⟂ H random unit vectors.

    basis_full: (d, d) orthonormal rows, the first d_H spanning H. theta, c, eps: (m,)."""
    d = basis_full.shape[0]
    m = theta.size
    uh = rng.standard_normal((m, d_H))
    uh /= np.linalg.norm(uh, axis=1, keepdims=True)
    eh = rng.standard_normal((m, d - d_H))
    eh /= np.linalg.norm(eh, axis=1, keepdims=True)
    dirs = (np.cos(theta)[:, None] * uh) @ basis_full[:d_H] + \
           (np.sin(theta)[:, None] * eh) @ basis_full[d_H:]
    b = np.sqrt(c)[:, None] * dirs
    a = eps * np.sqrt(c)
    return a, b


def write_particles(path, time, a, risk, b=None, basis=None, u=None, r=None, attrs=None):
    """A particles-1 file: full (b, and basis unless None) or reduced (u, r)."""
    time = np.asarray(time, float)
    a = np.asarray(a, float)
    nt, m = a.shape
    with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        nc.createDimension("time", None)
        nc.createDimension("neuron", m)
        v = nc.createVariable("time", "f8", ("time",))
        v.units = "1"
        v[:] = time
        v = nc.createVariable("a", "f8", ("time", "neuron"))
        v[:] = a
        if b is not None:
            d = b.shape[2]
            nc.createDimension("dim", d)
            v = nc.createVariable("b", "f8", ("time", "neuron", "dim"))
            v[:] = b
            if basis is not None:
                nc.createDimension("dH", basis.shape[0])
                v = nc.createVariable("basis", "f8", ("dH", "dim"))
                v[:] = basis
            d_H = basis.shape[0] if basis is not None else (attrs or {}).get("d_H", 1)
        else:
            d_H = u.shape[2]
            d = (attrs or {}).get("d", d_H + 1)
            nc.createDimension("dH", d_H)
            v = nc.createVariable("u", "f8", ("time", "neuron", "dH"))
            v[:] = u
            v = nc.createVariable("r", "f8", ("time", "neuron"))
            v[:] = r
        v = nc.createVariable("risk", "f8", ("time",))
        v[:] = risk
        g = {"symflow_schema": "particles-1", "Conventions": "CF-1.8", "d": d, "d_H": d_H,
             "m": m, "eta": 0.01, "seed": 1, "method": "euler-exact"}
        g.update(attrs or {})
        for k, val in g.items():
            nc.setncattr(k, val)


def write_compare(path, time, series, attrs=None):
    """A compare file: the COMPARE_SERIES given in `series` on dimension time."""
    with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        nc.createDimension("time", None)
        v = nc.createVariable("time", "f8", ("time",))
        v.units = "1"
        v[:] = np.asarray(time, float)
        for name, data in series.items():
            v = nc.createVariable(name, "f8", ("time",))
            v.units = "1"
            v[:] = data
        g = {"symflow_kind": "compare", "Conventions": "CF-1.8"}
        g.update(attrs or {})
        for k, val in g.items():
            nc.setncattr(k, val)


def _demo_transport(edges, time, d_H, k, rate):
    """Cell densities (nt, n) of the law τ₀ of (L3) pushed by tan θ ↦ tan θ · e^{rate·t}
    (a stand-in for the flow: rate < 0 aligns with H, rate > 0 turns away). Exact cell
    masses from the CDF of τ₀: tan²θ · d_H/k ~ F(k, d_H) when b is uniform."""
    from scipy.stats import f as fdist
    out = np.empty((time.size, edges.size - 1))
    for i, t in enumerate(time):
        pre = np.arctan(np.tan(np.clip(edges, 0, np.pi / 2 - 1e-300)) * np.exp(-rate * t))
        pre[-1] = np.pi / 2 if edges[-1] >= np.pi / 2 else pre[-1]
        cdf = fdist.cdf(np.tan(pre) ** 2 * d_H / k, k, d_H)
        cdf[pre >= np.pi / 2] = 1.0
        out[i] = np.diff(cdf) / np.diff(edges)
    return out


def demo_files(folder, n_cells=48, m=256, seeds=(1, 2, 3)):
    """A demo set in `folder` resembling the paper-norm case (d = 30, d_H = 5): field.nc,
    particles-<seed>.nc and compare.nc. Returns their paths. Not a solution of (M15): the
    shapes are a transport of τ₀ (L3) with masses moving to α = 16/3 and 0."""
    import os
    d, d_H = 30, 5
    k = d - d_H
    alpha = 16.0 / 3.0
    edges = 0.5 * np.pi * (np.arange(n_cells + 1) / n_cells) ** 1.3   # refined near θ = 0
    time = np.concatenate([[0.0], np.logspace(-2, 2, 33)])
    m_plus = 0.5 + (alpha - 0.5) * (1 - np.exp(-time / 5.0))
    m_minus = 0.5 * np.exp(-time / 3.0)
    tp = _demo_transport(edges, time, d_H, k, -0.1) * m_plus[:, None]
    tm = _demo_transport(edges, time, d_H, k, +0.1) * m_minus[:, None]
    series = field_series_from_densities(time, edges, tp, tm)
    series["risk"] = 2.5 * (0.002 + 0.998 * np.exp(-time / 4.0))
    series["dissipation"] = 2.5 * 0.998 / 4.0 * np.exp(-time / 4.0)
    paths = {"field": os.path.join(folder, "field.nc"), "particles": []}
    write_field(paths["field"], time, edges, tp, tm, series,
                attrs={"minimiser_mass": alpha, "d": d, "d_H": d_H, "k": k})
    for seed in seeds:
        rng = np.random.default_rng(seed)
        b0 = rng.standard_normal((m, d))
        b0 /= np.linalg.norm(b0, axis=1, keepdims=True)
        th0 = np.arctan2(np.linalg.norm(b0[:, d_H:], axis=1), np.linalg.norm(b0[:, :d_H], axis=1))
        eps = np.where(rng.random(m) < 0.5, 1.0, -1.0)
        a, b = [], []
        basis = np.linalg.qr(rng.standard_normal((d, d)))[0].T
        for t, mp, mm in zip(time, m_plus, m_minus):
            rate = np.where(eps > 0, -0.1, 0.1)
            th = np.arctan(np.tan(th0) * np.exp(rate * t))
            c = np.where(eps > 0, mp / 0.5, mm / 0.5) * (1 + 0.1 * rng.standard_normal(m) ** 2)
            ai, bi = balanced_weights(th, c, eps, basis, np.random.default_rng(seed + 100), d_H)
            a.append(ai)
            b.append(bi)
        risk = series["risk"] * (1 + 0.3 * rng.random() + 0.05 * np.sqrt(time / 100))
        p = os.path.join(folder, "particles-%d.nc" % seed)
        write_particles(p, time, np.array(a), risk, b=np.array(b), basis=basis[:d_H],
                        attrs={"seed": seed, "d": d, "d_H": d_H})
        paths["particles"].append(p)
    paths["compare"] = os.path.join(folder, "compare.nc")
    write_compare(paths["compare"], time, {
        "risk_field": series["risk"], "risk_particles": series["risk"] * 1.1,
        "risk_gap": 0.1 * series["risk"], "mass_plus_gap": 0.05 * m_plus,
        "mass_minus_gap": 0.05 * m_minus + 1e-4, "w1_plus": 0.03 + 0 * time,
        "w1_minus": 0.05 * np.exp(-time / 50)}, attrs={"m": m})
    return paths
