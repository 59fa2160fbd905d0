"""test_plots_hemi — `symflow plot` on a form-L field of the d_H = 2 hemisphere (docs/math.md
§4.8): io.read_any reads tau_plus(time, theta, phi) into a HemiData, plots.plot_all draws
risk.png, masses.png and disk.png (the densities in the unit-disk chart).

Runs the symflow binary ($SYMFLOW, else build/dev/app/symflow) on cases/xor.yaml (8 θ-cells,
t ≤ 2, 3 outputs), then checks: the figures exist and are PNGs with a title; the arrays the
figures say they drew are the netCDF values (read here with netCDF4); the mass drawn in
each disk panel, Σ τ dθ dφ over the cells, is the file's mass_plus / mass_minus at that time
(to rounding: the same sum the solver reports, 1e-13 relative); and the 1-D reader still
refuses the file with a message naming the hemisphere.
Run: PYTHONPATH=postproc /usr/bin/python3 tests/python/test_plots_hemi.py
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
CASE = os.path.join(ROOT, "cases", "xor.yaml")


@unittest.skipUnless(os.access(SYMFLOW, os.X_OK), "no symflow binary")
class TestPlotsHemi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="symflow_plots_hemi_")
        cls.field = os.path.join(cls.tmp, "xor.nc")
        subprocess.run([SYMFLOW, "solve", CASE, "-o", cls.field, "--set", "grid.cells=8",
                        "--set", "time.end=2", "--set", "time.outputs=3", "--quiet"],
                       check=True, cwd=ROOT)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_read_and_plot(self):
        kind, f = sfio.read_any(self.field)
        self.assertEqual(kind, "field")
        self.assertIsInstance(f, sfio.HemiData)
        with netCDF4.Dataset(self.field) as ds:
            tp = np.asarray(ds["tau_plus"][:], dtype=float)
            mp = np.asarray(ds["mass_plus"][:], dtype=float)
            mm = np.asarray(ds["mass_minus"][:], dtype=float)
            risk = np.asarray(ds["risk"][:], dtype=float)
        np.testing.assert_array_equal(f.tau_plus, tp)
        self.assertEqual(f.tau_plus.shape, (3, 8, 32))
        out = os.path.join(self.tmp, "figs")
        os.mkdir(out)
        res = plots.plot_all(f, out)
        self.assertEqual(tuple(res), plots.figure_names(f))
        for name in plots.figure_names(f):
            width, height, text = read_png(os.path.join(out, name))
            self.assertGreater(width * height, 0, name)
            self.assertIn("Title", text, name)
        np.testing.assert_array_equal(res["risk.png"]["risk"], risk)
        np.testing.assert_array_equal(res["masses.png"]["mass_plus"], mp)
        for (name, k), drawn in res["disk.png"]["mass_drawn"].items():
            want = (mp if name == "tau_plus" else mm)[k]
            self.assertLessEqual(abs(drawn - want), 1e-13 * want, (name, k))

    def test_read_field_refuses(self):
        with self.assertRaises(sfio.SymflowInputError) as cm:
            sfio.read_field(self.field)
        self.assertIn("hemisphere", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
