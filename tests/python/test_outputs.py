"""test_outputs — files written by symflow_post cannot be redirected or left partial (issue 14).

atomic.py on its own (a link at the target replaced and its victim untouched, a FIFO or a
directory refused, a failing writer leaving nothing), then `symflow plot` on a small field
file solved by the binary (env SYMFLOW) from cases/tiny.yaml: a planted link at a figure's
path, a FIFO at a figure's path, and a NaN in tau_plus; in every case no ".tmp." file is
left behind.
Run: PYTHONPATH=postproc SYMFLOW=build/dev/app/symflow /usr/bin/python3 tests/python/test_outputs.py
"""

import os
import shutil
import subprocess
import tempfile
import unittest

import netCDF4
import numpy as np

from symflow_post import atomic, plots

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TINY = os.path.join(ROOT, "cases", "tiny.yaml")
VICTIM_TEXT = "victim: must stay as it is\n"


def leftovers(folder):
    """Temporaries left in `folder`."""
    return [n for n in os.listdir(folder) if ".tmp." in n]


class TestAtomic(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="symflow-outputs-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_link_replaced_victim_untouched(self):
        victim = os.path.join(self.tmp, "victim.txt")
        with open(victim, "w") as fh:
            fh.write(VICTIM_TEXT)
        target = os.path.join(self.tmp, "out.txt")
        os.symlink(victim, target)
        atomic.write_text(target, "new\n")
        self.assertFalse(os.path.islink(target))
        with open(target) as fh:
            self.assertEqual(fh.read(), "new\n")
        with open(victim) as fh:
            self.assertEqual(fh.read(), VICTIM_TEXT)
        self.assertEqual(leftovers(self.tmp), [])

    def test_mode_follows_umask(self):
        # a written file is 0666 less the umask, like the C writer's (mkstemp alone: 0600)
        target = os.path.join(self.tmp, "mode.txt")
        old = os.umask(0o027)
        try:
            atomic.write_text(target, "x\n")
        finally:
            os.umask(old)
        self.assertEqual(os.stat(target).st_mode & 0o777, 0o640)

    def test_refused_kinds(self):
        fifo = os.path.join(self.tmp, "fifo")
        os.mkfifo(fifo)
        folder = os.path.join(self.tmp, "folder")
        os.mkdir(folder)
        for path, what in ((fifo, "a FIFO"), (folder, "a directory")):
            with self.assertRaises(atomic.OutputError) as cm:
                atomic.write_text(path, "x")
            self.assertIn(what, str(cm.exception))
            self.assertIn(path, str(cm.exception))
        self.assertTrue(os.path.exists(fifo) and not os.path.isfile(fifo))
        self.assertEqual(leftovers(self.tmp), [])

    def test_failing_writer_leaves_target(self):
        target = os.path.join(self.tmp, "keep.txt")
        with open(target, "w") as fh:
            fh.write("old\n")

        def fill(fh):
            fh.write(b"partial")
            raise RuntimeError("boom")
        with self.assertRaises(RuntimeError):
            atomic.write(target, fill)
        with open(target) as fh:
            self.assertEqual(fh.read(), "old\n")
        self.assertEqual(leftovers(self.tmp), [])

    def test_batch_all_or_none(self):
        a, b = os.path.join(self.tmp, "a.txt"), os.path.join(self.tmp, "b.txt")
        with self.assertRaises(RuntimeError):
            with atomic.batch():
                atomic.write_text(a, "a")
                self.assertFalse(os.path.exists(a))   # not before the batch ends
                raise RuntimeError("second figure failed")
        self.assertEqual(os.listdir(self.tmp), [])
        with atomic.batch():
            atomic.write_text(a, "a")
            atomic.write_text(b, "b")
        self.assertEqual(sorted(os.listdir(self.tmp)), ["a.txt", "b.txt"])


@unittest.skipUnless(os.access(os.environ.get("SYMFLOW", ""), os.X_OK)
                     and os.path.exists(TINY), "no symflow binary (env SYMFLOW) or no tiny.yaml")
class TestPlotCommand(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.exe = os.environ["SYMFLOW"]
        cls.tmp = tempfile.mkdtemp(prefix="symflow-outputs-")
        cls.nc = os.path.join(cls.tmp, "tiny.nc")
        p = subprocess.run([cls.exe, "solve", TINY, "--set", "time.end=0.2", "--set",
                            "time.outputs=3", "-o", cls.nc, "--quiet"],
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError("symflow solve: %s" % p.stderr)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def plot(self, nc, out):
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "postproc"))
        return subprocess.run([self.exe, "plot", nc, "-o", out], capture_output=True,
                              text=True, timeout=120, env=env)

    def test_planted_link_replaced(self):
        out = os.path.join(self.tmp, "link")
        os.mkdir(out)
        victim = os.path.join(self.tmp, "victim.txt")
        with open(victim, "w") as fh:
            fh.write(VICTIM_TEXT)
        os.symlink(victim, os.path.join(out, "masses.png"))
        p = self.plot(self.nc, out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(os.path.islink(os.path.join(out, "masses.png")))
        with open(os.path.join(out, "masses.png"), "rb") as fh:
            self.assertEqual(fh.read(8), b"\x89PNG\r\n\x1a\n")
        with open(victim) as fh:
            self.assertEqual(fh.read(), VICTIM_TEXT)
        self.assertEqual(sorted(os.listdir(out)), sorted(plots.FIGURE_NAMES))

    def test_fifo_refused(self):
        out = os.path.join(self.tmp, "fifo")
        os.mkdir(out)
        os.mkfifo(os.path.join(out, "snapshots.png"))
        p = self.plot(self.nc, out)
        self.assertEqual(p.returncode, 2)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertTrue(lines[0].startswith("symflow plot: error: "), lines[0])
        self.assertIn("FIFO", lines[0])
        self.assertEqual(os.listdir(out), ["snapshots.png"])   # no figure, no temporary

    def test_nan_writes_nothing(self):
        bad = os.path.join(self.tmp, "nan.nc")
        shutil.copyfile(self.nc, bad)
        with netCDF4.Dataset(bad, "a") as ds:
            v = ds.variables["tau_plus"]
            v[1, 3] = np.nan
        out = os.path.join(self.tmp, "nan")
        p = self.plot(bad, out)
        self.assertEqual(p.returncode, 2)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertTrue(lines[0].startswith("symflow plot: error: "), lines[0])
        for word in ("nan.nc", "tau_plus", "[1, 3]"):
            self.assertIn(word, lines[0])
        self.assertEqual(os.listdir(out), [])


if __name__ == "__main__":
    unittest.main()
