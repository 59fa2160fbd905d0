"""write_particles(): a network's trajectory as a particles-1 file (README "Particle file")."""
import math
import os
import tempfile


def _array(x, name):
    import numpy as np
    if hasattr(x, "detach"):                 # a torch tensor
        x = x.detach().cpu().numpy()
    a = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError("write_particles: %s has a non-finite value" % name)
    return a


def write_particles(path, t, a, b, *, d_H=None, eta=None, seed=None, method=None,
                    basis=None, risk=None, case_text=None):
    """Write the trajectory of a width-m network f(x) = (1/m) Σᵢ aᵢ σ(⟨bᵢ, x⟩) as the
    particles-1 file `path` (written under a temporary name, then renamed). Returns path.

    t     (T,)       mean-field times, strictly increasing;
    a     (T, m)     output weights aᵢ at each time;
    b     (T, m, d)  input weights bᵢ at each time;
    risk  (T,)       the population risk R(t) = ½ E(f − f*)², or an estimate of it
                     (required by the schema);
    d_H              the dimension of H (1 ≤ d_H ≤ d); None: basis.shape[0] (required
                     when basis is None);
    basis (d_H, d)   orthonormal rows spanning H; None: e_1 … e_{d_H} (nothing stored);
    eta, seed, method, case_text: optional attributes (eta NaN when None).
    Arrays may be numpy arrays, sequences or torch tensors (detached, moved to the CPU).

    From PyTorch with nn.Linear layers: for
        layer1 = nn.Linear(d, m, bias=False); layer2 = nn.Linear(m, 1, bias=False)
        f(x) = layer2(relu(layer1(x)))
    the mean-field parameters are b = layer1.weight (m × d) and a = m · layer2.weight[0]
    (then f = (1/m) Σ aᵢ σ(⟨bᵢ, x⟩)).
    Time: the particle flow is θ̇ᵢ = −m ∇_{θᵢ} R in (a, b) (docs/math.md "Particles"), so
    SGD with learning rate m·η on ½(f − y)² in the variables (a, b) makes step k time k·η.
    In the nn.Linear variables W₁ = b, W₂ = a/m: ∂L/∂W₁ = ∂L/∂b and ∂L/∂W₂ = m ∂L/∂a, hence
        layer1 learning rate lr₁ = m·η,   layer2 learning rate lr₂ = η/m = lr₁/m²,
    and step k is mean-field time t = k·η = k·lr₁/m. One learning rate for both layers is
    NOT the mean-field flow (the output layer would move m² times too fast relative to it).
    """
    import netCDF4
    import numpy as np

    t = _array(t, "t")
    a = _array(a, "a")
    b = _array(b, "b")
    if risk is None:
        raise ValueError("write_particles: risk is required (schema particles-1)")
    risk = _array(risk, "risk")
    if d_H is None:
        if basis is None:
            raise ValueError("write_particles: give d_H or basis")
        d_H = len(basis)
    if t.ndim != 1 or t.size == 0:
        raise ValueError("write_particles: t must have shape (T,), T ≥ 1; got %s" % (t.shape,))
    T = t.size
    if np.any(np.diff(t) <= 0):
        raise ValueError("write_particles: t must be strictly increasing")
    if a.ndim != 2 or a.shape[0] != T:
        raise ValueError("write_particles: a must have shape (T, m) = (%d, m); got %s"
                         % (T, a.shape))
    m = a.shape[1]
    if b.ndim != 3 or b.shape[:2] != (T, m):
        raise ValueError("write_particles: b must have shape (T, m, d) = (%d, %d, d); got %s"
                         % (T, m, b.shape))
    d = b.shape[2]
    if risk.shape != (T,):
        raise ValueError("write_particles: risk must have shape (T,) = (%d,); got %s"
                         % (T, risk.shape))
    d_H = int(d_H)
    if not 1 <= d_H <= d:
        raise ValueError("write_particles: d_H = %d: expected 1 ≤ d_H ≤ d = %d" % (d_H, d))
    if basis is not None:
        basis = _array(basis, "basis")
        if basis.shape != (d_H, d):
            raise ValueError("write_particles: basis must have shape (d_H, d) = (%d, %d); "
                             "got %s" % (d_H, d, basis.shape))
        if not np.allclose(basis @ basis.T, np.eye(d_H), atol=1e-10):
            raise ValueError("write_particles: basis rows are not orthonormal")

    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".tmp.")
    os.close(fd)
    try:
        with netCDF4.Dataset(tmp, "w", format="NETCDF4", clobber=True) as nc:
            for name, size in [("time", None), ("neuron", m), ("dim", d), ("dH", d_H)]:
                nc.createDimension(name, size)
            v = nc.createVariable("time", "f8", ("time",))
            v.units, v.long_name = "1", "mean-field time"
            v[:] = t
            v = nc.createVariable("a", "f8", ("time", "neuron"))
            v.long_name = "output weight a_i"
            v[:] = a
            v = nc.createVariable("b", "f8", ("time", "neuron", "dim"))
            v.long_name = "input weight b_i"
            v[:] = b
            v = nc.createVariable("risk", "f8", ("time",))
            v.long_name = "population risk R"
            v[:] = risk
            if basis is not None:
                v = nc.createVariable("basis", "f8", ("dH", "dim"))
                v.long_name = "orthonormal basis of H"
                v[:] = basis
            attrs = {"symflow_schema": "particles-1", "Conventions": "CF-1.8",
                     "m": np.int64(m), "d": np.int64(d), "d_H": np.int64(d_H),
                     "eta": float("nan") if eta is None else float(eta)}
            if seed is not None:
                attrs["seed"] = np.int64(seed)
            if method is not None:
                attrs["method"] = str(method)
            if case_text is not None:
                attrs["case_text"] = str(case_text)
            nc.setncatts(attrs)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path
