"""test_export — `symflow export FILE --vtk DIR` writes VTK files that VTK itself reads back
to the netCDF numbers (MATH.md §8; postproc/symflow_post/export.py).

For a synthetic form-T field file (synthetic.write_transport, the layout of
solver/run_transport.c), a synthetic form-L field file (non-uniform θ cells), and, when the
environment variable SYMFLOW names the binary, a form-T file solved by `symflow solve
cases/odd-linear.yaml` over a short span and exported through `symflow export`: each .vtr
loads in vtk.vtkXMLRectilinearGridReader with dimensions = the numbers of cell faces, its
coordinate arrays equal to the netCDF bounds (exactly: float64 written raw), its cell data
equal to the netCDF density at that output time (exactly), located through VTK's own
ComputeCellId; the .pvd (parsed as XML: vtkPVDReader is ParaView's) lists every .vtr with
its time. Those exact checks use --whole-box; the default export of form T is cropped to
the view window (all but export.VIEW_TAIL of the mass at the last output), checked against
a window computed here cell by cell. The solved file carries the viewer conventions:
time:axis = "T" (no standard_name: its units are "1"), a:axis X, u:axis Y, r:axis Z, and
`history` = "<UTC time>: symflow <version> [(git <rev>)] <the command line>". Bad inputs exit 2 with one line "symflow export: error: …" and leave nothing in
DIR; a failure in the middle of writing leaves nothing either.
Run: PYTHONPATH=postproc SYMFLOW=build/dev/app/symflow /usr/bin/python3 tests/python/test_export.py
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

import numpy as np
import vtk
from vtk.util.numpy_support import vtk_to_numpy

from symflow_post import export
from symflow_post import io as sfio
from symflow_post import synthetic

PYTHON = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ODD_LINEAR = os.path.join(ROOT, "cases", "odd-linear.yaml")
EPS = np.finfo(float).eps


def run_module(*args):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "postproc"))
    return subprocess.run([PYTHON, "-m", "symflow_post"] + list(args), capture_output=True,
                          text=True, env=env, timeout=300)


def symflow_exe():
    exe = os.environ.get("SYMFLOW", "")
    return exe if exe and os.path.isfile(exe) and os.access(exe, os.X_OK) else None


def read_vtr(path):
    """The vtkRectilinearGrid of a .vtr file, read by VTK (errors are failures)."""
    reader = vtk.vtkXMLRectilinearGridReader()
    reader.SetFileName(path)
    reader.Update()
    if reader.GetErrorCode() != 0:
        raise AssertionError("%s: VTK reader error code %d" % (path, reader.GetErrorCode()))
    return reader.GetOutput()


def read_pvd(path):
    """[(time, file path)] of a .pvd collection, parsed as XML."""
    root = ET.parse(path).getroot()
    if root.tag != "VTKFile" or root.get("type") != "Collection":
        raise AssertionError("%s: root %s type %s" % (path, root.tag, root.get("type")))
    coll = root.find("Collection")
    return [(float(ds.get("timestep")), os.path.join(os.path.dirname(path), ds.get("file")))
            for ds in coll.findall("DataSet")]


def check_export(tc, pvd, time, faces, cells):
    """The .pvd at `pvd` against the netCDF: times, and per time the grid's dimensions,
    coordinates `faces` (x, y, z) and cell arrays `cells` {name: (nt, n_x, n_y, n_z)}."""
    entries = read_pvd(pvd)
    tc.assertEqual(len(entries), time.size)
    np.testing.assert_array_equal([t for t, _ in entries], time)   # repr: exact round trip
    shape = tuple(f.size - 1 for f in faces)
    rng = np.random.default_rng(0)
    for i, (t, path) in enumerate(entries):
        g = read_vtr(path)
        tc.assertEqual(g.GetDimensions(), tuple(f.size for f in faces), path)
        tc.assertEqual(g.GetNumberOfCells(), int(np.prod(shape)), path)
        for got, want in zip((g.GetXCoordinates(), g.GetYCoordinates(), g.GetZCoordinates()),
                             faces):
            np.testing.assert_array_equal(vtk_to_numpy(got), want)
        tv = g.GetFieldData().GetArray("TimeValue")
        tc.assertIsNotNone(tv, path)
        tc.assertEqual(vtk_to_numpy(tv).tolist(), [t])
        for name, data in cells.items():
            arr = g.GetCellData().GetArray(name)
            tc.assertIsNotNone(arr, "%s: cell array %s missing" % (path, name))
            tc.assertEqual(arr.GetNumberOfTuples(), int(np.prod(shape)))
            got = vtk_to_numpy(arr)
            # every cell, in VTK's own indexing (x fastest) ...
            np.testing.assert_array_equal(got, data[i].transpose(2, 1, 0).ravel())
            # ... and a few cells located by VTK from their (i, j, k)
            for _ in range(5):
                ijk = [int(rng.integers(n)) for n in shape]
                tc.assertEqual(got[g.ComputeCellId(ijk)], data[i][tuple(ijk)], (path, ijk))


def transport_edges():
    """A small non-cubic (a, u, r) grid with non-uniform a faces (the export must not
    assume uniform spacing)."""
    a = np.linspace(-1.0, 1.0, 10)
    return {"a": 4.0 * np.sign(a) * np.abs(a) ** 1.5, "u": np.linspace(-3.0, 3.0, 8),
            "r": np.linspace(0.0, 5.5, 7)}


class TestSyntheticExport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="symflow_export_")
        cls.time_t = np.array([0.0, 0.1, 1.0 / 3.0, 2.5])
        cls.edges = transport_edges()
        cls.density = synthetic.gaussian_transport(cls.time_t, cls.edges)
        cls.ft = os.path.join(cls.tmp, "trans.nc")
        synthetic.write_transport(cls.ft, cls.time_t, cls.edges, cls.density)
        cls.time_l = np.array([0.0, 0.5, 5.0])
        cls.theta = 0.5 * np.pi * (np.arange(13) / 12.0) ** 1.5
        th = 0.5 * (cls.theta[1:] + cls.theta[:-1])
        cls.tp = (1 + cls.time_l[:, None]) * np.cos(th)[None, :] ** 2
        cls.tm = np.exp(-cls.time_l[:, None]) * np.sin(th)[None, :]
        cls.fl = os.path.join(cls.tmp, "lifted.nc")
        synthetic.write_field(cls.fl, cls.time_l, cls.theta, cls.tp, cls.tm)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_transport_reads_back(self):
        f = sfio.read_transport(self.ft)
        np.testing.assert_array_equal(f.density, self.density)
        for x in ("a", "u", "r"):
            np.testing.assert_array_equal(f.edges[x], self.edges[x])
        out = os.path.join(self.tmp, "vtk_t")
        p = run_module("export", self.ft, "--vtk", out, "--whole-box")
        self.assertEqual(p.returncode, 0, p.stderr)
        written = p.stdout.split()
        self.assertEqual(len(written), self.time_t.size + 1)
        self.assertTrue(written[-1].endswith("trans.pvd"))
        self.assertEqual(sorted(os.listdir(out)), sorted(os.path.basename(w) for w in written))
        check_export(self, os.path.join(out, "trans.pvd"), self.time_t,
                     [self.edges[x] for x in ("a", "u", "r")], {"density": self.density})

    def test_transport_default_crops(self):
        """Default export: the grid is the view window of the last output, the data the
        same cells of the netCDF density at every time."""
        out = os.path.join(self.tmp, "vtk_crop")
        p = run_module("export", self.ft, "--vtk", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        faces = [self.edges[x] for x in ("a", "u", "r")]
        win = brute_window(self.density[-1], faces, export.VIEW_TAIL)
        self.assertEqual(export.view_window(self.density[-1], faces), win)
        cut = [f[lo:hi + 1] for f, (lo, hi) in zip(faces, win)]
        sl = (slice(None),) + tuple(slice(lo, hi) for lo, hi in win)
        check_export(self, os.path.join(out, "trans.pvd"), self.time_t, cut,
                     {"density": self.density[sl]})

    def test_stored_window_is_used(self):
        """view_a/u/r attributes in the file (faces of its coordinates) set the crop."""
        planted = os.path.join(self.tmp, "planted.nc")
        e = self.edges
        attrs = {"view_a": [e["a"][1], e["a"][-2]], "view_u": [e["u"][0], e["u"][2]],
                 "view_r": [e["r"][1], e["r"][-1]]}
        synthetic.write_transport(planted, self.time_t, self.edges, self.density, attrs=attrs)
        out = os.path.join(self.tmp, "vtk_planted")
        paths = export.export_vtk(planted, out)
        na = e["a"].size - 1
        check_export(self, paths[-1], self.time_t, [e["a"][1:-1], e["u"][0:3], e["r"][1:]],
                     {"density": self.density[:, 1:na - 1, 0:2, 1:]})

    def test_view_window_drops_empty_cells(self):
        """A density living in a sub-box: the window is exactly that sub-box; a zero
        density keeps the whole box."""
        faces = [np.linspace(-36, 36, 25), np.linspace(0, 1, 5), np.linspace(0, 3, 7)]
        n = np.zeros((24, 4, 6))
        n[9:15, 1:3, 0:4] = 1.0
        self.assertEqual(export.view_window(n, faces), [(9, 15), (1, 3), (0, 4)])
        self.assertEqual(export.view_window(np.zeros_like(n), faces), [(0, 24), (0, 4), (0, 6)])
        n[0, 0, 5] = 1e-3      # more than the tail: kept
        self.assertEqual(export.view_window(n, faces), [(0, 15), (0, 3), (0, 6)])

    def test_lifted_is_a_bar(self):
        out = os.path.join(self.tmp, "vtk_l")
        paths = export.export_vtk(self.fl, out)
        self.assertEqual(os.path.basename(paths[-1]), "lifted.pvd")
        yz = np.array([0.0, export.SLAB_WIDTH_REL * (self.theta[-1] - self.theta[0])])
        check_export(self, paths[-1], self.time_l, [self.theta, yz, yz],
                     {"tau_plus": self.tp[:, :, None, None],
                      "tau_minus": self.tm[:, :, None, None]})

    def test_hemisphere_is_a_rectangle(self):
        # a form-L field on the d_H = 2 hemisphere, written by `symflow solve cases/xor.yaml`
        # when SYMFLOW names the binary (else skipped): x = theta faces, y = phi faces
        exe = os.environ.get("SYMFLOW")
        if not exe:
            self.skipTest("SYMFLOW not set")
        nc = os.path.join(self.tmp, "xor.nc")
        p = subprocess.run([exe, "solve", os.path.join(ROOT, "cases", "xor.yaml"), "--set",
                            "grid.cells=8", "--set", "time.end=1", "--set", "time.outputs=3",
                            "-o", nc, "--quiet"], capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = os.path.join(self.tmp, "vtk_h")
        p = subprocess.run([exe, "export", nc, "--vtk", out], capture_output=True, text=True,
                           timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        f = sfio.read_hemi(nc)
        self.assertEqual(f.tau_plus.shape, (3, 8, 32))
        z = np.array([0.0, export.SLAB_WIDTH_REL * (f.theta_edges[-1] - f.theta_edges[0])])
        check_export(self, os.path.join(out, "xor.pvd"), f.time,
                     [f.theta_edges, f.phi_edges, z],
                     {"tau_plus": f.tau_plus[:, :, :, None],
                      "tau_minus": f.tau_minus[:, :, :, None]})

    def test_rerun_replaces(self):
        """Exporting twice into one folder replaces the files and leaves no temporaries."""
        out = os.path.join(self.tmp, "vtk_twice")
        first = export.export_vtk(self.ft, out)
        second = export.export_vtk(self.ft, out)
        self.assertEqual(first, second)
        self.assertEqual(sorted(os.listdir(out)), sorted(os.path.basename(p) for p in first))

    def test_failure_midway_leaves_nothing(self):
        """A failure after some .vtr are complete: DIR holds no file, no temporary folder."""
        out = os.path.join(self.tmp, "vtk_fail")
        original, calls = export.vtr_text, []

        def failing(*args, **kw):
            calls.append(1)
            if len(calls) == 3:
                raise OSError(28, "No space left on device")
            return original(*args, **kw)
        export.vtr_text = failing
        try:
            with self.assertRaises(export.ExportError) as cm:
                export.export_vtk(self.ft, out)
        finally:
            export.vtr_text = original
        self.assertIn("No space left on device", str(cm.exception))
        self.assertEqual(os.listdir(out), [])

    def test_bad_inputs(self):
        absent = os.path.join(self.tmp, "absent.nc")
        text = os.path.join(self.tmp, "notes.nc")
        with open(text, "w") as fh:
            fh.write("not netCDF\n")
        parts = os.path.join(self.tmp, "parts.nc")
        rng = np.random.default_rng(1)
        synthetic.write_particles(parts, [0.0, 1.0], rng.standard_normal((2, 4)), [1.0, 0.5],
                                  b=rng.standard_normal((2, 4, 3)), basis=np.eye(3)[:1])
        odd = os.path.join(self.tmp, "ode.nc")
        synthetic.write_transport(odd, self.time_t, self.edges, self.density,
                                  attrs={"form": "ode"})
        nodens = os.path.join(self.tmp, "nodens.nc")
        synthetic.write_transport(nodens, self.time_t, self.edges, self.density,
                                  drop=("density",))
        out = os.path.join(self.tmp, "vtk_bad")
        cases = [
            ((absent, "--vtk", out), "no such file"),
            ((text, "--vtk", out), "not a readable netCDF"),
            ((parts, "--vtk", out), "expected a field file"),
            ((odd, "--vtk", out), "form = 'ode'"),
            ((nodens, "--vtk", out), "variable density: not found"),
            ((self.ft, "--vtk", os.path.join(text, "sub")), "output folder"),
            ((self.ft, "--vtk", text), "output folder"),
            ((self.ft,), "--vtk"),
            (("--vtk", out), "required"),
        ]
        for args, words in cases:
            p = run_module("export", *args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            lines = p.stderr.splitlines()
            self.assertEqual(len(lines), 1, (args, p.stderr))
            self.assertTrue(lines[0].startswith("symflow export: error: "), (args, lines[0]))
            self.assertIn(words, lines[0], args)
            self.assertEqual(p.stdout, "", args)
            self.assertFalse(os.path.exists(out), args)     # nothing written, not even DIR


def brute_window(density, faces, tail):
    """The view window cell by cell: per axis, the first and last cells such that the mass
    strictly outside on each side is ≤ tail/2 of the total."""
    vol = np.einsum("i,j,k->ijk", *[np.diff(f) for f in faces])
    mass = np.abs(density) * vol
    total = mass.sum()
    win = []
    for k in range(3):
        marg = mass.sum(axis=tuple(j for j in range(3) if j != k))
        lo = 0
        while lo < marg.size and marg[:lo + 1].sum() <= tail / 2 * total:
            lo += 1
        hi = marg.size
        while hi > 0 and marg[hi - 1:].sum() <= tail / 2 * total:
            hi -= 1
        win.append((lo, hi))
    return win


@unittest.skipUnless(symflow_exe() and os.path.isfile(ODD_LINEAR),
                     "no symflow binary (env SYMFLOW) or no cases/odd-linear.yaml")
class TestSolvedExport(unittest.TestCase):
    """`symflow solve cases/odd-linear.yaml` (t ≤ 0.5, three outputs), `symflow export`."""

    @classmethod
    def setUpClass(cls):
        cls.exe = symflow_exe()
        cls.tmp = tempfile.mkdtemp(prefix="symflow_export_solve_")
        cls.nc = os.path.join(cls.tmp, "ol.nc")
        p = subprocess.run([cls.exe, "solve", ODD_LINEAR, "-o", cls.nc, "--quiet",
                            "--set", "time.end=0.5", "--set", "time.outputs=[0,0.25,0.5]"],
                           capture_output=True, text=True, timeout=600, cwd=ROOT)
        if p.returncode != 0:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise AssertionError("symflow solve: exit %d: %s" % (p.returncode, p.stderr))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_export_command(self):
        out = os.path.join(self.tmp, "vtk")
        p = subprocess.run([self.exe, "export", self.nc, "--vtk", out, "--whole-box"],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        f = sfio.read_transport(self.nc)
        np.testing.assert_array_equal(f.time, [0.0, 0.25, 0.5])
        check_export(self, os.path.join(out, "ol.pvd"), f.time,
                     [f.edges[x] for x in ("a", "u", "r")], {"density": f.density})

    def test_export_crops_to_the_density(self):
        """Default: a window of whole cells inside the box holding all but VIEW_TAIL of the
        last output's mass."""
        out = os.path.join(self.tmp, "vtk_crop")
        p = subprocess.run([self.exe, "export", self.nc, "--vtk", out], capture_output=True,
                           text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        f = sfio.read_transport(self.nc)
        faces = [f.edges[x] for x in ("a", "u", "r")]
        win = brute_window(f.density[-1], faces, export.VIEW_TAIL)
        cut = [e[lo:hi + 1] for e, (lo, hi) in zip(faces, win)]
        sl = (slice(None),) + tuple(slice(lo, hi) for lo, hi in win)
        check_export(self, os.path.join(out, "ol.pvd"), f.time, cut, {"density": f.density[sl]})

    def test_viewer_conventions(self):
        """time:axis T (long_name, no standard_name: units "1"), a/u/r axis X/Y/Z, the
        command line in history."""
        import netCDF4
        with netCDF4.Dataset(self.nc) as ds:
            t = ds["time"]
            self.assertEqual(t.getncattr("axis"), "T")
            self.assertEqual(t.getncattr("units"), "1")
            self.assertIn("long_name", t.ncattrs())
            self.assertNotIn("standard_name", t.ncattrs())
            for x, ax in (("a", "X"), ("u", "Y"), ("r", "Z")):
                self.assertEqual(ds[x].getncattr("axis"), ax, x)
                self.assertNotIn("standard_name", ds[x].ncattrs(), x)
            for v in ("density", "density_a", "risk"):
                self.assertNotIn("axis", ds[v].ncattrs(), v)
            views = [np.asarray(ds.getncattr("view_" + x)) for x in ("a", "u", "r")]
            hist = ds.getncattr("history")
            version = ds.getncattr("symflow_version")
        f = sfio.read_transport(self.nc)
        faces = [f.edges[x] for x in ("a", "u", "r")]
        win = brute_window(f.density[-1], faces, export.VIEW_TAIL)
        for v, e, (lo, hi) in zip(views, faces, win):
            np.testing.assert_array_equal(v, [e[lo], e[hi]])
        self.assertLess(sum(hi - lo for lo, hi in win), sum(e.size - 1 for e in faces))
        m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ): symflow (\S+)"
                         r"( \(git [^)]+\))? (.*)", hist)
        self.assertIsNotNone(m, hist)
        self.assertEqual(m.group(2), version)
        self.assertEqual(m.group(4), "symflow solve %s -o %s --quiet --set time.end=0.5 "
                         "--set 'time.outputs=[0,0.25,0.5]'" % (ODD_LINEAR, self.nc))

    def test_synthetic_marginals_are_the_solvers(self):
        """synthetic.transport_marginals (what write_transport stores) against the solver's
        density_a/u/r of the same density: both sum n_u·n_r (or …) cell masses, so they agree
        to that many ulps of the largest cell mass."""
        f = sfio.read_transport(self.nc)
        ds = sfio.open_dataset(self.nc)
        mine = synthetic.transport_marginals(f.density, f.edges)
        n = f.density[0].size
        for x, m in zip(("a", "u", "r"), mine):
            ref = ds["density_" + x].values
            np.testing.assert_allclose(m, ref, rtol=0, atol=4 * n * EPS * np.abs(ref).max())

    def test_bad_input_through_binary(self):
        p = subprocess.run([self.exe, "export", os.path.join(self.tmp, "absent.nc"), "--vtk",
                            os.path.join(self.tmp, "none")], capture_output=True, text=True,
                           timeout=300)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
        self.assertTrue(p.stderr.startswith("symflow export: error: "), p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "none")))

    def test_help(self):
        p = subprocess.run([self.exe, "export", "--help"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0)
        self.assertIn("usage: symflow export FILE --vtk DIR", p.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=1)
