"""test_sweep — the pure parts of symflow_post.sweep (issue 13): planning and derived
quantities, without running the solver (tests/cli/sweep.sh runs whole sweeps).

1. parse_vary: lists keep their texts; lo:hi:n gives n evenly spaced values with the end
   points exactly as written, integers when lo and hi are integers and every value is
   integral; :log geometric; :int rounds, refusing repeated values; malformed options are
   SweepError naming the option.
2. make_plan: the product in C order (last key fastest) or the zip; seeds last; a key both
   --set and --vary, unequal zip lengths: SweepError.
3. escape_times against R(t) = exp(−t) sampled every h = 0.01: t_f = ln(1/f) to h²/8
   · e^h (the error of linear interpolation of a convex function: the secant's crossing is
   off by at most h²/8 · max |R''| over the step / |R'| at the crossing ≤ h²/8 · e^h;
   measured 1.248e-5 against the bound 1.263e-5 at f = 0.01); NaN when f·R(0) is never
   reached; a crossing at an output is that output. fastest_descent: the output of the
   largest dissipation when the series is there, else the mid-point of the steepest finite
   difference.
Run: PYTHONPATH=postproc /usr/bin/python3 tests/python/test_sweep.py
"""

import math
import os
import tempfile
import unittest

import numpy as np

from symflow_post import sweep as sw

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(ROOT, "cases", "tiny.yaml")


class ParseVary(unittest.TestCase):
    def test_list(self):
        self.assertEqual(sw.parse_vary("problem.d_H=2,5,10"),
                         ("problem.d_H", ["2", "5", "10"], "list"))
        self.assertEqual(sw.parse_vary("scheme.limiter=minmod,vanleer")[1],
                         ["minmod", "vanleer"])

    def test_linear_integers(self):
        key, vals, spacing = sw.parse_vary("grid.cells=100:400:4")
        self.assertEqual((key, vals, spacing), ("grid.cells", ["100", "200", "300", "400"],
                                                "linear"))

    def test_linear_floats(self):
        _, vals, _ = sw.parse_vary("time.end=0.5:1:3")
        self.assertEqual([float(v) for v in vals], [0.5, 0.75, 1.0])
        _, vals, _ = sw.parse_vary("grid.cells=1:2:3")  # integral ends, 1.5 in between
        self.assertEqual(vals, ["1", "1.5", "2"])

    def test_log(self):
        _, vals, spacing = sw.parse_vary("problem.d=10:1e9:9:log:int")
        self.assertEqual(spacing, "log")
        self.assertEqual(vals, [str(10 ** k) for k in range(1, 10)])
        _, vals, _ = sw.parse_vary("solver.rtol=1e-10:1e-6:3:log")
        np.testing.assert_allclose([float(v) for v in vals], [1e-10, 1e-8, 1e-6], rtol=1e-15)
        self.assertEqual(vals[0], "1e-10")  # end points exactly as written

    def test_errors(self):
        for bad in ("problem.d_H", "=1,2", "problem.d_H=", "problem.d_H=1,,2",
                    "problem.d_H=1,1", "problem.d=0:10:3:log", "grid.cells=1:2:3:log:int",
                    "a..b=1"):
            with self.assertRaises(sw.SweepError, msg=bad) as cm:
                sw.parse_vary(bad)
            self.assertIn("--vary", str(cm.exception))

    def test_seeds_fractions(self):
        self.assertEqual(sw.parse_seeds("3:5"), [3, 4, 5])
        for bad in ("5:3", "a:b", "1"):
            self.assertRaises(sw.SweepError, sw.parse_seeds, bad)
        self.assertEqual(sw.parse_fractions("0.5,0.1"), [0.5, 0.1])
        for bad in ("0", "1", "0.5,0.5", "x"):
            self.assertRaises(sw.SweepError, sw.parse_fractions, bad)

    def test_coords_and_names(self):
        self.assertEqual(sw.coord_values(["2", "5"]).dtype, np.int64)
        self.assertEqual(sw.coord_values(["0.5", "1e3"]).dtype, np.float64)
        self.assertEqual(sw.coord_values(["minmod", "vanleer"]).dtype, object)
        self.assertEqual(sw.dim_names(["problem.d_H", "grid.cells"]), ["d_H", "cells"])
        self.assertEqual(sw.dim_names(["solver.method", "particles.method"]),
                         ["solver_method", "particles_method"])
        self.assertEqual(sw.dim_names(["time.end"]), ["end"])
        self.assertEqual(sw.dim_names(["particles.seed"]), ["particles_seed"])


class Plan(unittest.TestCase):
    def plan(self, varies, sets=(), zip_mode=False, seeds=()):
        return sw.make_plan(TINY, varies, list(sets), zip_mode, list(seeds), [], [0.5], "o.nc",
                            "symflow sweep …")

    def test_product(self):
        p = self.plan(["problem.d_H=2,3", "grid.cells=16,24,32"], ["time.end=1"])
        self.assertEqual([d["name"] for d in p["dims"]], ["d_H", "cells"])
        self.assertEqual(len(p["points"]), 6)
        self.assertEqual(p["points"][1], ["problem.d_H=2", "grid.cells=24"])
        self.assertEqual(p["points"][3], ["problem.d_H=3", "grid.cells=16"])
        self.assertEqual(p["command"], "solve")

    def test_zip_and_seeds(self):
        p = self.plan(["problem.d_H=2,3", "problem.d=10,20"], zip_mode=True, seeds=[7, 8])
        self.assertEqual([(d["name"], d["size"]) for d in p["dims"]], [("point", 2), ("seed", 2)])
        self.assertEqual(p["points"][3], ["problem.d_H=3", "problem.d=20", "particles.seed=8"])
        self.assertEqual(p["command"], "particles")

    def test_errors(self):
        self.assertRaises(sw.SweepError, self.plan, ["grid.cells=16,24"], ["grid.cells=8"])
        self.assertRaises(sw.SweepError, self.plan, ["problem.d_H=2,3", "problem.d=10"], (), True)
        self.assertRaises(sw.SweepError, self.plan, [])
        self.assertRaises(sw.SweepError, self.plan, ["problem.d_H=2", "problem.d_H=3"])

    def test_workdir_refuses_another_sweep(self):
        with tempfile.TemporaryDirectory() as tmp:
            wd = sw.WorkDir(os.path.join(tmp, "o.nc.d"))
            wd.create(self.plan(["problem.d_H=2,3"]))
            wd.create(self.plan(["problem.d_H=2,3"]))  # the same sweep: resume
            with self.assertRaises(sw.SweepError) as cm:
                wd.create(self.plan(["problem.d_H=2,4"]))
            self.assertIn("another sweep", str(cm.exception))


class Derived(unittest.TestCase):
    H = 0.01

    def test_escape_exponential(self):
        t = np.arange(0, 10 + self.H / 2, self.H)
        R = np.exp(-t)
        fr = [0.5, 0.1, 0.01, 1e-6]
        te = sw.escape_times(t, R, fr)
        for f, x in zip(fr[:3], te[:3]):
            self.assertLessEqual(abs(x - math.log(1 / f)), self.H ** 2 / 8 * math.exp(self.H))
        self.assertTrue(math.isnan(te[3]))  # e^{-10} > 1e-6: never
        # a crossing exactly at an output is that output
        self.assertEqual(sw.escape_times(np.array([0.0, 1.0]), np.array([1.0, 0.5]), [0.5])[0],
                         1.0)

    def test_fastest_descent(self):
        t = np.linspace(0, 4, 41)
        R = 1 / (1 + np.exp(4 * (t - 2)))  # steepest at t = 2
        tf, rate = sw.fastest_descent(t, {"risk": R})
        self.assertLessEqual(abs(tf - 2.0), 0.05)  # mid-point of the steepest interval
        self.assertGreater(rate, 0.9)              # max -R' = 1
        diss = -np.gradient(R, t)
        tf, rate = sw.fastest_descent(t, {"risk": R, "dissipation": diss})
        self.assertEqual(tf, t[int(np.argmax(diss))])
        self.assertEqual(rate, diss.max())


if __name__ == "__main__":
    unittest.main(verbosity=2)
