"""test_plots_forms — `symflow plot` and `symflow compare` on form-T and ode fields (issue 15
item 3).

Runs the symflow binary ($SYMFLOW, else build/dev/app/symflow) on cases/odd-linear.yaml
(d = 10, d_H = 1): a form-T field (12 cells, t ≤ 1, 3 outputs), an ode field and a 64-neuron
particle file with the same outputs, the compare files of both fields with the particles;
then draws the figures through plots.plot_all and the command line and checks that the PNG
files exist and that the arrays each figure says it drew are the netCDF values (read here
with netCDF4, the particle histograms and w recomputed here from a and b).
Run: PYTHONPATH=postproc:python /usr/bin/python3 tests/python/test_plots_forms.py
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import netCDF4
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_plots import read_png  # noqa: E402  (PNG chunks, CRCs and text)

from symflow_post import io as sfio  # noqa: E402
from symflow_post import plots  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYMFLOW = os.environ.get("SYMFLOW", os.path.join(ROOT, "build", "dev", "app", "symflow"))
CASE = os.path.join(ROOT, "cases", "odd-linear.yaml")
SHORT = ["--set", "time.end=1", "--set", "time.outputs=3", "--quiet"]
PYTHON = "/usr/bin/python3"
EPS = np.finfo(float).eps


def nc(path, name):
    with netCDF4.Dataset(path) as ds:
        return np.asarray(ds[name][:], dtype=float)


def symflow(*args):
    p = subprocess.run([SYMFLOW] + list(args), capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise AssertionError("symflow %s: exit %d: %s" % (" ".join(args), p.returncode,
                                                          p.stderr))
    return p


def run_cli(*args):
    env = dict(os.environ)
    # symflow_post, and symflow: particle files are validated through libsymflow
    env["PYTHONPATH"] = os.pathsep.join(os.path.join(ROOT, d) for d in ("postproc", "python"))
    env["MPLBACKEND"] = "Agg"
    return subprocess.run([PYTHON, "-m", "symflow_post"] + list(args), env=env,
                          capture_output=True, text=True, timeout=300)


@unittest.skipUnless(os.access(SYMFLOW, os.X_OK), "no symflow binary at %s" % SYMFLOW)
class FormsCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="symflow_plot_forms_")
        j = lambda n: os.path.join(cls.tmp, n)
        cls.t, cls.o, cls.p, cls.ct, cls.co = j("t.nc"), j("o.nc"), j("p.nc"), j("ct.nc"), \
            j("co.nc")
        symflow("solve", CASE, "--set", "grid.cells=12", "-o", cls.t, *SHORT)
        symflow("solve", CASE, "--set", "form=ode", "-o", cls.o, *SHORT)
        symflow("particles", CASE, "-m", "64", "-o", cls.p, *SHORT)
        # the CLI check of item 3: compare exits 0 on both forms with a particle file
        cls.compare_out = {"t": symflow("compare", cls.t, cls.p, "-o", cls.ct).stdout,
                           "o": symflow("compare", cls.o, cls.p, "-o", cls.co).stdout}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def particles_aur(self):
        """(time, a, u, r) of the particle file, u = b·e₁ and r = |b_⊥| from b (d_H = 1)."""
        b = nc(self.p, "b")
        return nc(self.p, "time"), nc(self.p, "a"), b[:, :, 0], \
            np.sqrt(np.sum(b[:, :, 1:] ** 2, axis=2))

    def assert_pngs(self, res, names, folder):
        self.assertEqual(tuple(res), names)
        for name in names:
            self.assertEqual(res[name]["path"], os.path.join(folder, name))
            _, _, text = read_png(res[name]["path"])
            self.assertEqual(text.get("Title"), res[name]["title"])
            self.assertEqual(text.get("Description"), res[name]["caption"])


class TestCompareFiles(FormsCase):
    def test_transport(self):
        self.assertIn("at 3 common times", self.compare_out["t"])
        for v in ("w1_a", "w1_u", "w1_r", "risk_gap"):
            x = nc(self.ct, v)
            self.assertEqual(x.shape, (3,))
            self.assertTrue(np.all(np.isfinite(x)), v)
        np.testing.assert_array_equal(nc(self.ct, "risk_gap"),
                                      nc(self.p, "risk") - nc(self.t, "risk"))
        with netCDF4.Dataset(self.ct) as ds:
            self.assertEqual(ds.getncattr("form"), "transport")

    def test_ode(self):
        self.assertIn("at 3 common times", self.compare_out["o"])
        _, a, _, _ = self.particles_aur()
        b = nc(self.p, "b")
        wp = 0.5 * np.mean(a * b[:, :, 0], axis=1)
        np.testing.assert_allclose(nc(self.co, "w_particles")[:, 0], wp, rtol=0,
                                   atol=64 * EPS * np.max(np.abs(a * b[:, :, 0])))
        np.testing.assert_allclose(nc(self.co, "w_gap"),
                                   np.abs(wp - nc(self.o, "w")[:, 0]), rtol=0, atol=1e-14)


class TestPlotTransport(FormsCase):
    def test_figures_hold_the_data(self):
        out = os.path.join(self.tmp, "api-t")
        os.makedirs(out)
        field = sfio.read_any(self.t)[1]
        part = sfio.read_any(self.p)[1]
        cmp_ = sfio.read_any(self.ct)[1]
        self.assertIsInstance(field, sfio.TransportData)
        res = plots.plot_all(field, out, [part], [cmp_])
        self.assert_pngs(res, plots.FIGURE_NAMES_T, out)
        # risk: the file's series, over all times including t = 0 (symlog axis)
        r = res["risk.png"]
        np.testing.assert_array_equal(r["time"], nc(self.t, "time"))
        self.assertEqual(r["time"][0], 0.0)
        np.testing.assert_array_equal(r["risk"], nc(self.t, "risk"))
        np.testing.assert_array_equal(r["particles"][0]["risk"], nc(self.p, "risk"))
        np.testing.assert_array_equal(r["compare"][0]["risk_gap"], nc(self.ct, "risk_gap"))
        # drift of the conserved quantities
        c = res["conservation.png"]
        for name in ("mass", "balance"):
            v = nc(self.t, name)
            np.testing.assert_array_equal(c[name + "_drift"], v - v[0])
        # marginals: the file's rows; particle histograms recomputed from a and b
        m = res["marginals.png"]
        idx = list(m["indices"])
        self.assertEqual(idx, [0, 1, 2])
        tp, a, u, rr = self.particles_aur()
        for k, (x, vals) in enumerate((("a", a), ("u", u), ("r", rr))):
            np.testing.assert_array_equal(m["density_" + x], nc(self.t, "density_" + x)[idx])
            edges = np.concatenate([nc(self.t, x + "_bnds")[:, 0],
                                    nc(self.t, x + "_bnds")[-1:, 1]])
            for j, ip in enumerate(m["particles"][0]["index"]):
                counts, _ = np.histogram(vals[ip], bins=edges)
                np.testing.assert_allclose(m["particles"][0]["density_" + x][j],
                                           counts / 64.0 / np.diff(edges), rtol=1e-14,
                                           atol=0)
        # the (a, u) marginal: ∫ n dr
        h = res["density_au.png"]
        dens = nc(self.t, "density")
        bn = nc(self.t, "r_bnds")
        au = np.einsum("tauk,k->tau", dens[[0, -1]], bn[:, 1] - bn[:, 0])
        np.testing.assert_allclose(h["density_au"], au, rtol=1e-13, atol=0)

    def test_cli(self):
        out = os.path.join(self.tmp, "cli-t")
        p = run_cli("plot", self.ct, self.t, self.p, "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([os.path.basename(w) for w in p.stdout.split()],
                         list(plots.FIGURE_NAMES_T))
        for w in p.stdout.split():
            read_png(w)
        # without particles or compare files
        p = run_cli("plot", self.t, "-o", out + "-alone")
        self.assertEqual(p.returncode, 0, p.stderr)
        for name in plots.FIGURE_NAMES_T:
            self.assertTrue(os.path.isfile(os.path.join(out + "-alone", name)), name)


class TestPlotOde(FormsCase):
    def test_figures_hold_the_data(self):
        out = os.path.join(self.tmp, "api-o")
        os.makedirs(out)
        field = sfio.read_any(self.o)[1]
        part = sfio.read_any(self.p)[1]
        cmp_ = sfio.read_any(self.co)[1]
        self.assertIsInstance(field, sfio.OdeData)
        res = plots.plot_all(field, out, [part], [cmp_])
        self.assert_pngs(res, plots.FIGURE_NAMES_ODE, out)
        r = res["risk.png"]
        np.testing.assert_array_equal(r["risk"], nc(self.o, "risk"))
        np.testing.assert_array_equal(r["particles"][0]["risk"], nc(self.p, "risk"))
        np.testing.assert_array_equal(r["compare"][0]["risk_gap"], nc(self.co, "risk_gap"))
        w = res["w_error.png"]
        np.testing.assert_array_equal(
            w["w_error"], np.linalg.norm(nc(self.o, "w") - nc(self.o, "w_star"), axis=1))
        _, a, _, _ = self.particles_aur()
        b = nc(self.p, "b")
        wp = 0.5 * np.mean(a * b[:, :, 0], axis=1)
        np.testing.assert_allclose(w["particles"][0]["w"][:, 0], wp, rtol=0, atol=1e-15)
        np.testing.assert_allclose(w["particles"][0]["w_error"],
                                   np.abs(wp - nc(self.o, "w_star")[:, 0]), rtol=0,
                                   atol=1e-15)
        np.testing.assert_array_equal(w["compare"][0]["w_gap"], nc(self.co, "w_gap"))

    def test_cli(self):
        out = os.path.join(self.tmp, "cli-o")
        p = run_cli("plot", self.o, self.p, self.co, "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([os.path.basename(w) for w in p.stdout.split()],
                         list(plots.FIGURE_NAMES_ODE))
        for w in p.stdout.split():
            read_png(w)

    def test_unknown_form(self):
        bad = os.path.join(self.tmp, "sliced.nc")
        shutil.copy(self.o, bad)
        with netCDF4.Dataset(bad, "a") as ds:
            ds.setncattr("form", "sliced")
        with self.assertRaises(sfio.SymflowInputError) as cm:
            sfio.read_any(bad)
        self.assertIn("attribute form = 'sliced'", str(cm.exception))
        p = run_cli("plot", bad, "-o", os.path.join(self.tmp, "cli-bad"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("form", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=1)
