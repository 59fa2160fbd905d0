"""test_cf_all — every kind of file `symflow` writes is CF-1.8 and carries the §8 attributes
(MATH.md §8: "xarray, ncview and ParaView open them unaided").

Files, made by the binary named by the environment variable SYMFLOW (as ctest sets it; the
class is skipped otherwise):
    form L    symflow solve cases/tiny.yaml
    form T    symflow solve cases/odd-linear.yaml, t ≤ 0.5 (three outputs)
    form ode  symflow solve cases/odd-linear.yaml --set form=ode, t ≤ 0.5
    particles symflow particles cases/tiny.yaml -m 64, t ≤ 0.5 (outputs 0, 0.25, 0.5)
    form L on the hemisphere  symflow solve cases/xor.yaml, 8 θ-cells, t ≤ 0.5
    compare   symflow compare of the form-L file with a 64-neuron run on its own output
              times (so that every time is common; a run on 0, 0.25, 0.5 shares only t = 0)
and, always, the synthetic form-L and form-T files of symflow_post.synthetic (which mirror
the C layouts). Checks, with explicit attribute tests (no CF checker is available offline):
xarray.open_dataset with default decoding gives float64 `time` (units "1", never a date),
strictly increasing, on an unlimited dimension; Conventions = "CF-1.8", title and history;
every coordinate variable has units and long_name and strictly monotonic values; every
`bounds` attribute names an (n, 2) variable whose cells are contiguous (bounds[i, 1] ==
bounds[i+1, 0] exactly), increasing, with the centre inside; every other variable has a
long_name, every time-dependent one units and `time` first; field densities are chunked
(1, …) with deflate and shuffle; the global attributes of §8 per kind.
Findings the C writer does not meet yet are kept as expected failures, each naming what is
missing (an unexpected success means it was fixed: drop the marker).
Run: PYTHONPATH=postproc SYMFLOW=build/dev/app/symflow /usr/bin/python3 tests/python/test_cf_all.py
"""

import os
import shutil
import subprocess
import tempfile
import unittest

import netCDF4
import numpy as np
import xarray as xr

from symflow_post import synthetic

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TINY = os.path.join(ROOT, "cases", "tiny.yaml")
ODD_LINEAR = os.path.join(ROOT, "cases", "odd-linear.yaml")
XOR = os.path.join(ROOT, "cases", "xor.yaml")
SHORT = ["--set", "time.end=0.5", "--set", "time.outputs=[0,0.25,0.5]"]

#: §8 field file: the case (d, d_H, k, input law, target, start), form, tolerances, version,
#: the case text. Integer-valued ones are checked to be stored as integers.
FIELD_ATTRS = ("symflow_kind", "symflow_version", "form", "target", "d", "d_H", "k", "input",
               "start", "method", "rtol", "atol", "case_text", "case_file")
#: §8 field file, forms on a grid (L and T): the symmetry group and the scheme.
GRID_FIELD_ATTRS = ("group", "scheme")
#: §8 particle file (schema particles-1, documented in core/ncio.c).
PARTICLE_ATTRS = ("symflow_schema", "d", "d_H", "m", "eta", "seed", "method")
#: Compare file: what it compares and the sizes of the problem.
COMPARE_ATTRS = ("symflow_kind", "field_file", "particles_file", "d", "d_H", "m")
INT_ATTRS = ("d", "d_H", "k", "m", "seed")


def check_cf(tc, path):
    """The checks every symflow file passes; returns the global attributes."""
    with xr.open_dataset(path) as ds:                 # default decoding, as a user would
        t = ds["time"]
        tc.assertEqual(t.dtype, np.float64, "%s: time decoded as %s" % (path, t.dtype))
        tc.assertEqual(t.attrs.get("units"), "1", path)
        tc.assertTrue(t.attrs.get("long_name"), path)
        tc.assertTrue(np.all(np.diff(t.values) > 0), "%s: time not increasing" % path)
        tc.assertEqual(ds.attrs.get("Conventions"), "CF-1.8", path)
        for name in ("title", "history"):
            tc.assertIsInstance(ds.attrs.get(name), str, "%s: attribute %s" % (path, name))
            tc.assertTrue(ds.attrs[name], "%s: attribute %s empty" % (path, name))
        bounds_vars = set()
        for name, v in ds.variables.items():
            tc.assertNotIn(v.dtype.kind, "mM", "%s: %s decoded as %s" % (path, name, v.dtype))
            if "bounds" in v.attrs:
                bounds_vars.add(v.attrs["bounds"])
        for name, v in ds.variables.items():
            where = "%s: variable %s" % (path, name)
            if v.dims == (name,):                      # a coordinate variable
                for att in ("units", "long_name"):
                    tc.assertIsInstance(v.attrs.get(att), str, "%s: %s missing" % (where, att))
                    tc.assertTrue(v.attrs[att], "%s: %s empty" % (where, att))
                d = np.diff(v.values)
                tc.assertTrue(np.all(d > 0) or np.all(d < 0), "%s: not monotonic" % where)
            if "bounds" in v.attrs:
                check_bounds(tc, ds, path, name)
            if name in bounds_vars:
                continue                               # CF 7.1: bounds inherit the metadata
            tc.assertTrue(v.attrs.get("long_name"), "%s: long_name missing" % where)
            if "time" in v.dims:
                tc.assertEqual(v.dims[0], "time", "%s: dimensions %s" % (where, v.dims))
                tc.assertIn("units", v.attrs, "%s: units missing" % where)
        attrs = dict(ds.attrs)
    with netCDF4.Dataset(path) as nc:
        tc.assertTrue(nc.dimensions["time"].isunlimited(), "%s: time not unlimited" % path)
    for name in INT_ATTRS:
        if name in attrs:
            tc.assertTrue(np.issubdtype(np.asarray(attrs[name]).dtype, np.integer),
                          "%s: attribute %s = %r: expected an integer" % (path, name, attrs[name]))
    return attrs


def check_bounds(tc, ds, path, coord):
    """CF cell bounds of `coord`: (n, 2), contiguous, increasing, centre inside."""
    bname = ds[coord].attrs["bounds"]
    where = "%s: %s (bounds of %s)" % (path, bname, coord)
    tc.assertIn(bname, ds.variables, "%s: not found" % where)
    b = ds[bname]
    tc.assertEqual(b.dims[0], coord, where)
    tc.assertEqual(b.shape, (ds[coord].size, 2), where)
    b, c = b.values, ds[coord].values
    np.testing.assert_array_equal(b[1:, 0], b[:-1, 1], err_msg=where + ": not contiguous")
    tc.assertTrue(np.all(b[:, 0] < b[:, 1]), "%s: empty or reversed cells" % where)
    tc.assertTrue(np.all((b[:, 0] <= c) & (c <= b[:, 1])), "%s: centre outside" % where)
    if "units" in ds[bname].attrs:
        tc.assertEqual(ds[bname].attrs["units"], ds[coord].attrs.get("units"), where)


def check_attrs(tc, path, attrs, names):
    missing = [n for n in names if n not in attrs]
    tc.assertEqual(missing, [], "%s: §8 global attributes missing: %s" % (path, missing))


def check_field(tc, path, form):
    """check_cf plus the §8 field attributes and the chunking of the densities."""
    attrs = check_cf(tc, path)
    check_attrs(tc, path, attrs, FIELD_ATTRS)
    tc.assertEqual(attrs["symflow_kind"], "field")
    tc.assertEqual(attrs["form"], form)
    tc.assertEqual(int(attrs["d_H"]) + int(attrs["k"]), int(attrs["d"]), path)
    for name in ("rtol", "atol"):
        tc.assertTrue(np.isfinite(float(attrs[name])) and float(attrs[name]) > 0, name)
    if form != "ode":
        check_attrs(tc, path, attrs, GRID_FIELD_ATTRS)
    with netCDF4.Dataset(path) as nc:
        for name, v in nc.variables.items():
            if v.dimensions[:1] == ("time",) and v.ndim >= 2:
                tc.assertEqual(v.chunking(), [1] + list(v.shape[1:]), "%s: %s" % (path, name))
                f = v.filters()
                tc.assertTrue(f["zlib"] and f["shuffle"], "%s: %s: %s" % (path, name, f))
    return attrs


class TestSyntheticCF(unittest.TestCase):
    """The synthetic writers (the stand-ins of the C layouts in the other tests)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="symflow_cf_all_")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_lifted(self):
        path = os.path.join(self.tmp, "l.nc")
        edges = 0.5 * np.pi * (np.arange(11) / 10.0) ** 1.3
        tau = np.ones((3, 10))
        synthetic.write_field(path, [0.0, 1.0, 2.0], edges, tau, 0.5 * tau,
                              attrs={"case_file": "synthetic.yaml",
                                     "d": np.int32(30), "d_H": np.int32(5), "k": np.int32(25)})
        check_field(self, path, "lifted")

    def test_transport(self):
        path = os.path.join(self.tmp, "t.nc")
        e = {"a": np.linspace(-4, 4, 7), "u": np.linspace(-3, 3, 6), "r": np.linspace(0, 5, 5)}
        t = np.array([0.0, 0.5])
        synthetic.write_transport(path, t, e, synthetic.gaussian_transport(t, e))
        check_field(self, path, "transport")


@unittest.skipUnless(os.environ.get("SYMFLOW") and os.access(os.environ["SYMFLOW"], os.X_OK),
                     "no symflow binary (env SYMFLOW)")
class TestSymflowFilesCF(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        exe = os.environ["SYMFLOW"]
        cls.tmp = tempfile.mkdtemp(prefix="symflow_cf_all_bin_")
        cls.f = {k: os.path.join(cls.tmp, k + ".nc")
                 for k in ("lifted", "transport", "ode", "particles", "particles_l", "compare",
                           "hemi")}
        runs = [
            ["solve", TINY, "-o", cls.f["lifted"]],
            ["solve", ODD_LINEAR, "-o", cls.f["transport"]] + SHORT,
            ["solve", ODD_LINEAR, "-o", cls.f["ode"], "--set", "form=ode"] + SHORT,
            ["particles", TINY, "-m", "64", "-o", cls.f["particles"]] + SHORT,
            ["particles", TINY, "-m", "64", "-o", cls.f["particles_l"]],
            ["compare", cls.f["lifted"], cls.f["particles_l"], "-o", cls.f["compare"]],
            ["solve", XOR, "-o", cls.f["hemi"], "--set", "grid.cells=8"] + SHORT,
        ]
        for args in runs:
            p = subprocess.run([exe] + args + ["--quiet"], capture_output=True, text=True,
                               timeout=600, cwd=ROOT)
            if p.returncode != 0:
                shutil.rmtree(cls.tmp, ignore_errors=True)
                raise AssertionError("symflow %s: exit %d: %s"
                                     % (" ".join(args), p.returncode, p.stderr.strip()))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_lifted(self):
        attrs = check_field(self, self.f["lifted"], "lifted")
        self.assertGreater(float(attrs["minimiser_mass"]), 0.0)

    def test_transport(self):
        check_field(self, self.f["transport"], "transport")
        with xr.open_dataset(self.f["transport"]) as ds:
            self.assertEqual(ds["density"].dims, ("time", "a", "u", "r"))
            for x in ("a", "u", "r"):
                self.assertEqual(ds[x].attrs.get("bounds"), x + "_bnds")

    def test_ode(self):
        check_field(self, self.f["ode"], "ode")

    def test_hemisphere(self):
        """Form L on the d_H = 2 hemisphere: tau_plus(time, theta, phi), φ ∈ [0, 2π)."""
        check_field(self, self.f["hemi"], "lifted")
        with xr.open_dataset(self.f["hemi"]) as ds:
            self.assertEqual(ds["tau_plus"].dims, ("time", "theta", "phi"))
            self.assertEqual(ds["tau_minus"].dims, ("time", "theta", "phi"))
            for x in ("theta", "phi"):
                self.assertEqual(ds[x].attrs.get("bounds"), x + "_bnds")
            self.assertEqual(float(ds["phi_bnds"][0, 0]), 0.0)
            self.assertAlmostEqual(float(ds["phi_bnds"][-1, 1]), 2 * np.pi, places=14)

    def test_ode_group_and_scheme(self):
        """§8 lists `group` and `scheme` among a field file's global attributes; the form-ode
        file (solver/formode.c) writes neither."""
        with xr.open_dataset(self.f["ode"]) as ds:
            check_attrs(self, self.f["ode"], ds.attrs, GRID_FIELD_ATTRS)

    def test_particles(self):
        for key in ("particles", "particles_l"):
            path = self.f[key]
            attrs = check_cf(self, path)
            check_attrs(self, path, attrs, PARTICLE_ATTRS)
            self.assertEqual(attrs["symflow_schema"], "particles-1")
            with xr.open_dataset(path) as ds:
                self.assertEqual(int(attrs["m"]), ds.sizes["neuron"])
                self.assertEqual(int(attrs["d"]), ds.sizes["dim"])
                self.assertEqual(int(attrs["d_H"]), ds.sizes["dH"])
                basis = ds["basis"].values                  # "the basis of H" (§8)
                np.testing.assert_allclose(basis @ basis.T, np.eye(basis.shape[0]),
                                           atol=8 * basis.shape[1] * np.finfo(float).eps)
            # the schema: eta is the Euler step, NaN where not applicable (method cvode)
            eta = float(attrs["eta"])
            self.assertTrue(np.isnan(eta) or eta > 0, eta)

    def test_compare(self):
        path = self.f["compare"]
        attrs = check_cf(self, path)
        check_attrs(self, path, attrs, COMPARE_ATTRS)
        self.assertEqual(attrs["symflow_kind"], "compare")
        with xr.open_dataset(path) as ds, xr.open_dataset(self.f["lifted"]) as fl:
            self.assertEqual(ds.sizes["time"], fl.sizes["time"])   # every time is common
            np.testing.assert_array_equal(ds["theta_bnds"].values, fl["theta_bnds"].values)

    def test_compare_version(self):
        """§8: files carry the symflow version (field files: symflow_version; particle files
        the schema). The compare file (postproc/compare.c) has neither symflow_version nor
        symflow_schema, only the version inside `history`."""
        with xr.open_dataset(self.f["compare"]) as ds:
            self.assertIn("symflow_version", ds.attrs)


if __name__ == "__main__":
    unittest.main(verbosity=1)
