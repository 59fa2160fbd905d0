"""test_plots_form_h — `symflow compare` and `symflow plot` on a form-H field (issue 11).

Runs the symflow binary ($SYMFLOW, else build/dev/app/symflow) on cases/odd-linear.yaml with
form hyperbolic (d = 10, d_H = 1, 16 φ-cells, t ≤ 1, 3 outputs), a 64-neuron particle file of
the same outputs and their compare file; checks the compare file's masses and risk gap
against values recomputed here from a and b, then draws the figures through plots.plot_all
and the command line and checks that each figure drew the file's values (marginals ∫N dη,
∫N dω recomputed here with netCDF4; the particles' |δ|-weighted histograms recomputed from
a and b by an independent formula: η from a and |b| via log((|b| + a)/(|b| − a))/2).
Run: PYTHONPATH=postproc /usr/bin/python3 tests/python/test_plots_form_h.py
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
from symflow_post import plots_h  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYMFLOW = os.environ.get("SYMFLOW", os.path.join(ROOT, "build", "dev", "app", "symflow"))
CASE = os.path.join(ROOT, "cases", "odd-linear.yaml")
SHORT = ["--set", "time.end=1", "--set", "time.outputs=3", "--quiet"]
PYTHON = "/usr/bin/python3"
M = 64


def nc(path, name):
    with netCDF4.Dataset(path) as ds:
        return np.asarray(ds[name][:], dtype=float)


def edges_of(path, x):
    b = nc(path, x + "_bnds")
    return np.concatenate([b[:, 0], b[-1:, 1]])


def symflow(*args):
    p = subprocess.run([SYMFLOW] + list(args), capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise AssertionError("symflow %s: exit %d: %s" % (" ".join(args), p.returncode,
                                                          p.stderr))
    return p


@unittest.skipUnless(os.access(SYMFLOW, os.X_OK), "no symflow binary at %s" % SYMFLOW)
class FormHCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="symflow_plot_form_h_")
        j = lambda n: os.path.join(cls.tmp, n)
        cls.h, cls.p, cls.c = j("h.nc"), j("p.nc"), j("c.nc")
        symflow("solve", CASE, "--set", "form=hyperbolic", "--set", "grid.cells=16", "-o",
                cls.h, *SHORT)
        symflow("particles", CASE, "-m", str(M), "-o", cls.p, *SHORT)
        cls.compare_out = symflow("compare", cls.h, cls.p, "-o", cls.c).stdout

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def particles_h(self):
        """(δ, η, φ) of the particles, (nt, m) each, written independently of plots_h."""
        a, b = nc(self.p, "a"), nc(self.p, "b")
        rho = np.sqrt(np.sum(b * b, axis=2))
        delta = a * a - rho * rho
        phi = np.arccos(np.clip(b[:, :, 0] / rho, -1.0, 1.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            eta = np.where(delta < 0, 0.5 * np.log((rho + a) / (rho - a)),
                           0.5 * np.log((np.abs(a) + rho) / (np.abs(a) - rho)))
        return delta, eta, phi

    def test_compare_file(self):
        self.assertIn("at 3 common times", self.compare_out)
        delta, _, _ = self.particles_h()
        # masses: (1/m) Σ |δ| per family; rounding of O(m) terms of size O(10)
        np.testing.assert_allclose(nc(self.c, "mass0_particles"),
                                   np.sum(np.where(delta < 0, -delta, 0.0), axis=1) / M,
                                   rtol=1e-12)
        np.testing.assert_array_equal(nc(self.c, "risk_gap"),
                                      nc(self.p, "risk") - nc(self.h, "risk"))
        for v in ("w1_omega0", "w1_eta0"):
            x = nc(self.c, v)
            self.assertTrue(np.all(np.isfinite(x) & (x > 0)), v)
        with netCDF4.Dataset(self.c) as ds:
            self.assertEqual(ds.getncattr("form"), "hyperbolic")

    def test_figures_hold_the_data(self):
        out = os.path.join(self.tmp, "api")
        os.makedirs(out)
        field = sfio.read_any(self.h)[1]
        self.assertIsInstance(field, sfio.HyperbolicData)
        part = sfio.read_any(self.p)[1]
        cmp_ = sfio.read_any(self.c)[1]
        res = plots.plot_all(field, out, [part], [cmp_])
        self.assertEqual(tuple(res), plots_h.FIGURE_NAMES_H)
        self.assertEqual(plots.figure_names(field), plots_h.FIGURE_NAMES_H)
        for name in plots_h.FIGURE_NAMES_H:
            _, _, text = read_png(res[name]["path"])
            self.assertEqual(text.get("Title"), res[name]["title"])
            self.assertEqual(text.get("Description"), res[name]["caption"])
        r = res["risk.png"]
        np.testing.assert_array_equal(r["risk"], nc(self.h, "risk"))
        self.assertIn("form H", r["caption"])
        np.testing.assert_array_equal(r["compare"][0]["risk_gap"], nc(self.c, "risk_gap"))
        ms = res["masses.png"]
        for name in ("mass0", "mass_plus", "mass_minus", "reservoir_plus"):
            np.testing.assert_array_equal(ms[name], nc(self.h, name))
        # marginals: ∫ N dη and ∫ N dω of the file's N0 and Nplus + Nminus
        mg = res["marginals.png"]
        idx = list(mg["indices"])
        self.assertEqual(idx, [0, 1, 2])
        e = {x: edges_of(self.h, x) for x in ("eta", "eta_pos", "phi")}
        N0, Npos = nc(self.h, "N0"), nc(self.h, "Nplus") + nc(self.h, "Nminus")
        want = {"N0_omega": np.einsum("tij,i->tj", N0, np.diff(e["eta"])),
                "N0_eta": np.einsum("tij,j->ti", N0, np.diff(e["phi"])),
                "pos_omega": np.einsum("tij,i->tj", Npos, np.diff(e["eta_pos"])),
                "pos_eta": np.einsum("tij,j->ti", Npos, np.diff(e["phi"]))}
        for key, v in want.items():
            np.testing.assert_allclose(mg["density_" + key], v[idx], rtol=1e-13,
                                       atol=1e-13 * np.max(np.abs(v)))
        # particle histograms, weights |δ|/m, on the field's cells
        delta, eta, phi = self.particles_h()
        axes = {"N0_omega": (delta < 0, phi, e["phi"]), "N0_eta": (delta < 0, eta, e["eta"]),
                "pos_omega": (delta > 0, phi, e["phi"]),
                "pos_eta": (delta > 0, eta, e["eta_pos"])}
        for key, (sel, vals, edges) in axes.items():
            for j, ip in enumerate(mg["particles"][0]["index"]):
                s = sel[ip]
                mass, _ = np.histogram(vals[ip][s], bins=edges, weights=np.abs(delta[ip][s]) / M)
                # η and φ here and in plots_h differ by rounding: a neuron within 1e-12 of a
                # face could change cell, none does in this run
                np.testing.assert_allclose(mg["particles"][0]["density_" + key][j],
                                           mass / np.diff(edges), rtol=1e-12, atol=1e-300)

    def test_cli(self):
        out = os.path.join(self.tmp, "cli")
        env = dict(os.environ, MPLBACKEND="Agg",
                   PYTHONPATH=os.pathsep.join(os.path.join(ROOT, d) for d in ("postproc", "python")))
        p = subprocess.run([PYTHON, "-m", "symflow_post", "plot", self.h, self.p, self.c,
                            "-o", out], env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        for name in plots_h.FIGURE_NAMES_H:
            self.assertTrue(os.path.isfile(os.path.join(out, name)), name)


if __name__ == "__main__":
    unittest.main(verbosity=1)
