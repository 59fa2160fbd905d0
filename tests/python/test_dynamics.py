"""test_dynamics — the probe lines of forms L and T (docs/math.md (L7)) and the figures of
`symflow plot --kind probe|trajectories|animation` (postproc/symflow_post/dynamics.py).

Solves two small form-L cases with the binary ($SYMFLOW, else build/dev/app/symflow):
cases/tiny.yaml (radial |x_H|, d = 10, d_H = 2, θ, 32 cells) and cases/abs.yaml on φ
(problem.fold_even = false: d = 20, d_H = 1, 64 cells), form T on cases/odd-linear.yaml
and cases/relu-teacher.yaml (24 cells), and a 64-neuron particle run of tiny. Checks
  - probe_f against an independent Monte-Carlo estimate from the stored τ^± (directions
    ê′ ∈ S^{k−1} and û ∈ S^{d_H−1} drawn as normalised Gaussian vectors, not through the
    closed form S_k of (L7) nor the Gauss–Gegenbauer rule), within 5 standard errors plus
    the rule's error at the kink (measured here against the exact ρ = 0 value);
  - form T: probe_f(±e₁ + ρ ê) = ±w on the odd case (f = ⟨w, x⟩, M8) to rounding, and
    against Monte Carlo from the stored density on relu-teacher;
  - probe_f = 0 at t = 0 (τ⁺ = τ⁻: m = 0) and psi_hat = Ψ̂ of the stored risk identity
    (M14): R = ½ Σ (Ψ̂_i − Ĝ_i) M_i + ½ E f_H², i.e. Ψ̂ at the start is −Ĝ;
  - the probe figure draws the file's values (artists read back); the trajectories
    figure draws (θ_i, |a_i|) recomputed here from a and b; the GIF animation has one frame
    per output time (read back with Pillow); MP4 when ffmpeg is on PATH (skipped otherwise);
  - the command line: --kind probe|trajectories|animation write one file each; bad
    combinations exit 2 with one line.
Run: PYTHONPATH=postproc:python SYMFLOW=build/dev/app/symflow /usr/bin/python3 tests/python/test_dynamics.py
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
from test_plots import assert_format, raw_markup  # noqa: E402

from symflow_post import dynamics  # noqa: E402
from symflow_post import io as sfio  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYMFLOW = os.environ.get("SYMFLOW", os.path.join(ROOT, "build", "dev", "app", "symflow"))
PYTHON = "/usr/bin/python3"
#: Monte-Carlo samples per probe point (the standard error is estimated from them).
N_MC = 200_000
#: Standard errors allowed between the Monte-Carlo estimate and the file: a 5σ event has
#: probability 6e-7 per comparison (a fixed seed makes the test deterministic anyway).
N_SIGMA = 5.0


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


def sphere_coordinate(rng, dim, size):
    """One coordinate of uniform points of S^{dim−1} (law γ_dim): z₁/|z|, z ~ N(0, I)."""
    if dim == 1:
        return rng.choice([-1.0, 1.0], size=size)
    z = rng.standard_normal((size, dim))
    return z[:, 0] / np.linalg.norm(z, axis=1)


def monte_carlo_f(field, it, u, rho, rng, n=N_MC):
    """(estimate, standard error) of f(x) = Σ_i M_i E σ(⟨ω_i, x⟩) on the probe line (u, ρ)
    at output `it`, M_i = w_i (τ⁺_i − τ⁻_i) the stored signed cell masses, ω_i at the cell
    centre: cells drawn with probability |M_i|/Σ|M|, t = ⟨ê′, ê⟩ and s = ⟨û, û_x⟩ drawn as
    coordinates of uniform points of S^{k−1} and S^{d_H−1}."""
    d, d_H = int(field.attrs["d"]), int(field.attrs["d_H"])
    k = d - d_H
    M = np.diff(field.edges) * (field.tau_plus[it] - field.tau_minus[it])
    total = np.sum(np.abs(M))
    if total == 0.0:
        return 0.0, 0.0
    cells = rng.choice(M.size, size=n, p=np.abs(M) / total)
    ang = field.centres[cells]
    t = sphere_coordinate(rng, k, n)
    if field.coord == "theta":             # radial: û uniform on S^{d_H−1}, |x_H| = u
        s = sphere_coordinate(rng, d_H, n) * u
    else:                                  # d_H = 1 on φ: x_H = u e₁
        s = np.full(n, u)
    val = np.sign(M[cells]) * np.maximum(np.cos(ang) * s + rho * np.sin(ang) * t, 0.0)
    return total * val.mean(), total * val.std(ddof=1) / np.sqrt(n)


@unittest.skipUnless(os.access(SYMFLOW, os.X_OK), "no symflow binary at %s" % SYMFLOW)
class Dynamics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="symflow_dynamics_")
        j = lambda n: os.path.join(cls.tmp, n)
        cls.theta = j("tiny.nc")
        symflow("solve", os.path.join(ROOT, "cases", "tiny.yaml"), "-o", cls.theta, "--quiet")
        cls.phi = j("abs-phi.nc")
        symflow("solve", os.path.join(ROOT, "cases", "abs.yaml"), "-o", cls.phi, "--quiet",
                "--set", "form=lifted", "--set", "start.law=balanced-sphere",
                "--set", "problem.fold_even=false", "--set", "grid.cells=64",
                "--set", "grid.spacing=uniform", "--set", "time.end=2",
                "--set", "time.outputs=[0,1,2]")
        cls.odd = j("odd-linear-T.nc")            # form T, odd target: f = ⟨w, x⟩ (M8)
        symflow("solve", os.path.join(ROOT, "cases", "odd-linear.yaml"), "-o", cls.odd,
                "--quiet", "--set", "time.end=1", "--set", "time.outputs=3")
        cls.relu = j("relu-teacher-T.nc")         # form T, neither odd nor even
        symflow("solve", os.path.join(ROOT, "cases", "relu-teacher.yaml"), "-o", cls.relu,
                "--quiet", "--set", "grid.cells=24", "--set", "time.end=1",
                "--set", "time.outputs=[0,1]")
        cls.parts = j("tiny-particles.nc")
        symflow("particles", os.path.join(ROOT, "cases", "tiny.yaml"), "-m", "64", "-o",
                cls.parts, "--quiet", "--set", "time.outputs=[0,0.5,1,2]")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_probe_layout(self):
        """CF layout: probe_u, probe_rho are point coordinates (units, long_name, no
        bounds); probe_f(time, probe_u, probe_rho); psi_hat(time, θ|φ)."""
        for path, coord, us in ((self.theta, "theta", [1.0]), (self.phi, "phi", [-1.0, 1.0])):
            with netCDF4.Dataset(path) as ds:
                self.assertEqual(ds["probe_f"].dimensions, ("time", "probe_u", "probe_rho"))
                self.assertEqual(ds["psi_hat"].dimensions, ("time", coord))
                for name in ("probe_u", "probe_rho"):
                    self.assertEqual(ds[name].units, "1")
                    self.assertIn("long_name", ds[name].ncattrs())
                    self.assertNotIn("bounds", ds[name].ncattrs())
                    self.assertNotIn("axis", ds[name].ncattrs())
                self.assertEqual(ds[coord].axis, "X")     # the cell coordinate keeps its axis
                np.testing.assert_array_equal(ds["probe_u"][:], us)
                np.testing.assert_array_equal(ds["probe_rho"][:], 0.25 * np.arange(13))

    def test_probe_zero_at_start(self):
        """τ⁺ = τ⁻ at t = 0 (L3): m = 0, so f ≡ 0 exactly."""
        for path in (self.theta, self.phi):
            f = sfio.read_field(path)
            np.testing.assert_array_equal(f.tau_plus[0], f.tau_minus[0])
            np.testing.assert_array_equal(f.probe_f[0], 0.0)

    def test_psi_hat_and_risk(self):
        """(M14) with the stored Ψ̂: at t = 0, m = 0 so Ψ̂ = −Ĝ and R = ½ E f_H² = risk_const;
        at later outputs R = ½ Σ (Ψ̂_i − Ĝ_i) M_i + risk_const with Ĝ = −Ψ̂(0) (the grid
        computes R this way: rounding only)."""
        for path in (self.theta, self.phi):
            f = sfio.read_field(path)
            G = -f.psi_hat[0]
            rc = float(np.asarray(f.attrs["risk_const"]).ravel()[0])
            self.assertEqual(f.series["risk"][0], rc)
            for it in range(1, f.time.size):
                M = np.diff(f.edges) * (f.tau_plus[it] - f.tau_minus[it])
                R = 0.5 * np.sum((f.psi_hat[it] - G) * M) + rc
                # n products of O(1) terms: a few hundred ulps of the O(1) risk
                np.testing.assert_allclose(R, f.series["risk"][it], rtol=1e-12, atol=1e-13,
                                           err_msg=path)

    def test_probe_against_monte_carlo(self):
        """probe_f at the last output against Monte Carlo from the stored τ^±."""
        rng = np.random.default_rng(20231201)
        for path in (self.theta, self.phi):
            f = sfio.read_field(path)
            it = f.time.size - 1
            # the s-average of the radial case is a 64-node Gauss–Gegenbauer rule of a
            # function with a kink at s = 0 when ρ sin θ = 0: its error at ρ = 0, where the
            # exact value is Σ M_i cos θ_i E[s⁺], bounds the rule's error on the line
            quad = 0.0
            if f.coord == "theta":
                d_H = int(f.attrs["d_H"])
                from scipy.special import beta as B
                h = 0.5 * (d_H - 1)
                es_plus = 0.5 if d_H == 1 else 1.0 / (2 * h * B(0.5, h))   # E s⁺, s ~ γ_{d_H}
                M = np.diff(f.edges) * (f.tau_plus[it] - f.tau_minus[it])
                exact0 = np.sum(M * np.cos(f.centres)) * es_plus
                quad = abs(f.probe_f[it, 0, 0] - exact0)
                self.assertLess(quad, 1e-3 * np.sum(np.abs(M)))
            for j, u in enumerate(f.probe_u):
                for l in (0, 4, 8, 12):                     # ρ = 0, 1, 2, 3
                    est, se = monte_carlo_f(f, it, u, f.probe_rho[l], rng)
                    self.assertLessEqual(abs(f.probe_f[it, j, l] - est),
                                         N_SIGMA * se + 2 * quad,
                                         "%s u=%g rho=%g: file %.6g, MC %.6g ± %.2g"
                                         % (path, u, f.probe_rho[l], f.probe_f[it, j, l], est,
                                            se))

    def test_probe_transport_odd(self):
        """Form T on odd-linear: the start and the flow are odd ((a, b) → (−a, −b)), so
        f(x) = ⟨w, x⟩ (M8) and on the probe lines f(±e₁ + ρ ê) = ±w₁ for every ρ: probe_f
        against the file's series w (½ Σ a u n, computed apart)."""
        f = sfio.read_transport(self.odd)
        w = f.series["w"]
        self.assertGreater(np.max(np.abs(w)), 0.1)
        np.testing.assert_array_equal(f.probe_u, [-1.0, 1.0])
        # sums over the 12³ cells of terms of size |w|: rounding, a few hundred ulps
        tol = 1e-12 * np.max(np.abs(w)) + 1e-15
        np.testing.assert_allclose(f.probe_f[:, 1, :], np.repeat(w[:, None], 13, 1), rtol=0,
                                   atol=tol)
        np.testing.assert_allclose(f.probe_f[:, 0, :], -f.probe_f[:, 1, :], rtol=0, atol=tol)
        with netCDF4.Dataset(self.odd) as ds:      # the view window survives the new coords
            for x in ("a", "u", "r"):
                self.assertIn("view_" + x, ds.ncattrs())
            self.assertEqual(ds["density"].dimensions, ("time", "a", "u", "r"))

    def test_probe_transport_monte_carlo(self):
        """Form T on relu-teacher (neither odd nor even) at t = 1: probe_f against Monte
        Carlo from the stored density: (u, r) cells drawn ∝ |A|, A = Σ_a a n vol the
        a-moment (∫ a da exact on a cell), t = ⟨ê′, ê⟩ ~ γ_k as a normalised Gaussian."""
        rng = np.random.default_rng(7)
        f = sfio.read_transport(self.relu)
        it = f.time.size - 1
        k = int(f.attrs["d"]) - int(f.attrs["d_H"])
        wa, wu, wr = (np.diff(f.edges[x]) for x in ("a", "u", "r"))
        A = np.einsum("i,iur->ur", f.centres["a"] * wa, f.density[it]) * np.outer(wu, wr)
        total = np.sum(np.abs(A))
        for j, ux in enumerate(f.probe_u):
            for l in (0, 4, 12):
                cells = rng.choice(A.size, size=N_MC, p=(np.abs(A) / total).ravel())
                iu, ir = np.unravel_index(cells, A.shape)
                t = sphere_coordinate(rng, k, N_MC)
                val = np.sign(A[iu, ir]) * np.maximum(
                    ux * f.centres["u"][iu] + f.probe_rho[l] * f.centres["r"][ir] * t, 0.0)
                est, se = total * val.mean(), total * val.std(ddof=1) / np.sqrt(N_MC)
                self.assertLessEqual(abs(f.probe_f[it, j, l] - est), N_SIGMA * se,
                                     "u=%g rho=%g: file %.6g, MC %.6g ± %.2g"
                                     % (ux, f.probe_rho[l], f.probe_f[it, j, l], est, se))

    def test_probe_figure(self):
        f = sfio.read_field(self.phi)
        res = dynamics.plot_probe(f, os.path.join(self.tmp, "probe.svg"))
        assert_format(self, res["path"], "svg")
        axes = res["figure"].axes
        self.assertEqual(len(axes), 3)                    # u = −1, u = +1, Ψ̂
        for j in range(2):
            lines = [ln for ln in axes[j].lines if ln.get_marker() == "o"]
            self.assertEqual(len(lines), f.time.size)
            for k, ln in enumerate(lines):
                np.testing.assert_array_equal(ln.get_xdata(), f.probe_rho)
                np.testing.assert_array_equal(ln.get_ydata(), f.probe_f[k, j])
        for k, ln in enumerate(axes[2].lines):
            np.testing.assert_array_equal(ln.get_ydata(), f.psi_hat[k])
        for text in res["texts"]:
            self.assertEqual(raw_markup(text), [], text)

    def test_trajectories(self):
        p = sfio.read_particles(self.parts)
        res = dynamics.plot_trajectories([p], os.path.join(self.tmp, "traj.png"), neurons=16)
        assert_format(self, res["path"], "png")
        run = res["runs"][0]
        np.testing.assert_array_equal(run["neurons"], np.arange(0, 64, 4))
        a = nc(self.parts, "a")[:, ::4]
        b = nc(self.parts, "b")[:, ::4, :]
        basis = nc(self.parts, "basis")
        bh = np.linalg.norm(b @ basis.T, axis=2)
        theta = np.arctan2(np.sqrt(np.maximum(np.sum(b * b, axis=2) - bh * bh, 0.0)), bh)
        # projections and norms of O(1) vectors in d = 10: a few ulps of the angle
        np.testing.assert_allclose(run["theta"], theta, rtol=0, atol=1e-13)
        np.testing.assert_array_equal(run["abs_a"], np.abs(a))
        ax = res["figure"].axes[0]
        paths = [ln for ln in ax.lines if ln.get_linestyle() == "-"]
        self.assertEqual(len(paths), 16)
        np.testing.assert_array_equal(paths[3].get_xdata(), run["theta"][:, 3])
        np.testing.assert_array_equal(paths[3].get_ydata(), run["abs_a"][:, 3])
        for text in res["texts"]:
            self.assertEqual(raw_markup(text), [], text)

    def test_animation_gif(self):
        from PIL import Image
        f = sfio.read_field(self.theta)
        p = sfio.read_particles(self.parts)
        res = dynamics.animate(f, os.path.join(self.tmp, "anim.gif"), [p])
        with Image.open(res["path"]) as im:
            self.assertEqual(im.format, "GIF")
            self.assertEqual(im.n_frames, f.time.size)
            self.assertEqual(im.size, (res["size"][1], res["size"][0]))
        self.assertEqual(res["frames"], f.time.size)

    def test_animation_mp4(self):
        f = sfio.read_field(self.theta)
        path = os.path.join(self.tmp, "anim.mp4")
        if shutil.which("ffmpeg") is None:
            with self.assertRaises(ValueError) as cm:
                dynamics.animate(f, path)
            self.assertIn("ffmpeg", str(cm.exception))
            self.assertFalse(os.path.exists(path))
            self.skipTest("ffmpeg is not installed: the MP4 writer is not exercised "
                          "(apt-get install ffmpeg to run it)")
        res = dynamics.animate(f, path)
        probe = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams",
                                "v:0", "-show_entries", "stream=nb_read_frames", "-of",
                                "csv=p=0", res["path"]], capture_output=True, text=True)
        self.assertEqual(int(probe.stdout.strip()), f.time.size, probe.stderr)

    def test_python_api(self):
        """symflow.plot(..., fmt=, kind=) is the command line in-process; the dynamics
        functions are re-exported by the package symflow."""
        import symflow
        out = os.path.join(self.tmp, "api")
        paths = symflow.plot([self.phi], out, fmt="svg", kind="probe")
        self.assertEqual(paths, [os.path.join(out, "probe.svg")])
        assert_format(self, paths[0], "svg")
        self.assertIs(symflow.plot_probe, dynamics.plot_probe)
        self.assertIs(symflow.animate, dynamics.animate)

    def test_cli(self):
        out = os.path.join(self.tmp, "cli")
        for kind, files, name in (("probe", [self.theta], "probe.pdf"),
                                  ("trajectories", [self.parts], "trajectories.pdf"),
                                  ("animation", [self.theta, self.parts], "animation.gif")):
            args = ["plot"] + files + ["--kind", kind, "-o", out]
            if kind != "animation":
                args += ["--format", "pdf"]
            p = run_cli(*args)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.split(), [os.path.join(out, name)])
        bad = ((("plot", self.theta, "--kind", "animation", "--format", "png"), "--format png"),
               (("plot", self.theta, "--kind", "probe", "--format", "gif"), "--format gif"),
               (("plot", self.theta, "--kind", "trajectories"), "no particle file"),
               (("plot", self.parts, "--kind", "probe"), "form-L or form-T field file"),
               (("plot", self.odd, "--kind", "animation"), "form-L field file"),
               (("plot", self.theta, "--kind", "movie"), "invalid choice"))
        for args, words in bad:
            p = run_cli(*args)
            self.assertEqual(p.returncode, 2, args)
            lines = p.stderr.splitlines()
            self.assertEqual(len(lines), 1, p.stderr)
            self.assertTrue(lines[0].startswith("symflow plot: error: "), lines[0])
            self.assertIn(words, lines[0])


if __name__ == "__main__":
    unittest.main(verbosity=1)
