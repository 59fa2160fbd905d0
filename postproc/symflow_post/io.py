"""io — open symflow's netCDF files and hand back plain numpy arrays (MATH.md §8).

What it does: opens a file with xarray (decode_times=False: `time` is gradient-flow time in
units "1", never a date), decides its kind from the global attributes, checks that the
variables and dimensions the plots rely on are there, and returns float64 numpy arrays and
a dict of global attributes in a small dataclass.
What it does not do: any analysis (analysis.py) or drawing (plots.py); it never writes.

Kinds (global attributes):
    field     symflow_kind = "field", form = "lifted" (form L, MATH.md §4.3; read_field),
              form = "transport" (form T, MATH.md §4.4; read_transport), form = "ode"
              (read_ode) or form = "hyperbolic" (form H, MATH.md §4.7; read_hyperbolic);
              read_any picks the reader from FIELD_READERS by the form
    particles symflow_schema = "particles-1", validated by libsymflow (validate_particles:
              the schema's one definition is the C reader of core/ncio.c)
    compare   symflow_kind = "compare"
Every problem is a SymflowInputError whose message names the file, the variable or
attribute, what was seen and what was expected.
"""

from dataclasses import dataclass, field as dc_field
import os

import numpy as np
import xarray as xr

#: Time series of a form-L field file (MATH.md §6); all are on dimension `time`.
FIELD_SERIES = ("risk", "mass_plus", "mass_minus", "mass_balance_residual", "dissipation",
                "alignment", "w2_plus", "w2_minus", "tau_min")
#: Series the figures cannot do without.
FIELD_SERIES_REQUIRED = ("risk", "mass_plus", "mass_minus")
#: Time series of a compare file (PDE against particles, MATH.md §6).
COMPARE_SERIES = ("risk_field", "risk_particles", "risk_gap", "mass_plus_gap",
                  "mass_minus_gap", "w1_plus", "w1_minus")
#: Reduced coordinates a form-L field may live on (its last dimension).
ANGLE_COORDS = ("theta", "phi")
#: Coordinates of a form-T field, in the order of the density's dimensions (M16).
TRANSPORT_COORDS = ("a", "u", "r")
#: Time series of a form-T field file (solver/run_transport.c).
TRANSPORT_SERIES = ("risk", "mass", "balance", "dissipation", "w", "density_min")
#: Time series of a form-ode field file (solver/formode.c).
ODE_SERIES = ("risk", "s", "trace_M", "conserved")
#: Time series of the compare files of forms T and ode (postproc/compare.c).
COMPARE_SERIES_T = ("w1_a", "w1_u", "w1_r", "mass_field", "w_field", "w_particles")
COMPARE_SERIES_ODE = ("w_gap", "w_error_field", "w_error_particles")
#: Time series of a form-H field file (solver/formh.c).
HYPERBOLIC_SERIES = ("risk", "dissipation", "mass0", "mass_plus", "mass_minus", "weight_pos",
                     "reservoir_plus", "reservoir_minus", "alignment", "w", "density_min")
#: Time series of the compare file of form H (postproc/compare.c).
COMPARE_SERIES_H = ("w1_omega0", "w1_eta0", "w1_omega_pos", "w1_eta_pos", "mass0_field",
                    "mass0_particles", "mass_pos_field", "mass_pos_particles")


class SymflowInputError(ValueError):
    """A file that is missing, not netCDF, not a symflow file, or malformed."""


@dataclass
class FieldData:
    """A form-L field file. Arrays are float64, index order (time, angle)."""
    path: str
    coord: str            # "theta" (angle to H, [0, π/2]) or "phi" (d_H = 1, [0, π])
    time: np.ndarray      # (nt,) gradient-flow time, units "1"
    centres: np.ndarray   # (n,) cell centres [rad]
    edges: np.ndarray     # (n+1,) cell faces [rad], from <coord>_bnds
    tau_plus: np.ndarray  # (nt, n) density of τ⁺ per radian
    tau_minus: np.ndarray  # (nt, n) density of τ⁻ per radian
    series: dict          # name → (nt,) for the FIELD_SERIES present in the file
    attrs: dict           # global attributes
    units: dict = dc_field(default_factory=dict)  # variable name → units attribute
    #: Ψ̂ (M13) at the cell centres, (nt, n), or None (files written before psi_hat)
    psi_hat: np.ndarray = None
    #: the predictor on the probe lines (L7): probe_f (nt, n_u, n_rho), probe_u (n_u,) and
    #: probe_rho (n_rho,), or None (files written before the probe lines)
    probe_f: np.ndarray = None
    probe_u: np.ndarray = None
    probe_rho: np.ndarray = None

    @property
    def minimiser_mass(self):
        """α of (L4), or None when the file does not know it."""
        v = self.attrs.get("minimiser_mass")
        return None if v is None else float(np.asarray(v).ravel()[0])

    @property
    def widths(self):
        return np.diff(self.edges)


@dataclass
class HemiData:
    """A form-L field file on the d_H = 2 hemisphere (docs/math.md §4.8): τ^± per dθ dφ on
    θ-cells × periodic φ-cells. Arrays are float64, index order (time, theta, phi)."""
    path: str
    time: np.ndarray         # (nt,)
    theta: np.ndarray        # (n_θ,) cell centres [rad], θ ∈ [0, π/2] the angle to H
    theta_edges: np.ndarray  # (n_θ + 1,) from theta_bnds
    phi: np.ndarray          # (n_φ,) cell centres [rad], φ ∈ [0, 2π) the azimuth in H
    phi_edges: np.ndarray    # (n_φ + 1,) from phi_bnds
    tau_plus: np.ndarray     # (nt, n_θ, n_φ) density of τ⁺ per dθ dφ
    tau_minus: np.ndarray    # (nt, n_θ, n_φ)
    series: dict             # name → (nt,) for the FIELD_SERIES present
    attrs: dict
    units: dict = dc_field(default_factory=dict)


@dataclass
class TransportData:
    """A form-T field file (d_H = 1): the density n(t, a, u, r), MATH.md (M16).
    Arrays are float64; the density's index order is (time, a, u, r), r fastest."""
    path: str
    time: np.ndarray      # (nt,) gradient-flow time, units "1"
    centres: dict         # "a", "u", "r" → (n_x,) cell centres
    edges: dict           # "a", "u", "r" → (n_x + 1,) cell faces, from <x>_bnds
    density: np.ndarray   # (nt, n_a, n_u, n_r) density of neurons per unit (a, u, r) volume
    series: dict          # name → (nt,) for the TRANSPORT_SERIES present in the file
    attrs: dict           # global attributes
    units: dict = dc_field(default_factory=dict)  # variable name → units attribute
    #: "a", "u", "r" → (nt, n_x) marginal densities: density_a/u/r of the file, or the
    #: density integrated over the other two coordinates when the file lacks them
    marginals: dict = dc_field(default_factory=dict)
    #: the predictor on the probe lines x = probe_u e₁ + probe_rho ê (L7): probe_f (nt, 2,
    #: n_rho), probe_u (2,), probe_rho (n_rho,), or None (files written before them)
    probe_f: np.ndarray = None
    probe_u: np.ndarray = None
    probe_rho: np.ndarray = None


@dataclass
class OdeData:
    """A form-ode field file: the coefficient w(t) in the basis of H and the series (M8)."""
    path: str
    time: np.ndarray      # (nt,)
    w: np.ndarray         # (nt, d_H) w = ½ ∫ a b dμ in the basis of H
    w_star: np.ndarray    # (nt, d_H) target coefficient w*
    series: dict          # name → (nt,) for the ODE_SERIES present ("risk" required)
    attrs: dict
    units: dict = dc_field(default_factory=dict)


@dataclass
class ParticleData:
    """A particle file, schema particles-1. Either b (+ basis) or the reduced (u, r)."""
    path: str
    time: np.ndarray      # (nt,)
    a: np.ndarray         # (nt, m) output weights
    b: np.ndarray         # (nt, m, d) first-layer weights, or None (reduced storage)
    basis: np.ndarray     # (d_H, d) orthonormal rows spanning H, or None (reduced storage)
    u: np.ndarray         # (nt, m, d_H) component of b in H (basis coordinates), or None
    r: np.ndarray         # (nt, m) |b_⊥|, or None
    risk: np.ndarray      # (nt,)
    attrs: dict

    @property
    def m(self):
        return self.a.shape[1]

    @property
    def d_H(self):
        return self.basis.shape[0] if self.u is None else self.u.shape[2]

    @property
    def label(self):
        return "particles m=%d" % self.m


@dataclass
class CompareData:
    """A compare file: PDE against particles, time series on `time`."""
    path: str
    time: np.ndarray
    series: dict          # name → (nt,) for the COMPARE_SERIES present
    attrs: dict

    @property
    def label(self):
        m = self.attrs.get("m")
        if m is not None:
            return "m=%d" % int(np.asarray(m).ravel()[0])
        return os.path.splitext(os.path.basename(self.path))[0]


def _text(v):
    """A netCDF text attribute as str (bytes and 0-d arrays tolerated)."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.shape == ():
        return _text(v.item())
    return v if isinstance(v, str) else str(v)


def open_dataset(path):
    """The file at `path` loaded in memory as an xarray.Dataset (times not decoded)."""
    if not os.path.exists(path):
        raise SymflowInputError("%s: no such file" % path)
    if os.path.isdir(path):
        raise SymflowInputError("%s: is a directory, expected a netCDF file" % path)
    try:
        with xr.open_dataset(path, decode_times=False) as ds:
            return ds.load()
    except Exception as exc:  # xarray raises ValueError, OSError, … depending on backend
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SymflowInputError("%s: not a readable netCDF file (%s)" % (path, first[:120]))


def kind_of(ds, path="<dataset>"):
    """'field', 'particles' or 'compare' from the global attributes, else SymflowInputError."""
    schema = _text(ds.attrs.get("symflow_schema", ""))
    kind = _text(ds.attrs.get("symflow_kind", ""))
    if schema == "particles-1":
        return "particles"
    if schema:
        raise SymflowInputError("%s: attribute symflow_schema = %r: expected \"particles-1\""
                                % (path, schema))
    if kind in ("field", "compare"):
        return kind
    if kind:
        raise SymflowInputError("%s: attribute symflow_kind = %r: expected \"field\" or "
                                "\"compare\"" % (path, kind))
    raise SymflowInputError("%s: not a symflow file (no global attribute symflow_kind or "
                            "symflow_schema)" % path)


def _var(ds, path, name, dims=None):
    if name not in ds.variables:
        raise SymflowInputError("%s: variable %s: not found" % (path, name))
    v = ds[name]
    if dims is not None and tuple(v.dims) != tuple(dims):
        raise SymflowInputError("%s: variable %s: dimensions (%s): expected (%s)"
                                % (path, name, ", ".join(v.dims), ", ".join(dims)))
    return np.asarray(v.values, dtype=np.float64)


def _edges_from_bounds(bnds, path, name):
    """(n, 2) contiguous CF bounds → (n+1,) edges."""
    if bnds.ndim != 2 or bnds.shape[1] != 2:
        raise SymflowInputError("%s: variable %s: shape %s: expected (n, 2)"
                                % (path, name, bnds.shape))
    # The writer emits bnds[i] = (edges[i], edges[i+1]) from one array, so contiguity is
    # exact; anything else is a foreign or damaged grid.
    if not np.array_equal(bnds[1:, 0], bnds[:-1, 1]):
        raise SymflowInputError("%s: variable %s: cells are not contiguous" % (path, name))
    edges = np.concatenate([bnds[:, 0], bnds[-1:, 1]])
    if not np.all(np.diff(edges) > 0):
        raise SymflowInputError("%s: variable %s: faces not increasing" % (path, name))
    return edges


def _edges_from_centres(c):
    """Faces half-way between centres, the outer ones mirrored (CF bounds absent)."""
    mid = 0.5 * (c[1:] + c[:-1])
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def _open_field(path, ds, form, note=""):
    """The dataset of a field file of form `form`; SymflowInputError naming the file and what
    it is otherwise (`note`: the parenthetical after the expected form, may be empty)."""
    ds = open_dataset(path) if ds is None else ds
    kind = kind_of(ds, path)
    if kind != "field":
        raise SymflowInputError("%s: a %s file: expected a field file" % (path, kind))
    got = _text(ds.attrs.get("form", ""))
    forms = form if isinstance(form, tuple) else (form,)
    if got not in forms:
        raise SymflowInputError("%s: attribute form = %r: expected %s%s"
                                % (path, got, " or ".join('"%s"' % f for f in forms),
                                   " (%s)" % note if note else ""))
    return ds


def _read_probe(ds, path):
    """{probe_f, probe_u, probe_rho} of a field file with the probe lines (L7), else {}."""
    if "probe_f" not in ds.variables:
        return {}
    return {"probe_u": _var(ds, path, "probe_u", ("probe_u",)),
            "probe_rho": _var(ds, path, "probe_rho", ("probe_rho",)),
            "probe_f": _var(ds, path, "probe_f", ("time", "probe_u", "probe_rho"))}


#: Forms whose field files are form-L files: form L itself, and form characteristics, whose
#: densities are reconstructed on form L's grid from the nodes (docs/math.md (L9)).
LIFTED_FORMS = ("lifted", "characteristics")


def read_field(path, ds=None):
    """FieldData of a form-L field file; SymflowInputError if it is anything else."""
    ds = _open_field(path, ds, LIFTED_FORMS, "form L; only form L fields are plotted")
    if "tau_plus" not in ds.variables:
        raise SymflowInputError("%s: variable tau_plus: not found" % path)
    dims = ds["tau_plus"].dims
    if tuple(dims) == ("time", "theta", "phi"):
        raise SymflowInputError("%s: variable tau_plus: dimensions (time, theta, phi): a d_H = 2 "
                                "hemisphere field (docs/math.md §4.8), not a 1-D form-L field: "
                                "`plot` draws it, `export` and `paper` do not yet" % path)
    if len(dims) != 2 or dims[0] != "time" or dims[1] not in ANGLE_COORDS:
        raise SymflowInputError("%s: variable tau_plus: dimensions (%s): expected (time, "
                                "theta) or (time, phi)" % (path, ", ".join(dims)))
    coord = dims[1]
    time = _var(ds, path, "time", ("time",))
    centres = _var(ds, path, coord, (coord,))
    bname = ds[coord].attrs.get("bounds", coord + "_bnds")
    if bname in ds.variables:
        edges = _edges_from_bounds(_var(ds, path, bname), path, bname)
        if edges.size != centres.size + 1:
            raise SymflowInputError("%s: variable %s: %d cells: expected %d"
                                    % (path, bname, edges.size - 1, centres.size))
    else:
        edges = _edges_from_centres(centres)
    tau_plus = _var(ds, path, "tau_plus", ("time", coord))
    tau_minus = _var(ds, path, "tau_minus", ("time", coord))
    series = {}
    for name in FIELD_SERIES:
        if name in ds.variables:
            series[name] = _var(ds, path, name, ("time",))
        elif name in FIELD_SERIES_REQUIRED:
            raise SymflowInputError("%s: variable %s: not found" % (path, name))
    units = {name: _text(ds[name].attrs["units"]) for name in ds.variables
             if "units" in ds[name].attrs}
    psi_hat = _var(ds, path, "psi_hat", ("time", coord)) if "psi_hat" in ds.variables else None
    probe = _read_probe(ds, path)
    return FieldData(path=path, coord=coord, time=time, centres=centres, edges=edges,
                     tau_plus=tau_plus, tau_minus=tau_minus, series=series,
                     attrs=dict(ds.attrs), units=units, psi_hat=psi_hat, **probe)


def _coord_edges(ds, path, coord):
    """(centres, edges) of coordinate `coord`: its variable and CF bounds (required)."""
    centres = _var(ds, path, coord, (coord,))
    bname = _text(ds[coord].attrs.get("bounds", coord + "_bnds"))
    if bname not in ds.variables:
        raise SymflowInputError("%s: variable %s (bounds of %s): not found" % (path, bname, coord))
    edges = _edges_from_bounds(_var(ds, path, bname), path, bname)
    if edges.size != centres.size + 1:
        raise SymflowInputError("%s: variable %s: %d cells: expected %d"
                                % (path, bname, edges.size - 1, centres.size))
    return centres, edges


def read_transport(path, ds=None):
    """TransportData of a form-T field file; SymflowInputError if it is anything else."""
    ds = _open_field(path, ds, "transport", "form T")
    dims = ("time",) + TRANSPORT_COORDS
    time = _var(ds, path, "time", ("time",))
    density = _var(ds, path, "density", dims)
    centres, edges = {}, {}
    for x in TRANSPORT_COORDS:
        centres[x], edges[x] = _coord_edges(ds, path, x)
    series = {n: _var(ds, path, n, ("time",)) for n in TRANSPORT_SERIES if n in ds.variables}
    units = {name: _text(ds[name].attrs["units"]) for name in ds.variables
             if "units" in ds[name].attrs}
    marginals = {}
    widths = {x: np.diff(edges[x]) for x in TRANSPORT_COORDS}
    for k, x in enumerate(TRANSPORT_COORDS):
        name = "density_" + x
        if name in ds.variables:
            marginals[x] = _var(ds, path, name, ("time", x))
        else:  # ∫ n over the two other coordinates
            others = [y for y in TRANSPORT_COORDS if y != x]
            w = np.multiply.outer(widths[others[0]], widths[others[1]])
            moved = np.moveaxis(density, (0, 1 + k), (0, 1))   # (t, x, others in order)
            marginals[x] = np.einsum("tijk,jk->ti", moved, w)
    return TransportData(path=path, time=time, centres=centres, edges=edges, density=density,
                         series=series, attrs=dict(ds.attrs), units=units,
                         marginals=marginals, **_read_probe(ds, path))


def read_ode(path, ds=None):
    """OdeData of a form-ode field file; SymflowInputError if it is anything else."""
    ds = _open_field(path, ds, "ode")
    time = _var(ds, path, "time", ("time",))
    w = _var(ds, path, "w", ("time", "component"))
    w_star = _var(ds, path, "w_star", ("time", "component"))
    series = {n: _var(ds, path, n, ("time",)) for n in ODE_SERIES if n in ds.variables}
    if "risk" not in series:
        raise SymflowInputError("%s: variable risk: not found" % path)
    units = {name: _text(ds[name].attrs["units"]) for name in ds.variables
             if "units" in ds[name].attrs}
    return OdeData(path=path, time=time, w=w, w_star=w_star, series=series,
                   attrs=dict(ds.attrs), units=units)


def validate_particles(path):
    """Check `path` against the schema particles-1 through libsymflow (the C reader
    sf_ncp_read, called by sf_api_check_particles): the schema has one definition, in
    core/ncio.c, which `symflow compare` applies too. SymflowInputError with its one-line
    message (naming the file and the variable or attribute) when the file does not conform,
    or when libsymflow cannot be loaded."""
    try:
        from symflow import _lib
    except ImportError as exc:
        raise SymflowInputError("%s: cannot validate the particle file: the Python package "
                                "symflow (python/symflow, installed beside symflow_post) is "
                                "not importable (%s)" % (path, exc))
    try:
        _lib.check_particles(path)
    except _lib.SymflowError as exc:
        raise SymflowInputError(exc.message)


def read_particles(path, ds=None):
    """ParticleData of a particles-1 file (b with basis, or the reduced u and r), after
    validate_particles: the arrays are read as the C reader checked them (dimension order,
    finite values, attributes), nothing is checked twice here."""
    ds = open_dataset(path) if ds is None else ds
    kind = kind_of(ds, path)
    if kind != "particles":
        raise SymflowInputError("%s: a %s file: expected a particle file" % (path, kind))
    validate_particles(path)
    val = lambda name: np.asarray(ds[name].values, dtype=np.float64)
    b = basis = u = r = None
    if "b" in ds.variables:
        b = val("b")
        d_H = int(np.asarray(ds.attrs["d_H"]).ravel()[0])
        # absent basis: the schema's default H = span(e_1 … e_{d_H})
        basis = val("basis") if "basis" in ds.variables else np.eye(b.shape[2])[:d_H]
    else:
        u, r = val("u"), val("r")
    return ParticleData(path=path, time=val("time"), a=val("a"), b=b, basis=basis, u=u, r=r,
                        risk=val("risk"), attrs=dict(ds.attrs))


def read_compare(path, ds=None):
    """CompareData of a compare file."""
    ds = open_dataset(path) if ds is None else ds
    kind = kind_of(ds, path)
    if kind != "compare":
        raise SymflowInputError("%s: a %s file: expected a compare file" % (path, kind))
    time = _var(ds, path, "time", ("time",))
    names = COMPARE_SERIES + COMPARE_SERIES_T + COMPARE_SERIES_ODE + COMPARE_SERIES_H
    # w_field is a series of a form-T compare file but (time, component) of an ode one
    series = {n: _var(ds, path, n, ("time",)) for n in names
              if n in ds.variables and tuple(ds[n].dims) == ("time",)}
    return CompareData(path=path, time=time, series=series, attrs=dict(ds.attrs))


@dataclass
class HyperbolicData:
    """A form-H field file (MATH.md §4.7): |δ|-weighted densities N0 on (eta, ω) and Nplus,
    Nminus on (eta_pos, ω), ω = "phi" (d_H = 1) or "theta" (radial)."""
    path: str
    coord: str            # "phi" or "theta"
    time: np.ndarray      # (nt,)
    centres: dict         # "eta", "eta_pos", coord → cell centres
    edges: dict           # the same → cell faces, from <x>_bnds
    N0: np.ndarray        # (nt, n_eta, n_omega)
    Nplus: np.ndarray     # (nt, n_eta_pos, n_omega)
    Nminus: np.ndarray    # (nt, n_eta_pos, n_omega)
    series: dict          # name → (nt,) for the HYPERBOLIC_SERIES present ("risk" required)
    attrs: dict
    units: dict = dc_field(default_factory=dict)
    form_name = "form H"

    def omega_marginal(self, family):
        """(nt, n_omega) ∫ N dη of family "N0", "Nplus" or "Nminus" (density in ω)."""
        e = "eta" if family == "N0" else "eta_pos"
        return np.einsum("tij,i->tj", getattr(self, family), np.diff(self.edges[e]))

    def eta_marginal(self, family):
        """(nt, n_eta) ∫ N dω of family "N0", "Nplus" or "Nminus" (density in η)."""
        return np.einsum("tij,j->ti", getattr(self, family), np.diff(self.edges[self.coord]))


def read_hyperbolic(path, ds=None):
    """HyperbolicData of a form-H field file; SymflowInputError if it is anything else."""
    ds = _open_field(path, ds, "hyperbolic", "form H")
    if "N0" not in ds.variables:
        raise SymflowInputError("%s: variable N0: not found" % path)
    dims = ds["N0"].dims
    if len(dims) != 3 or dims[:2] != ("time", "eta") or dims[2] not in ANGLE_COORDS:
        raise SymflowInputError("%s: variable N0: dimensions (%s): expected (time, eta, phi) "
                                "or (time, eta, theta)" % (path, ", ".join(dims)))
    coord = dims[2]
    time = _var(ds, path, "time", ("time",))
    centres, edges = {}, {}
    for x in ("eta", "eta_pos", coord):
        centres[x], edges[x] = _coord_edges(ds, path, x)
    N0 = _var(ds, path, "N0", ("time", "eta", coord))
    Np = _var(ds, path, "Nplus", ("time", "eta_pos", coord))
    Nm = _var(ds, path, "Nminus", ("time", "eta_pos", coord))
    series = {n: _var(ds, path, n, ("time",)) for n in HYPERBOLIC_SERIES if n in ds.variables}
    if "risk" not in series:
        raise SymflowInputError("%s: variable risk: not found" % path)
    units = {name: _text(ds[name].attrs["units"]) for name in ds.variables
             if "units" in ds[name].attrs}
    return HyperbolicData(path=path, coord=coord, time=time, centres=centres, edges=edges,
                          N0=N0, Nplus=Np, Nminus=Nm, series=series, attrs=dict(ds.attrs),
                          units=units)


#: Reader of a field file per value of its attribute `form`; a new form adds a row.
def read_hemi(path, ds=None):
    """HemiData of a form-L field file on the d_H = 2 hemisphere (tau_plus(time, theta,
    phi)); SymflowInputError if it is anything else."""
    ds = _open_field(path, ds, "lifted", "form L")
    dims = ("time", "theta", "phi")
    time = _var(ds, path, "time", ("time",))
    tp = _var(ds, path, "tau_plus", dims)
    tm = _var(ds, path, "tau_minus", dims)
    theta, theta_edges = _coord_edges(ds, path, "theta")
    phi, phi_edges = _coord_edges(ds, path, "phi")
    series = {n: _var(ds, path, n, ("time",)) for n in FIELD_SERIES if n in ds.variables}
    for name in FIELD_SERIES_REQUIRED:
        if name not in series:
            raise SymflowInputError("%s: variable %s: not found" % (path, name))
    units = {name: _text(ds[name].attrs["units"]) for name in ds.variables
             if "units" in ds[name].attrs}
    return HemiData(path=path, time=time, theta=theta, theta_edges=theta_edges, phi=phi,
                    phi_edges=phi_edges, tau_plus=tp, tau_minus=tm, series=series,
                    attrs=dict(ds.attrs), units=units)


def _read_lifted(path, ds=None):
    """read_hemi for a (time, theta, phi) field, read_field otherwise."""
    ds = open_dataset(path) if ds is None else ds
    if "tau_plus" in ds.variables and tuple(ds["tau_plus"].dims) == ("time", "theta", "phi"):
        return read_hemi(path, ds)
    return read_field(path, ds)


FIELD_READERS = {"lifted": _read_lifted, "characteristics": _read_lifted,
                 "transport": read_transport, "ode": read_ode,
                 "hyperbolic": read_hyperbolic}


def read_any_field(path, ds=None):
    """FieldData, TransportData or OdeData, by the file's attribute form (FIELD_READERS)."""
    ds = open_dataset(path) if ds is None else ds
    form = _text(ds.attrs.get("form", ""))
    if form not in FIELD_READERS:
        raise SymflowInputError("%s: attribute form = %r: expected one of %s"
                                % (path, form, ", ".join('"%s"' % f for f in FIELD_READERS)))
    return FIELD_READERS[form](path, ds)


def read_any(path):
    """(kind, data) for any symflow file, data being FieldData/TransportData/OdeData (by
    the form of a field file), ParticleData or CompareData."""
    ds = open_dataset(path)
    kind = kind_of(ds, path)
    reader = {"field": read_any_field, "particles": read_particles,
              "compare": read_compare}[kind]
    return kind, reader(path, ds)
