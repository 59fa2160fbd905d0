"""test_cf — field files open unaided as CF-1.8 (MATH.md §8).

For a synthetic form-L field file written by symflow_post.synthetic (which mirrors the C
writer's layout), and for the field file named by the environment variable SF_FIELD_FILE
when it is set (a file written by `symflow`; skipped otherwise), checks that
xarray.open_dataset with its default decoding gives float64 `time` (units "1": never a
date), that every coordinate has units, long_name and bounds (an (n, 2) variable whose
cells are contiguous), that densities are "1/rad" and chunked (1, n) with deflate and
shuffle, that the time series are on `time`, and that the global attributes of §8 are
there; and that symflow_post.io reads the file.
Run: PYTHONPATH=postproc /usr/bin/python3 tests/python/test_cf.py
"""

import os
import shutil
import subprocess
import tempfile
import unittest

import netCDF4
import numpy as np
import xarray as xr

from symflow_post import analysis as an
from symflow_post import io as sfio
from symflow_post import plots, synthetic

#: A seconds-long form-L case shipped with the repository (run from the repo root).
TINY_CASE = os.path.join("cases", "tiny.yaml")
EPS = np.finfo(float).eps

#: Global attributes every form-L field file carries (MATH.md §8 and the field-file contract).
REQUIRED_ATTRS = ("Conventions", "title", "symflow_kind", "symflow_version", "target", "d", "d_H", "k", "input",
                  "form", "scheme", "limiter", "method", "rtol", "atol", "case_text",
                  "risk_const")
NUMERIC_ATTRS = ("d", "d_H", "k", "rtol", "atol", "risk_const")
SERIES = ("risk", "mass_plus", "mass_minus", "mass_balance_residual", "dissipation",
          "alignment", "w2_plus", "w2_minus", "tau_min")


def check_field_file(tc, path):
    """Every CF / §8 check on one field file; `tc` is the TestCase reporting failures."""
    with xr.open_dataset(path) as ds:              # default decoding, as a user would
        tc.assertEqual(ds["time"].dtype, np.float64, "time decoded as %s" % ds["time"].dtype)
        tc.assertEqual(ds["time"].attrs.get("units"), "1")
        tc.assertEqual(ds.attrs.get("Conventions"), "CF-1.8")
        for name in REQUIRED_ATTRS:
            tc.assertIn(name, ds.attrs, "%s: global attribute %s missing" % (path, name))
        for name in NUMERIC_ATTRS:
            tc.assertTrue(np.isfinite(np.asarray(ds.attrs[name], dtype=float)).all(), name)
        tc.assertEqual(ds.attrs["symflow_kind"], "field")
        tc.assertEqual(ds.attrs["form"], "lifted")
        tc.assertEqual(int(ds.attrs["d_H"]) + int(ds.attrs["k"]), int(ds.attrs["d"]))
        if "minimiser_mass" in ds.attrs:
            tc.assertGreater(float(ds.attrs["minimiser_mass"]), 0.0)
        coord = ds["tau_plus"].dims[-1]
        tc.assertIn(coord, ("theta", "phi"))
        tc.assertEqual(ds["tau_plus"].dims, ("time", coord))
        cv = ds[coord]
        tc.assertEqual(cv.attrs.get("units"), "rad")
        tc.assertIn("long_name", cv.attrs)
        bname = cv.attrs.get("bounds")
        tc.assertEqual(bname, coord + "_bnds")
        b = ds[bname].values
        tc.assertEqual(b.shape, (cv.size, 2))
        np.testing.assert_array_equal(b[1:, 0], b[:-1, 1])       # contiguous cells
        tc.assertTrue(np.all((b[:, 0] <= cv.values) & (cv.values <= b[:, 1])))
        for name in ("tau_plus", "tau_minus"):
            tc.assertEqual(ds[name].attrs.get("units"), "1/rad", name)
        for name in SERIES:
            tc.assertIn(name, ds.variables, "%s: series %s missing" % (path, name))
            tc.assertEqual(ds[name].dims, ("time",), name)
            tc.assertIn("units", ds[name].attrs, name)
    with netCDF4.Dataset(path) as nc:
        tc.assertTrue(nc.dimensions["time"].isunlimited())
        for name in ("tau_plus", "tau_minus"):
            v = nc[name]
            tc.assertEqual(v.chunking(), [1, v.shape[1]], name)
            f = v.filters()
            tc.assertTrue(f["zlib"] and f["shuffle"], "%s: filters %s" % (name, f))
    f = sfio.read_field(path)
    tc.assertEqual(f.edges.size, f.centres.size + 1)


class TestCF(unittest.TestCase):
    def test_synthetic_field_file(self):
        tmp = tempfile.mkdtemp(prefix="symflow_cf_")
        try:
            edges = np.linspace(0.0, 0.5 * np.pi, 9)
            t = np.array([0.0, 1.0, 2.0])
            tau = np.ones((3, 8))
            path = os.path.join(tmp, "field.nc")
            synthetic.write_field(path, t, edges, tau, 0.5 * tau,
                                  attrs={"minimiser_mass": 16.0 / 3.0})
            check_field_file(self, path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @unittest.skipUnless(os.environ.get("SF_FIELD_FILE"), "SF_FIELD_FILE not set")
    def test_symflow_field_file(self):
        path = os.environ["SF_FIELD_FILE"]
        self.assertTrue(os.path.isfile(path), "SF_FIELD_FILE=%s: no such file" % path)
        check_field_file(self, path)


class TestSolvedFieldFile(unittest.TestCase):
    """`symflow solve cases/tiny.yaml` (binary from env SYMFLOW, as ctest sets it): the file
    is CF, its diagnostics agree with analysis.py's, and `plot` draws it."""

    @classmethod
    def setUpClass(cls):
        exe = os.environ.get("SYMFLOW", "")
        if not (exe and os.access(exe, os.X_OK) and os.path.isfile(TINY_CASE)):
            raise unittest.SkipTest("no symflow binary (env SYMFLOW) or no %s" % TINY_CASE)
        cls.tmp = tempfile.mkdtemp(prefix="symflow_cf_solve_")
        cls.path = os.path.join(cls.tmp, "tiny.nc")
        p = subprocess.run([exe, "solve", TINY_CASE, "-o", cls.path, "--quiet"],
                           capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise AssertionError("symflow solve %s: exit %d: %s"
                                 % (TINY_CASE, p.returncode, p.stderr.strip()))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_cf(self):
        check_field_file(self, self.path)

    def test_diagnostics_agree_with_analysis(self):
        """Masses, A and W₂ written by the solver against analysis.py's exact cell
        integrals of the same densities: both sum n cells, so n ulps apart at most."""
        f = sfio.read_field(self.path)
        rtol = 4 * f.centres.size * EPS
        np.testing.assert_allclose(an.field_masses(f.tau_plus, f.edges),
                                   f.series["mass_plus"], rtol=rtol)
        np.testing.assert_allclose(an.field_masses(f.tau_minus, f.edges),
                                   f.series["mass_minus"], rtol=rtol)
        np.testing.assert_allclose(an.field_alignment(f.tau_plus, f.tau_minus, f.edges),
                                   f.series["alignment"], rtol=rtol)
        np.testing.assert_allclose(an.field_w2(f.tau_plus, f.edges, f.coord, "aligned"),
                                   f.series["w2_plus"], rtol=rtol)
        np.testing.assert_allclose(an.field_w2(f.tau_minus, f.edges, f.coord, "orthogonal"),
                                   f.series["w2_minus"], rtol=rtol)

    def test_plot_command(self):
        here = os.path.dirname(os.path.abspath(__file__))
        env = dict(os.environ, MPLBACKEND="Agg",
                   PYTHONPATH=os.path.join(os.path.dirname(os.path.dirname(here)), "postproc"))
        out = os.path.join(self.tmp, "figs")
        p = subprocess.run(["/usr/bin/python3", "-m", "symflow_post", "plot", self.path,
                            "-o", out], capture_output=True, text=True, env=env, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        for name in plots.FIGURE_NAMES:
            self.assertTrue(os.path.isfile(os.path.join(out, name)), name)


if __name__ == "__main__":
    unittest.main(verbosity=1)
