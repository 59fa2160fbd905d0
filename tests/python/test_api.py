"""test_api — the Python package symflow (python/symflow) over the stable C API of
libsymflow (include/symflow/api.h, app/api.c).

1. symflow.solve of cases/tiny.yaml with overrides (keyword arguments with "__" and a dict)
   gives the risk series of `symflow solve` of the same case and overrides, to 1e-12
   relative; out= keeps the file; a bad override key raises SymflowError naming the key
   with status 3 (the command's exit code), an out-of-range value status 4, a missing case
   file a non-zero status; sf_api_version is the command's version.
2. write_particles from numpy arrays is read by the C reader: `symflow compare FIELD
   PARTICLES` exits 0, and the compare file's risk_particles equals what was written;
   wrong shapes, a missing risk, non-finite values are refused before anything is written.
3. SGD against the PDE, with hand-written numpy gradients and, when `import torch` works,
   with PyTorch (else skipped, the reason printed): a width-64 network in nn.Linear
   layout started from the particles of `symflow particles` (the case's balanced-sphere
   start), trained by online SGD with the mean-field learning rates (layer 1: m·η,
   layer 2: η/m, step k = time kη; see write_particles' docstring) up to the case's t = 2,
   recorded with write_particles (from tensors in the PyTorch run); `symflow compare`
   against the PDE exits 0, its risk gap is finite, the risk at least halves, at t = 0 the
   risk estimate on N = 20000 fixed inputs is within 6 of its standard deviations
   (measured) of the exact risk of the same finite network (written by `symflow
   particles`, method cvode), and R(2)/R(0) is the PDE's (0.23) to 0.1 (a time scale off by
   a factor 2 would miss it: the PDE's R(1)/R(0) is 0.54).
Run: PYTHONPATH=postproc:python SYMFLOW=build/dev/app/symflow \
     SYMFLOW_LIB=build/dev/libsymflow.so /usr/bin/python3 tests/python/test_api.py
"""

import math
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np
import xarray as xr

import symflow

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TINY = os.path.join(ROOT, "cases", "tiny.yaml")
SYMFLOW = os.environ.get("SYMFLOW", os.path.join(ROOT, "build", "dev", "app", "symflow"))
SHORT = {"time.end": 0.2, "time.outputs": 3, "grid.cells": 16}

try:
    import torch
    TORCH_SKIP = None
except Exception as exc:  # ImportError, or a broken installation
    torch = None
    TORCH_SKIP = "PyTorch not importable (%s): the PyTorch test is skipped" % exc


def run(*args):
    return subprocess.run([SYMFLOW] + [str(a) for a in args], capture_output=True, text=True)


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="symflow-test-api-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def cli_field(self, name, overrides):
        sets = []
        for k, v in overrides.items():
            sets += ["--set", "%s=%s" % (k, v)]
        out = self.path(name)
        p = run("solve", TINY, "-q", "-o", out, *sets)
        self.assertEqual(p.returncode, 0, p.stderr)
        return out


class Solve(Base):
    def test_matches_command(self):
        ref = xr.open_dataset(self.cli_field("ref.nc", SHORT), decode_times=False).load()
        ds = symflow.solve(TINY, time__end=0.2, time__outputs=3, grid__cells=16)
        self.assertIsInstance(ds, xr.Dataset)
        np.testing.assert_allclose(ds["time"].values, ref["time"].values, rtol=0, atol=0)
        np.testing.assert_allclose(ds["risk"].values, ref["risk"].values, rtol=1e-12, atol=0)
        self.assertEqual(ds.attrs["case_overrides"], ref.attrs["case_overrides"])
        # a dict, and out= keeps the file
        out = self.path("kept.nc")
        ds2 = symflow.solve(TINY, out=out, overrides=SHORT)
        self.assertTrue(os.path.exists(out))
        np.testing.assert_allclose(ds2["risk"].values, ref["risk"].values, rtol=1e-12, atol=0)
        np.testing.assert_allclose(symflow.load(out)["risk"].values, ds2["risk"].values)
        # the temporary of out=None is gone: nothing left in the temp folder is ours
        self.assertEqual(sorted(os.listdir(self.tmp)), ["kept.nc", "ref.nc"])

    def test_errors(self):
        with self.assertRaises(symflow.SymflowError) as cm:
            symflow.solve(TINY, grid__nonsense=3)
        self.assertEqual(cm.exception.status, 3)
        self.assertIn("grid.nonsense", cm.exception.message)
        with self.assertRaises(symflow.SymflowError) as cm:
            symflow.solve(TINY, grid__cells=-4)
        self.assertEqual(cm.exception.status, 4)
        self.assertIn("grid.cells", cm.exception.message)
        with self.assertRaises(symflow.SymflowError) as cm:
            symflow.solve(self.path("absent.yaml"))
        self.assertNotEqual(cm.exception.status, 0)
        self.assertIn("absent.yaml", cm.exception.message)
        # the case file itself is never an output
        with self.assertRaises(symflow.SymflowError):
            symflow.solve(TINY, out=TINY)
        self.assertTrue(os.path.getsize(TINY) > 0)

    def test_version(self):
        p = run("--version")
        self.assertEqual(p.stdout.split()[-1], symflow.version())
        with open(os.path.join(ROOT, "python", "pyproject.toml"), encoding="utf-8") as fh:
            line = [l for l in fh if l.startswith("version = ")][0]
        self.assertEqual(line.split('"')[1], symflow.version())


class Plot(Base):
    def test_plot(self):
        field = self.cli_field("field.nc", SHORT)
        paths = symflow.plot([field], self.path("figs"))
        self.assertTrue(paths)
        for f in paths:
            self.assertTrue(f.endswith(".png") and os.path.getsize(f) > 0, f)
        from symflow_post import plots
        self.assertIs(symflow.plot_risk, plots.plot_risk)
        with self.assertRaises(AttributeError):
            symflow.no_such_thing


class Particles(Base):
    def particles(self, T=3, m=64, d=10, seed=5):
        rng = np.random.default_rng(seed)
        t = np.linspace(0.0, 0.2, T)
        b0 = rng.standard_normal((m // 2, d))
        b0 /= np.linalg.norm(b0, axis=1, keepdims=True)
        b = np.repeat(np.concatenate([b0, b0])[None], T, axis=0)
        a = np.repeat(np.concatenate([np.ones(m // 2), -np.ones(m // 2)])[None], T, axis=0)
        a = a * (1 + 0.1 * t[:, None])
        risk = 1.0 - 0.1 * t
        return t, a, b, risk

    def test_compare_reads_it(self):
        field = self.cli_field("field.nc", {"time.end": 0.2, "time.outputs": 3})
        t, a, b, risk = self.particles()
        part = symflow.write_particles(self.path("p.nc"), t, a, b, d_H=2, risk=risk, eta=0.01,
                                       seed=5, method="numpy-test")
        cmp_path = self.path("cmp.nc")
        p = run("compare", field, part, "-o", cmp_path)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        c = symflow.load(cmp_path)
        np.testing.assert_allclose(c["risk_particles"].values, risk, rtol=1e-15)
        self.assertTrue(np.all(np.isfinite(c["risk_gap"].values)))
        ds = symflow.load(part)
        self.assertEqual(ds.attrs["symflow_schema"], "particles-1")
        self.assertEqual((int(ds.attrs["m"]), int(ds.attrs["d"]), int(ds.attrs["d_H"])),
                         (64, 10, 2))
        for v in ("time", "a", "b", "risk"):
            self.assertIn("long_name", ds[v].attrs)
        # with an explicit basis (d_H from it)
        basis = np.eye(10)[[1, 0]]
        part2 = symflow.write_particles(self.path("p2.nc"), t, a, b, basis=basis, risk=risk)
        p = run("compare", field, part2, "-o", self.path("cmp2.nc"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_refused(self):
        t, a, b, risk = self.particles()
        cases = [dict(t=t, a=a[0], b=b, risk=risk, d_H=2),
                 dict(t=t, a=a, b=b[:, :, 0], risk=risk, d_H=2),
                 dict(t=t, a=a, b=b, risk=None, d_H=2),
                 dict(t=t, a=a, b=b, risk=risk[:2], d_H=2),
                 dict(t=t[::-1], a=a, b=b, risk=risk, d_H=2),
                 dict(t=t, a=a, b=b, risk=risk, d_H=11),
                 dict(t=t, a=a, b=b, risk=risk),
                 dict(t=t, a=np.where(a > 0, np.nan, a), b=b, risk=risk, d_H=2)]
        for kw in cases:
            with self.assertRaises(ValueError):
                symflow.write_particles(self.path("bad.nc"), kw.pop("t"), kw.pop("a"),
                                        kw.pop("b"), **kw)
        self.assertEqual(os.listdir(self.tmp), [])


class SGDBase(Base):
    """Online SGD of a width-64 network in nn.Linear variables W1 = b (m × d), W2 = a/m
    (1 × m) with the mean-field learning rates lr1 = m·η, lr2 = η/m (step k = time kη),
    started from the case's start law as drawn by `symflow particles`, against the PDE."""
    M, D, D_H, ETA, STEPS, EVERY, BATCH, N_EVAL, SEED = 64, 10, 2, 0.01, 200, 20, 64, 20000, 7

    def start(self):
        start = self.path("start.nc")
        p = run("particles", TINY, "-m", self.M, "--seed", self.SEED, "--set",
                "time.end=0.01", "--set", "time.outputs=2", "-q", "-o", start)
        self.assertEqual(p.returncode, 0, p.stderr)
        s = symflow.load(start)
        # a, b at t = 0 and the exact population risk of that finite network (method cvode)
        return s["a"].values[0], s["b"].values[0], float(s["risk"].values[0])

    def check(self, ts, As, Bs, Rs, sd0, exact0):
        """Compare the recorded run with the PDE of tiny.yaml (t = 0 … 2, 11 outputs)."""
        part = symflow.write_particles(self.path("sgd.nc"), ts, As, Bs, d_H=self.D_H,
                                       risk=Rs, eta=self.ETA, seed=self.SEED,
                                       method="sgd-test")
        field = self.cli_field("field.nc", {})
        cmp_path = self.path("cmp.nc")
        p = run("compare", field, part, "-o", cmp_path)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        c = symflow.load(cmp_path)
        self.assertEqual(len(c["time"]), 11)
        self.assertTrue(np.all(np.isfinite(c["risk_gap"].values)))
        Rs = np.asarray(Rs, float)
        self.assertLess(Rs[-1], 0.5 * Rs[0])
        # t = 0: the estimate on N fixed inputs vs the exact risk of the same network; the
        # estimate's standard deviation is sd(½(f − f*)²)/√N, measured on those inputs
        self.assertLess(abs(Rs[0] - exact0), 6 * sd0)
        # the PDE's R(0) = d_H/2 (balanced start: E f = 0); the finite network differs by
        # its O(1/√m) fluctuation
        rf = c["risk_field"].values
        self.assertAlmostEqual(float(rf[0]), self.D_H / 2, places=6)
        # time scale: the relative decrease R(2)/R(0) of SGD follows the PDE's (0.23; the
        # PDE's R(1)/R(0) is 0.54, so a time off by a factor 2 fails)
        self.assertLess(abs(Rs[-1] / Rs[0] - rf[-1] / rf[0]), 0.1)


class NumpySGD(SGDBase):
    """The same run with hand-written gradients (no PyTorch needed): checks the learning
    rates of write_particles' docstring."""

    def test_sgd_against_pde(self):
        a0, b0, exact0 = self.start()
        m, d, d_H, eta = self.M, self.D, self.D_H, self.ETA
        W1, W2 = b0.copy(), a0 / m
        rng = np.random.default_rng(11)
        x_eval = rng.standard_normal((self.N_EVAL, d))
        y_eval = np.linalg.norm(x_eval[:, :d_H], axis=1)
        loss_eval = lambda: 0.5 * (np.maximum(x_eval @ W1.T, 0) @ W2 - y_eval) ** 2
        l0 = loss_eval()
        sd0 = l0.std() / math.sqrt(self.N_EVAL)
        ts, As, Bs, Rs = [0.0], [m * W2], [W1.copy()], [l0.mean()]
        for k in range(1, self.STEPS + 1):
            x = rng.standard_normal((self.BATCH, d))
            h = x @ W1.T
            r = np.maximum(h, 0) @ W2 - np.linalg.norm(x[:, :d_H], axis=1)
            g2 = np.maximum(h, 0).T @ r / self.BATCH                 # ∂L/∂W2
            g1 = ((r[:, None] * (h > 0)) * W2).T @ x / self.BATCH    # ∂L/∂W1
            W1 -= m * eta * g1
            W2 -= eta / m * g2
            if k % self.EVERY == 0:
                ts.append(k * eta)
                As.append(m * W2)
                Bs.append(W1.copy())
                Rs.append(loss_eval().mean())
        self.check(ts, np.array(As), np.array(Bs), Rs, sd0, exact0)


@unittest.skipIf(torch is None, TORCH_SKIP)
class Torch(SGDBase):
    def test_sgd_against_pde(self):
        torch.manual_seed(self.SEED)
        a0, b0, exact0 = self.start()
        m, d, d_H, eta = self.M, self.D, self.D_H, self.ETA
        layer1 = torch.nn.Linear(d, m, bias=False).double()
        layer2 = torch.nn.Linear(m, 1, bias=False).double()
        with torch.no_grad():
            layer1.weight.copy_(torch.from_numpy(b0))            # b = layer1.weight
            layer2.weight.copy_(torch.from_numpy(a0 / m)[None])  # a = m · layer2.weight[0]
        net = lambda x: layer2(torch.relu(layer1(x)))[:, 0]
        target = lambda x: x[:, :d_H].norm(dim=1)                # norm target, H = e_1, e_2
        opt = torch.optim.SGD([{"params": layer1.parameters(), "lr": m * eta},
                               {"params": layer2.parameters(), "lr": eta / m}])
        gen = torch.Generator().manual_seed(11)
        x_eval = torch.randn(self.N_EVAL, d, generator=gen, dtype=torch.float64)
        y_eval = target(x_eval)
        with torch.no_grad():
            l0 = 0.5 * (net(x_eval) - y_eval) ** 2
        sd0 = float(l0.std()) / math.sqrt(self.N_EVAL)
        ts, As, Bs, Rs = [], [], [], []

        def record(k):
            with torch.no_grad():
                ts.append(k * eta)
                As.append(m * layer2.weight[0].clone())
                Bs.append(layer1.weight.clone())
                Rs.append(float(0.5 * ((net(x_eval) - y_eval) ** 2).mean()))

        record(0)
        for k in range(1, self.STEPS + 1):
            x = torch.randn(self.BATCH, d, generator=gen, dtype=torch.float64)
            loss = 0.5 * ((net(x) - target(x)) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if k % self.EVERY == 0:
                record(k)
        # tensors straight into write_particles (it detaches and moves them to the CPU)
        self.check(ts, torch.stack(As), torch.stack(Bs), Rs, sd0, exact0)


if __name__ == "__main__":
    if TORCH_SKIP:
        print(TORCH_SKIP)
    unittest.main(verbosity=2)
