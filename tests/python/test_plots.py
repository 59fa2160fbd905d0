"""test_plots — symflow_post on tiny synthetic files whose contents are known exactly.

Builds a form-L field file (12 non-uniform θ cells, 5 output times, analytic densities),
three particle files (full b with a rotated basis of H, reduced (u, r), full b without a
basis) whose neurons sit at known angles θ_i with known lifted masses c_i, and a compare
file; then checks io.py, analysis.py, every plotting function (the arrays each one says it
drew are the netCDF values), the PNG files and their captions, and the command line
(figures written, bad inputs → exit 2 with one line on stderr).
Run: PYTHONPATH=postproc:python /usr/bin/python3 tests/python/test_plots.py
"""

import os
import shutil
import struct
import subprocess
import tempfile
import unittest
import zlib

import netCDF4
import numpy as np

from symflow_post import analysis as an
from symflow_post import io as sfio
from symflow_post import paper, plots, synthetic

EPS = np.finfo(float).eps
N_CELLS = 12
TIMES = np.array([0.0, 0.5, 5.0, 50.0, 100.0])
M = 40                # neurons of the first two particle runs
M_OTHER = 25          # neurons of the third run (another group)
D, D_H = 6, 2
#: c_i = |a||b| is recomputed from b = √c·(unit vector): each neuron's c carries a few
#: ulps of rounding (norms, products), and a mass sums m of them.
MASS_RTOL = 8 * M * EPS
#: θ_i is recomputed through atan2 of projected components: a few ulps of the O(1) angle.
ANGLE_ATOL = 16 * EPS
#: Sums over the N_CELLS cells of O(1) terms (exact cell integrals): N_CELLS ulps.
SUM_RTOL = 4 * N_CELLS * EPS

PYTHON = "/usr/bin/python3"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def edges_theta():
    return 0.5 * np.pi * (np.arange(N_CELLS + 1) / N_CELLS) ** 1.5   # refined near θ = 0


def densities(edges):
    """Analytic τ^±(t, θ) at the cell centres: τ⁺ grows and leans to θ = 0, τ⁻ decays."""
    th = 0.5 * (edges[1:] + edges[:-1])
    tp = (1.0 + TIMES[:, None] / 10.0) * (2.0 + np.cos(th)[None, :] ** (1 + TIMES[:, None]))
    tm = np.exp(-TIMES[:, None] / 10.0) * (1.0 + np.sin(th)[None, :] ** 2)
    return tp, tm


def read_png(path):
    """(width, height, {keyword: text}) of a PNG, checking signature, CRCs and IEND."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != PNG_SIGNATURE:
        raise AssertionError("%s: not a PNG (signature %r)" % (path, data[:8]))
    pos, text, size, ended = 8, {}, None, False
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        ctype = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(ctype + body) & 0xFFFFFFFF != crc:
            raise AssertionError("%s: bad CRC in chunk %r" % (path, ctype))
        if ctype == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif ctype == b"tEXt":
            k, v = body.split(b"\0", 1)
            text[k.decode("latin-1")] = v.decode("latin-1")
        elif ctype == b"zTXt":
            k, v = body.split(b"\0", 1)
            text[k.decode("latin-1")] = zlib.decompress(v[1:]).decode("latin-1")
        elif ctype == b"iTXt":
            k, rest = body.split(b"\0", 1)
            comp, rest = rest[0], rest[2:]
            _lang, rest = rest.split(b"\0", 1)
            _tkey, v = rest.split(b"\0", 1)
            text[k.decode("latin-1")] = (zlib.decompress(v) if comp else v).decode("utf-8")
        elif ctype == b"IEND":
            ended = True
            break
        pos += 12 + length
    if not ended or size is None:
        raise AssertionError("%s: truncated PNG" % path)
    return size[0], size[1], text


class Fixture:
    """The synthetic files and the truths they were built from."""

    def __init__(self, folder):
        self.folder = folder
        rng = np.random.default_rng(20230411)
        self.edges = edges_theta()
        self.centres = 0.5 * (self.edges[1:] + self.edges[:-1])
        self.tp, self.tm = densities(self.edges)
        self.field = os.path.join(folder, "field.nc")
        synthetic.write_field(self.field, TIMES, self.edges, self.tp, self.tm,
                              attrs={"minimiser_mass": 16.0 / 3.0})
        self.series = synthetic.field_series_from_densities(TIMES, self.edges, self.tp,
                                                            self.tm)
        self.runs = []   # per particle file: dict(path, m, theta, cell, c, eps, risk)
        basis_full = np.linalg.qr(rng.standard_normal((D, D)))[0].T   # rows orthonormal
        for k, (m, storage) in enumerate(((M, "full"), (M, "reduced"), (M_OTHER, "nobasis"))):
            cell = rng.integers(0, N_CELLS, size=(TIMES.size, m))
            theta = self.centres[cell]
            theta[:, 0], cell[:, 0] = 0.0, 0                 # on the axis of H
            theta[:, 1], cell[:, 1] = 0.5 * np.pi, N_CELLS - 1  # orthogonal to H
            c = rng.uniform(0.5, 2.0, size=(TIMES.size, m))
            eps = np.where(np.arange(m) % 2 == 0, 1.0, -1.0)[None, :].repeat(TIMES.size, 0)
            risk = (1.0 + 0.1 * k) / (1.0 + TIMES)
            path = os.path.join(folder, "particles-%d.nc" % k)
            bf = basis_full if storage == "full" else np.eye(D)
            a_all, b_all = [], []
            for it in range(TIMES.size):
                a, b = synthetic.balanced_weights(theta[it], c[it], eps[it], bf,
                                                  np.random.default_rng(k), D_H)
                a_all.append(a)
                b_all.append(b)
            a_all, b_all = np.array(a_all), np.array(b_all)
            if storage == "full":
                synthetic.write_particles(path, TIMES, a_all, risk, b=b_all,
                                          basis=basis_full[:D_H], attrs={"seed": k})
            elif storage == "nobasis":
                synthetic.write_particles(path, TIMES, a_all, risk, b=b_all,
                                          attrs={"seed": k, "d_H": D_H})
            else:
                u = b_all[:, :, :D_H]
                r = np.linalg.norm(b_all[:, :, D_H:], axis=-1)
                synthetic.write_particles(path, TIMES, a_all, risk, u=u, r=r,
                                          attrs={"seed": k, "d": D})
            self.runs.append(dict(path=path, m=m, theta=theta, cell=cell, c=c, eps=eps,
                                  risk=risk))
        self.compare = os.path.join(folder, "compare.nc")
        self.compare_series = {
            "risk_field": 1.0 / (1.0 + TIMES), "risk_particles": 1.1 / (1.0 + TIMES),
            "risk_gap": 0.1 / (1.0 + TIMES), "mass_plus_gap": 0.01 + TIMES / 1e3,
            "mass_minus_gap": 0.02 + TIMES / 1e3, "w1_plus": 0.03 + 0 * TIMES,
            "w1_minus": 0.04 + TIMES / 1e4}
        synthetic.write_compare(self.compare, TIMES, self.compare_series, attrs={"m": M})
        # foreign and broken inputs for the command line
        self.text = os.path.join(folder, "notes.txt")
        with open(self.text, "w") as f:
            f.write("not netCDF\n")
        self.foreign = os.path.join(folder, "foreign.nc")
        with netCDF4.Dataset(self.foreign, "w") as nc:
            nc.createDimension("x", 3)
            nc.createVariable("x", "f8", ("x",))[:] = [1.0, 2.0, 3.0]

    def expected_masses(self, k):
        run = self.runs[k]
        plus = np.sum(np.where(run["eps"] > 0, run["c"], 0.0), axis=1) / run["m"]
        minus = np.sum(np.where(run["eps"] < 0, run["c"], 0.0), axis=1) / run["m"]
        return plus, minus

    def expected_histogram(self, k, it, sign):
        """Per-cell masses c_i/m of run k at time index it, sign ±1, on the field cells."""
        run = self.runs[k]
        sel = run["eps"][it] == sign
        return np.bincount(run["cell"][it][sel], weights=run["c"][it][sel] / run["m"],
                           minlength=N_CELLS)


class SynthCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="symflow_post_test_")
        cls.fx = Fixture(cls.tmp)
        cls.field = sfio.read_field(cls.fx.field)
        cls.parts = [sfio.read_particles(r["path"]) for r in cls.fx.runs]
        cls.cmp = sfio.read_compare(cls.fx.compare)
        cls.out = os.path.join(cls.tmp, "out")
        os.makedirs(cls.out)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def assert_png(self, path, caption, title):
        self.assertTrue(os.path.isfile(path), path)
        w, h, text = read_png(path)
        self.assertGreater(w, 300)
        self.assertGreater(h, 200)
        self.assertEqual(text.get("Description"), caption)
        self.assertEqual(text.get("Title"), title)


class TestIO(SynthCase):
    def test_field_roundtrip(self):
        f = self.field
        self.assertEqual(f.coord, "theta")
        np.testing.assert_array_equal(f.time, TIMES)
        np.testing.assert_array_equal(f.edges, self.fx.edges)
        np.testing.assert_array_equal(f.tau_plus, self.fx.tp)
        np.testing.assert_array_equal(f.tau_minus, self.fx.tm)
        for name, v in self.fx.series.items():
            np.testing.assert_array_equal(f.series[name], v, err_msg=name)
        self.assertEqual(f.minimiser_mass, 16.0 / 3.0)
        self.assertEqual(f.units["tau_plus"], "1/rad")
        self.assertEqual(f.time.dtype, np.float64)

    def test_particle_angles_and_masses(self):
        """θ_i, c_i, ε_i recovered from full b (rotated basis), reduced (u, r), no basis."""
        for k, p in enumerate(self.parts):
            run = self.fx.runs[k]
            cloud = an.particle_cloud(p, "theta")
            np.testing.assert_allclose(cloud.angle, run["theta"], rtol=0, atol=ANGLE_ATOL,
                                       err_msg=p.path)
            np.testing.assert_allclose(cloud.c, run["c"], rtol=MASS_RTOL, err_msg=p.path)
            np.testing.assert_array_equal(cloud.eps, run["eps"])
            mp, mm = an.particle_masses(cloud)
            ep, em = self.fx.expected_masses(k)
            np.testing.assert_allclose(mp, ep, rtol=MASS_RTOL)
            np.testing.assert_allclose(mm, em, rtol=MASS_RTOL)
        self.assertIsNone(self.parts[1].b)
        np.testing.assert_array_equal(self.parts[2].basis, np.eye(D)[:D_H])

    def test_kinds(self):
        self.assertEqual(sfio.read_any(self.fx.compare)[0], "compare")
        self.assertEqual(sfio.read_any(self.fx.runs[0]["path"])[0], "particles")
        for path, words in ((self.fx.text, "not a readable netCDF"),
                            (self.fx.foreign, "not a symflow file"),
                            (os.path.join(self.tmp, "absent.nc"), "no such file")):
            with self.assertRaises(sfio.SymflowInputError) as cm:
                sfio.read_any(path)
            self.assertIn(words, str(cm.exception))
            self.assertIn(path, str(cm.exception))
        with self.assertRaises(sfio.SymflowInputError):
            sfio.read_field(self.fx.compare)


class TestAnalysis(SynthCase):
    def test_histograms_match_known_cells(self):
        """Weighted histograms on the field's faces: the cells the neurons were put in,
        and their sums are the particle masses (nothing outside the grid)."""
        for k, p in enumerate(self.parts):
            cloud = an.particle_cloud(p, "theta")
            mp, mm = an.particle_masses(cloud)
            for it in range(TIMES.size):
                h = an.particle_marginals(cloud, it, self.field.edges)
                for s, sign, total in (("plus", 1, mp), ("minus", -1, mm)):
                    np.testing.assert_allclose(h["mass_" + s],
                                               self.fx.expected_histogram(k, it, sign),
                                               rtol=MASS_RTOL, atol=0)
                    np.testing.assert_allclose(np.sum(h["mass_" + s]), total[it],
                                               rtol=MASS_RTOL)
                    np.testing.assert_array_equal(h["density_" + s],
                                                  h["mass_" + s] / np.diff(self.field.edges))
                    self.assertEqual(h["outside_" + s], 0.0)

    def test_field_diagnostics_exact_on_uniform_density(self):
        """τ ≡ const on [0, π/2]: A = ½, W₂(τ/|τ|, δ₀) = W₂(τ/|τ|, δ_{π/2}) = (π/2)/√3."""
        e = self.field.edges
        tau = np.full((2, N_CELLS), 0.7)
        np.testing.assert_allclose(an.field_masses(tau, e), 0.7 * np.pi / 2, rtol=SUM_RTOL)
        np.testing.assert_allclose(an.field_alignment(tau, tau, e), 0.5, rtol=SUM_RTOL)
        w = 0.5 * np.pi / np.sqrt(3.0)
        np.testing.assert_allclose(an.field_w2(tau, e, "theta", "aligned"), w, rtol=SUM_RTOL)
        np.testing.assert_allclose(an.field_w2(tau, e, "theta", "orthogonal"), w,
                                   rtol=SUM_RTOL)
        # φ ∈ [0, π], uniform: distance min(φ, π − φ) to the aligned set, same numbers
        ephi = np.linspace(0.0, np.pi, 2 * N_CELLS + 1)
        tphi = np.full((1, 2 * N_CELLS), 0.7)
        np.testing.assert_allclose(an.field_w2(tphi, ephi, "phi", "aligned"), w,
                                   rtol=SUM_RTOL)
        np.testing.assert_allclose(an.field_alignment(tphi, tphi, ephi), 0.5, rtol=SUM_RTOL)

    def test_particle_diagnostics(self):
        run = self.fx.runs[0]
        cloud = an.particle_cloud(self.parts[0], "theta")
        c, th, eps = run["c"], run["theta"], run["eps"]
        np.testing.assert_allclose(an.particle_alignment(cloud),
                                   np.sum(c * np.sin(th) ** 2, 1) / np.sum(c, 1),
                                   rtol=MASS_RTOL, atol=ANGLE_ATOL)
        cp = np.where(eps > 0, c, 0.0)
        cm = np.where(eps < 0, c, 0.0)
        np.testing.assert_allclose(an.particle_w2(cloud, 1, "aligned"),
                                   np.sqrt(np.sum(cp * th ** 2, 1) / np.sum(cp, 1)),
                                   rtol=MASS_RTOL, atol=ANGLE_ATOL)
        np.testing.assert_allclose(an.particle_w2(cloud, -1, "orthogonal"),
                                   np.sqrt(np.sum(cm * (np.pi / 2 - th) ** 2, 1)
                                           / np.sum(cm, 1)), rtol=MASS_RTOL, atol=ANGLE_ATOL)

    def test_phi_coordinate(self):
        """d_H = 1: φ = atan2(r, u₁) ∈ [0, π]; u₁ < 0 gives φ > π/2, same angle to H."""
        phi = np.array([[0.1, np.pi - 0.1, 0.5 * np.pi, 2.0]])
        c = np.array([[1.0, 2.0, 0.5, 1.5]])
        u = (np.sqrt(c) * np.cos(phi))[..., None]
        r = np.sqrt(c) * np.sin(phi)
        a = np.sqrt(c) * np.array([[1.0, 1.0, -1.0, -1.0]])
        path = os.path.join(self.tmp, "phi.nc")
        synthetic.write_particles(path, [0.0], a, [1.0], u=u, r=r, attrs={"d": 5})
        cloud = an.particle_cloud(sfio.read_particles(path), "phi")
        np.testing.assert_allclose(cloud.angle, phi, rtol=0, atol=ANGLE_ATOL)
        np.testing.assert_allclose(an.particle_w2(cloud, 1, "aligned"), [0.1],
                                   rtol=ANGLE_ATOL * 10)
        with self.assertRaises(ValueError):
            an.particle_cloud(self.parts[0], "phi")   # d_H = 2

    def test_rebin_and_coarsen(self):
        e = self.field.edges
        ce = an.coarsen_edges(e, 5)
        np.testing.assert_array_equal(ce, e[[0, 5, 10, 12]])
        rb = an.rebin_density(self.fx.tp, e, ce)
        np.testing.assert_allclose(an.field_masses(rb, ce), an.field_masses(self.fx.tp, e),
                                   rtol=SUM_RTOL)
        self.assertEqual(an.auto_coarsen(12, 40), 2)    # √40 → 7 bins → merge 2
        self.assertEqual(an.auto_coarsen(12, 10000), 1)

    def test_snapshot_indices(self):
        self.assertEqual(an.snapshot_indices(TIMES), [0, 1, 2, 3, 4])
        self.assertEqual(an.snapshot_indices(np.array([1.0, 2.0, 3.0])), [0, 2])
        self.assertEqual(an.snapshot_indices(np.linspace(0, 10, 101)), [0, 5, 50, 100])
        self.assertTrue(an.spans_decades(TIMES))
        self.assertFalse(an.spans_decades(np.linspace(0, 10, 11)))


class TestPlots(SynthCase):
    def test_risk(self):
        res = plots.plot_risk(self.field, os.path.join(self.out, "risk.png"), self.parts,
                              [self.cmp])
        self.assertTrue(res["log_time"])
        pos = np.ones(TIMES.size, bool)       # every time, t = 0 too (symlog axis)
        np.testing.assert_array_equal(res["time"], TIMES[pos])
        np.testing.assert_array_equal(res["risk"], self.fx.series["risk"][pos])
        self.assertEqual(len(res["particles"]), 2)           # groups m = 40 and m = 25
        g = res["particles"][0]
        np.testing.assert_array_equal(g["risk_runs"], [self.fx.runs[0]["risk"][pos],
                                                       self.fx.runs[1]["risk"][pos]])
        np.testing.assert_array_equal(g["risk_min"], np.min(g["risk_runs"], axis=0))
        np.testing.assert_array_equal(g["risk_max"], np.max(g["risk_runs"], axis=0))
        np.testing.assert_array_equal(res["compare"][0]["risk_gap"],
                                      self.fx.compare_series["risk_gap"][pos])
        self.assert_png(res["path"], res["caption"], res["title"])

    def test_masses(self):
        res = plots.plot_masses(self.field, os.path.join(self.out, "masses.png"), self.parts,
                                [self.cmp])
        pos = np.ones(TIMES.size, bool)       # every time, t = 0 too (symlog axis)
        np.testing.assert_array_equal(res["mass_plus"], self.fx.series["mass_plus"][pos])
        np.testing.assert_array_equal(res["mass_minus"], self.fx.series["mass_minus"][pos])
        self.assertEqual(res["alpha"], 16.0 / 3.0)
        for k, run in enumerate(res["particles"][0]["mass_plus_runs"]):
            np.testing.assert_allclose(run, self.fx.expected_masses(k)[0][pos],
                                       rtol=MASS_RTOL)
        np.testing.assert_allclose(res["particles"][1]["mass_minus_runs"][0],
                                   self.fx.expected_masses(2)[1][pos], rtol=MASS_RTOL)
        np.testing.assert_array_equal(res["compare"][0]["mass_minus_gap"],
                                      self.fx.compare_series["mass_minus_gap"][pos])
        self.assertIn("α = 5.33333", res["caption"])
        self.assert_png(res["path"], res["caption"], res["title"])

    def test_heatmap(self):
        res = plots.plot_heatmap(self.field, os.path.join(self.out, "heat.png"))
        pos = np.ones(TIMES.size, bool)       # every time, t = 0 too (symlog axis)
        np.testing.assert_array_equal(res["tau_plus"], self.fx.tp[pos])
        np.testing.assert_array_equal(res["tau_minus"], self.fx.tm[pos])
        np.testing.assert_array_equal(res["edges"], self.fx.edges)
        vmax = max(self.fx.tp.max(), self.fx.tm.max())
        self.assertEqual(res["floor"], vmax * synthetic.FIELD_ATTRS["rtol"])
        np.testing.assert_array_equal(res["tau_minus_drawn"],
                                      np.maximum(self.fx.tm[pos], res["floor"]))
        te = res["time_edges"]
        self.assertEqual(te.size, TIMES.size + 1)
        self.assertTrue(np.all(np.diff(te) > 0))
        self.assertEqual(te[0], 0.0)                   # the t = 0 cell starts at t = 0
        # interior faces: midpoints of the symlog coordinate (matplotlib, base 10, linscale
        # 1, in units of L): s(t) = c t/L for t ≤ L, c + log10(t/L) above, c = 1/(1 − 1/10),
        # L = 0.5 the first positive output
        L, c = TIMES[1], 1.0 / 0.9
        s = lambda t: np.where(t <= L, c * t / L, c + np.log10(np.maximum(t, L) / L))
        np.testing.assert_allclose(s(te[1:-1]), 0.5 * (s(TIMES[1:]) + s(TIMES[:-1])),
                                   rtol=16 * EPS)      # rounding of log10/exp10 round trips
        self.assertIn("1/rad", res["caption"])
        self.assert_png(res["path"], res["caption"], res["title"])

    def test_snapshots(self):
        res = plots.plot_snapshots(self.field, os.path.join(self.out, "snap.png"), self.parts,
                                   coarsen=1)
        np.testing.assert_array_equal(res["indices"], np.arange(TIMES.size))
        np.testing.assert_array_equal(res["tau_plus"], self.fx.tp)
        np.testing.assert_array_equal(res["tau_minus"], self.fx.tm)
        g = res["particles"][0]                 # runs 0 and 1, averaged
        np.testing.assert_array_equal(g["edges"], self.fx.edges)
        for j in range(TIMES.size):
            for s, sign, k in (("plus", 1, 0), ("minus", -1, 1)):
                expect = 0.5 * (self.fx.expected_histogram(0, j, sign)
                                + self.fx.expected_histogram(1, j, sign))
                np.testing.assert_allclose(g["mass_" + s][j], expect, rtol=MASS_RTOL)
                truth = 0.5 * (self.fx.expected_masses(0)[k][j] + self.fx.expected_masses(1)[k][j])
                np.testing.assert_allclose(np.sum(g["mass_" + s][j]), truth, rtol=MASS_RTOL)
                np.testing.assert_allclose(np.sum(g["mass_" + s][j]), g["total_" + s][j],
                                           rtol=MASS_RTOL)
        self.assert_png(res["path"], res["caption"], res["title"])
        # automatic bins: merged cells, masses unchanged
        res = plots.plot_snapshots(self.field, os.path.join(self.out, "snap2.png"), self.parts)
        g = res["particles"][1]                 # m = 25 → 5 bins → merge 3 cells
        self.assertEqual(g["q"], 3)
        np.testing.assert_array_equal(g["edges"], self.fx.edges[::3])
        np.testing.assert_allclose(np.sum(g["mass_plus"], axis=1),
                                   self.fx.expected_masses(2)[0], rtol=MASS_RTOL)

    def test_alignment(self):
        res = plots.plot_alignment(self.field, os.path.join(self.out, "al.png"), self.parts,
                                   [self.cmp])
        pos = np.ones(TIMES.size, bool)       # every time, t = 0 too (symlog axis)
        for name in ("alignment", "w2_plus", "w2_minus"):
            np.testing.assert_array_equal(res[name], self.fx.series[name][pos])
            self.assertEqual(res["source"][name], "file")
        cloud = an.particle_cloud(self.parts[2], "theta")
        np.testing.assert_array_equal(res["particles"][1]["alignment_runs"][0],
                                      an.particle_alignment(cloud)[pos])
        np.testing.assert_array_equal(res["compare"][0]["w1_minus"],
                                      self.fx.compare_series["w1_minus"][pos])
        self.assert_png(res["path"], res["caption"], res["title"])

    def test_alignment_computed_when_absent(self):
        path = os.path.join(self.tmp, "field-noalign.nc")
        synthetic.write_field(path, TIMES, self.fx.edges, self.fx.tp, self.fx.tm,
                              drop=("alignment", "w2_plus", "w2_minus"),
                              attrs={"minimiser_mass": None})
        f = sfio.read_field(path)
        self.assertIsNone(f.minimiser_mass)
        res = plots.plot_alignment(f, os.path.join(self.out, "al2.png"))
        self.assertEqual(res["source"]["alignment"], "computed")
        np.testing.assert_allclose(res["alignment"], self.fx.series["alignment"],
                                   rtol=SUM_RTOL)
        self.assertIn("computed from the densities", res["caption"])

    def test_linear_time_axis(self):
        """Times within a decade: linear t axis, t = 0 drawn."""
        t = np.linspace(0.0, 2.0, 5)
        path = os.path.join(self.tmp, "field-lin.nc")
        synthetic.write_field(path, t, self.fx.edges, self.fx.tp, self.fx.tm)
        f = sfio.read_field(path)
        res = plots.plot_risk(f, os.path.join(self.out, "risk-lin.png"))
        self.assertFalse(res["log_time"])
        np.testing.assert_array_equal(res["time"], t)
        res = plots.plot_heatmap(f, os.path.join(self.out, "heat-lin.png"))
        np.testing.assert_array_equal(res["tau_plus"], self.fx.tp)
        # midpoints, the last face mirrored, the first one clipped to t = 0 (the first
        # output's cell starts there)
        np.testing.assert_allclose(res["time_edges"], [0.0, 0.25, 0.75, 1.25, 1.75, 2.25],
                                   rtol=0, atol=4 * EPS)

    def test_phi_field_with_particles(self):
        """d_H = 1 non-radial field on φ ∈ [0, π]: every figure draws; the particle
        histograms on the φ cells carry the particle masses."""
        ephi = np.linspace(0.0, np.pi, 9)
        tau = np.ones((TIMES.size, 8)) * (1.0 + TIMES[:, None])
        fpath = os.path.join(self.tmp, "field-phi.nc")
        synthetic.write_field(fpath, TIMES, ephi, tau, 0.5 * tau, coord="phi",
                              attrs={"target": "abs", "d_H": 1, "d": 20, "k": 19})
        f = sfio.read_field(fpath)
        self.assertEqual(f.coord, "phi")
        phi = np.array([0.2, 2.9, 1.0, 2.0, np.pi / 2, 0.0])
        c = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 0.25])
        sgn = np.array([1.0, 1.0, -1.0, -1.0, 1.0, -1.0])
        u = np.repeat((np.sqrt(c) * np.cos(phi))[None, :, None], TIMES.size, 0)
        r = np.repeat((np.sqrt(c) * np.sin(phi))[None, :], TIMES.size, 0)
        a = np.repeat((sgn * np.sqrt(c))[None, :], TIMES.size, 0)
        ppath = os.path.join(self.tmp, "particles-phi.nc")
        synthetic.write_particles(ppath, TIMES, a, 1.0 / (1.0 + TIMES), u=u, r=r,
                                  attrs={"d": 20})
        part = sfio.read_particles(ppath)
        out = os.path.join(self.tmp, "phi-out")
        os.makedirs(out, exist_ok=True)
        res = plots.plot_all(f, out, [part])
        g = res["snapshots.png"]["particles"][0]
        self.assertEqual(g["q"], 3)                     # 6 neurons → ⌈√6⌉ = 3 bins of 8 cells
        np.testing.assert_array_equal(g["edges"], ephi[[0, 3, 6, 8]])
        np.testing.assert_allclose(np.sum(g["mass_plus"], axis=1),
                                   np.sum(c[sgn > 0]) / c.size, rtol=8 * c.size * EPS)
        np.testing.assert_allclose(np.sum(g["mass_minus"], axis=1),
                                   np.sum(c[sgn < 0]) / c.size, rtol=8 * c.size * EPS)
        w2 = res["alignment.png"]["particles"][0]["w2_plus_runs"][0]
        theta = np.minimum(phi, np.pi - phi)            # distance to the aligned set
        cp = np.where(sgn > 0, c, 0.0)
        np.testing.assert_allclose(w2, np.sqrt(np.sum(cp * theta ** 2) / np.sum(cp)),
                                   rtol=64 * EPS)
        for name in plots.FIGURE_NAMES:
            read_png(os.path.join(out, name))

    def test_paper(self):
        res = paper.paper_all(self.field, self.parts[:2], self.out)
        h = res["paper_fig_histograms.png"]
        np.testing.assert_array_equal(h["tau_plus"], self.fx.tp)
        np.testing.assert_allclose(an.field_masses(h["tau_plus_binned"], h["bins"]),
                                   self.fx.series["mass_plus"], rtol=SUM_RTOL)
        np.testing.assert_array_equal(res["paper_fig_loss.png"]["risk"],
                                      self.fx.series["risk"])
        np.testing.assert_array_equal(res["paper_fig_masses.png"]["mass_minus"],
                                      self.fx.series["mass_minus"])
        for name in paper.PAPER_NAMES:
            self.assert_png(res[name]["path"], res[name]["caption"], res[name]["title"])


def raw_markup(text):
    """The '^' and '_' of `text` outside mathtext ($…$ segments): drawn literally."""
    outside = text.split("$")[0::2]
    return [ch for seg in outside for ch in seg if ch in "^_"]


#: First bytes of each figure format: PNG signature, PDF header, SVG's XML declaration.
MAGIC = {"png": PNG_SIGNATURE, "pdf": b"%PDF-", "svg": b"<?xml"}


def assert_format(test, path, fmt):
    """`path` is a complete file of format `fmt` (magic bytes, and its end marker: PNG
    chunks to IEND, PDF %%EOF, SVG closing tag)."""
    with open(path, "rb") as f:
        data = f.read()
    test.assertEqual(data[:len(MAGIC[fmt])], MAGIC[fmt], path)
    if fmt == "png":
        read_png(path)
    elif fmt == "pdf":
        test.assertIn(b"%%EOF", data[-32:], path)
    else:
        test.assertIn(b"<svg", data[:2000], path)
        test.assertTrue(data.rstrip().endswith(b"</svg>"), path)


def run_cli(*args):
    env = dict(os.environ)
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    # symflow_post, and symflow: particle files are validated through libsymflow
    env["PYTHONPATH"] = os.pathsep.join(os.path.join(root, d) for d in ("postproc", "python"))
    env["MPLBACKEND"] = "Agg"
    return subprocess.run([PYTHON, "-m", "symflow_post"] + list(args), env=env,
                          capture_output=True, text=True, timeout=300)


class TestCLI(SynthCase):
    def test_plot(self):
        out = os.path.join(self.tmp, "cli")
        p = run_cli("plot", self.fx.compare, self.fx.runs[0]["path"], self.fx.field,
                    self.fx.runs[1]["path"], "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        written = p.stdout.split()
        self.assertEqual([os.path.basename(w) for w in written], list(plots.FIGURE_NAMES))
        for w in written:
            self.assertEqual(os.path.dirname(w), out)
            read_png(w)

    def test_plot_format(self):
        out = os.path.join(self.tmp, "cli-pdf")
        p = run_cli("plot", self.fx.field, "-o", out, "--format", "pdf")
        self.assertEqual(p.returncode, 0, p.stderr)
        written = p.stdout.split()
        self.assertEqual([os.path.basename(w) for w in written],
                         [plots.with_format(n, "pdf") for n in plots.FIGURE_NAMES])
        for w in written:
            assert_format(self, w, "pdf")
        p = run_cli("plot", self.fx.field, "-o", out, "--format", "jpg")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--format", p.stderr)
        self.assertIn("'jpg'", p.stderr)

    def test_plot_default_folder(self):
        sub = os.path.join(self.tmp, "alone")
        os.makedirs(sub, exist_ok=True)
        f = os.path.join(sub, "run.nc")
        shutil.copy(self.fx.field, f)
        p = run_cli("plot", f)
        self.assertEqual(p.returncode, 0, p.stderr)
        for name in plots.FIGURE_NAMES:
            self.assertTrue(os.path.isfile(os.path.join(sub, name)), name)

    def test_paper(self):
        out = os.path.join(self.tmp, "cli-paper")
        p = run_cli("paper", self.fx.field, self.fx.runs[0]["path"], self.fx.runs[1]["path"],
                    "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(os.path.basename(w) for w in p.stdout.split()),
                         sorted(paper.PAPER_NAMES))

    def test_bad_particle_files(self):
        """The schema particles-1 is checked once, by the C reader (libsymflow,
        sf_api_check_particles): one message naming the file and the variable or attribute,
        through io.read_any and through the command line (exit 2, one line)."""
        src = self.fx.runs[0]["path"]
        cases = []
        p = os.path.join(self.tmp, "bad-nan.nc")
        shutil.copy(src, p)
        with netCDF4.Dataset(p, "a") as nc:
            nc["a"][1, 3] = np.nan
        cases.append((p, "variable a: a[1, 3] = nan: expected finite values"))
        p = os.path.join(self.tmp, "bad-m.nc")
        shutil.copy(src, p)
        with netCDF4.Dataset(p, "a") as nc:
            nc.delncattr("m")
        cases.append((p, "attribute m"))
        p = os.path.join(self.tmp, "bad-time.nc")
        shutil.copy(src, p)
        with netCDF4.Dataset(p, "a") as nc:
            nc["time"][2] = nc["time"][1]
        cases.append((p, "variable time: time[2] = 0.5 after time[1] = 0.5: expected "
                         "increasing"))
        for path, words in cases:
            with self.assertRaises(sfio.SymflowInputError) as cm:
                sfio.read_any(path)
            self.assertTrue(str(cm.exception).startswith(path + ": "), str(cm.exception))
            self.assertIn(words, str(cm.exception))
            proc = run_cli("plot", self.fx.field, path, "-o", os.path.join(self.tmp, "bad"))
            self.assertEqual(proc.returncode, 2, proc.stderr)
            lines = proc.stderr.splitlines()
            self.assertEqual(len(lines), 1, proc.stderr)
            self.assertEqual(lines[0], "symflow plot: error: %s" % str(cm.exception))

    def test_bad_inputs(self):
        absent = os.path.join(self.tmp, "absent.nc")
        cases = [
            (("plot", absent), "symflow plot: error: ", "no such file"),
            (("plot", self.fx.text), "symflow plot: error: ", "not a readable netCDF"),
            (("plot", self.fx.foreign), "symflow plot: error: ", "not a symflow file"),
            (("plot", self.fx.runs[0]["path"], self.fx.compare), "symflow plot: error: ",
             "no field file"),
            (("plot", self.fx.field, self.fx.field), "symflow plot: error: ",
             "2 field files"),
            (("plot",), "symflow plot: error: ", "required"),
            (("plot", self.fx.field, "-o", self.fx.text), "symflow plot: error: ",
             "output folder"),
            (("paper", self.fx.field, self.fx.compare), "symflow paper: error: ",
             "not a particle file"),
            (("paper", self.fx.runs[0]["path"], self.fx.runs[1]["path"]),
             "symflow paper: error: ", "not a field file"),
            ((), "symflow: error: ", "plot or paper"),
            (("draw", self.fx.field), "symflow: error: ", "invalid choice"),
        ]
        for args, prefix, words in cases:
            p = run_cli(*args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            lines = p.stderr.splitlines()
            self.assertEqual(len(lines), 1, (args, p.stderr))
            self.assertTrue(lines[0].startswith(prefix), (args, lines[0]))
            self.assertIn(words, lines[0], args)
            self.assertEqual(p.stdout, "", args)


if __name__ == "__main__":
    unittest.main(verbosity=1)
