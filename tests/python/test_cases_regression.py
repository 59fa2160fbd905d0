"""test_cases_regression — every case in cases/ solved through `symflow solve` against a stored
reference (issue 10, item 6).

The entries are listed in tests/regression/cases/manifest.json: a case file, a small fixed list
of `--set` overrides (fewer cells, outputs or a shorter span, so that each entry takes well
under a few seconds; paper-norm is run exactly as shipped), a tolerance and its origin. Each
entry's reference is tests/regression/cases/NAME.nc: the field file the binary wrote for the
same command, copied variable for variable (values bit for bit) with the command, the commit
and the tolerance added as attributes `regression_*` (made by `--make-refs`, through
tests/regression/cases/make_refs.sh).

Checks, per entry:
  * the run succeeds (exit 0) and writes a field file;
  * the attributes that define the run (form, target, input, start, method, spacing,
    reconstruction, limiter, d, d_H, k, rtol, atol) equal the reference's; risk_const and
    minimiser_mass agree to the tolerance (run statistics cvode_*, wall_seconds, case_text,
    case_file are not compared: they may change without the results changing);
  * the output times equal the reference's (to 1e-12), every coordinate and bounds variable
    agrees in L∞ relative to the tolerance;
  * every variable with a time dimension (densities, marginals, series) is present with the
    reference's shape, and its difference from the reference, in
        L¹:  Σ_t Σ_cells |a − b| · (cell volume from the coordinate bounds, else 1/n) / n_t
        L∞:  max |a − b|,
    relative to the same norm of the reference, is ≤ tol. The denominator is at least
    FLOOR = 1e-3 (in the field's units), so that fields that are roundoff-level or tails below
    the solver's atol in the reference (mass_balance_residual, tau_min, density_min, w of an
    even target, dissipation of a stationary case, conserved) are held to tol·FLOOR absolutely
    instead of to a relative precision they do not have;
  * `strict` checks (paper-norm): pointwise relative differences of named series at one time
    (`at_time`) or at every output, e.g. R(100), |tau+|, |tau-| to 1e-9 (issue 10).

Tolerances (manifest: rtol, tol_factor, tol, tol_origin, roundoff_sensitivity): reference and
re-run use identical case settings, so differences come only from changes to the code (order
of operations, hence CVODE's step sequence). With CVODE's local error control at rtol such a
change moves the solution by a multiple of rtol: tol = 100 · rtol for forms T and ode
(measured: ≤ 8 · rtol under roundoff-level perturbations of the run), 1000 · rtol for form L,
whose MUSCL peak of tau_plus moved by up to ~120 · rtol under the same perturbations
(tests/regression/cases/README.md). The paper-norm 1e-9 checks hold only if the CVODE step
sequence is kept (a roundoff-level change moved R(100) by ~6e-8).

Coverage, checked too: every cases/*.yaml has an entry (a new case without a reference fails),
every entry has its reference and every reference its entry; among the references are the
forms lifted, transport and ode, method bdf (BDF + SPGMR), limiter minmod, spacing refined and
input sphere.

Run: SYMFLOW=build/dev/app/symflow /usr/bin/python3 tests/python/test_cases_regression.py
     [-k NAME]           (one entry: the unittest filter)
Regenerate references (only after a deliberate change of results, and say why in the commit):
     SYMFLOW=build/dev/app/symflow /usr/bin/python3 tests/python/test_cases_regression.py \
         --make-refs [NAME...]
"""

import datetime
import glob
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import netCDF4
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REFDIR = os.path.join(ROOT, "tests", "regression", "cases")
MANIFEST = os.path.join(REFDIR, "manifest.json")

#: Seconds one run may take (each takes ~1 s in the dev build, ~3x that under ASan + UBSan);
#: a broken scheme can drive CVODE to tiny steps for a long time instead of failing.
TIMEOUT = float(os.environ.get("SF_REGRESSION_TIMEOUT", "120"))
#: Smallest denominator of a relative norm (see the module docstring).
FLOOR = 1e-3
#: Output times are requested, not computed: they agree to roundoff.
TIME_RTOL = 1e-12
#: Attributes that define the run: equal to the reference's.
SAME_ATTRS = ("symflow_kind", "form", "target", "input", "start", "method", "spacing",
              "reconstruction", "limiter", "d", "d_H", "k", "rtol", "atol")
#: Attributes that are results: within the tolerance.
NUMERIC_ATTRS = ("risk_const", "minimiser_mass")
#: What a reference must cover, as (attribute, value).
COVERAGE = (("form", "lifted"), ("form", "transport"), ("form", "ode"), ("form", "hyperbolic"),
            ("method", "bdf"),
            ("limiter", "minmod"), ("spacing", "refined"), ("input", "sphere"))


def load_manifest():
    with open(MANIFEST, encoding="utf-8") as f:
        return json.load(f)["entries"]


def symflow_exe():
    exe = os.environ.get("SYMFLOW", "")
    if not exe:
        exe = os.path.join(ROOT, "build", "dev", "app", "symflow")
    return exe if os.path.isfile(exe) and os.access(exe, os.X_OK) else None


def command(exe, entry, out):
    """The argument list of `symflow solve` for an entry (paths relative to the source root)."""
    args = [exe, "solve", entry["case"], "-o", out]
    for s in entry["set"]:
        args += ["--set", s]
    return args + ["--quiet"]


def run_entry(exe, entry, out):
    """The finished process; a run past TIMEOUT is killed and reported as exit code -9."""
    try:
        return subprocess.run(command(exe, entry, out), cwd=ROOT, capture_output=True,
                              text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(command(exe, entry, out), -9, "",
                                           "killed after %g s (SF_REGRESSION_TIMEOUT)" % TIMEOUT)


def time_vars(ds):
    """Names of the data variables whose first dimension is time (the coordinate excluded)."""
    return [n for n, v in ds.variables.items()
            if n != "time" and v.dimensions and v.dimensions[0] == "time"]


def static_vars(ds):
    """Coordinates and bounds: variables without a time dimension."""
    return [n for n, v in ds.variables.items() if "time" not in v.dimensions]


def cell_weights(ds, dims):
    """Cell volumes over the spatial dimensions `dims` (outer product of widths from the
    coordinate's bounds; 1/n for a dimension without bounds)."""
    w = np.ones(())
    for d in dims:
        n = len(ds.dimensions[d])
        wd = np.full(n, 1.0 / n)
        if d in ds.variables and "bounds" in ds.variables[d].ncattrs():
            b = np.asarray(ds.variables[ds.variables[d].getncattr("bounds")][:], dtype=float)
            wd = np.abs(b[:, 1] - b[:, 0])
        w = np.multiply.outer(w, wd)
    return w


def norms(x, w):
    """(L¹, L∞) of x (time first) with cell weights w, the L¹ averaged over the outputs."""
    ax = np.abs(x)
    l1 = float(np.sum(ax * w) / x.shape[0]) if x.size else 0.0
    linf = float(ax.max()) if x.size else 0.0
    return l1, linf


def compare_fields(ref_path, new_path, tol, strict=None):
    """List of failure messages ([] = agrees), and a list of (field, relL1, relLinf)."""
    fails, rows = [], []
    with netCDF4.Dataset(ref_path) as ref, netCDF4.Dataset(new_path) as new:
        for a in SAME_ATTRS:
            if a in ref.ncattrs():
                if a not in new.ncattrs():
                    fails.append("attribute %s missing" % a)
                    continue
                ra, na = ref.getncattr(a), new.getncattr(a)
                if isinstance(ra, str) or isinstance(na, str):
                    same = str(ra) == str(na)
                else:
                    same = np.array_equal(np.asarray(ra), np.asarray(na))
                if not same:
                    fails.append("attribute %s = %r, reference %r" % (a, na, ra))
        for a in NUMERIC_ATTRS:
            if a in ref.ncattrs():
                if a not in new.ncattrs():
                    fails.append("attribute %s missing" % a)
                    continue
                ra, na = float(ref.getncattr(a)), float(new.getncattr(a))
                if abs(na - ra) > tol * max(abs(ra), FLOOR):
                    fails.append("attribute %s = %.17g, reference %.17g" % (a, na, ra))
        for d, dim in ref.dimensions.items():
            if d not in new.dimensions or len(new.dimensions[d]) != len(dim):
                fails.append("dimension %s: %s, reference %d" % (
                    d, len(new.dimensions[d]) if d in new.dimensions else "missing", len(dim)))
        if fails:
            return fails, rows
        rt = np.asarray(ref.variables["time"][:], dtype=float)
        nt = np.asarray(new.variables["time"][:], dtype=float)
        if rt.shape != nt.shape or np.any(np.abs(nt - rt) > TIME_RTOL * np.maximum(1, np.abs(rt))):
            fails.append("output times %s, reference %s" % (nt, rt))
            return fails, rows
        for n in static_vars(ref):
            if n == "time":
                continue
            if n not in new.variables:
                fails.append("variable %s missing" % n)
                continue
            r = np.asarray(ref.variables[n][:], dtype=float)
            x = np.asarray(new.variables[n][:], dtype=float)
            if r.shape != x.shape:
                fails.append("%s: shape %s, reference %s" % (n, x.shape, r.shape))
                continue
            e = float(np.abs(x - r).max()) / max(float(np.abs(r).max()), FLOOR) if r.size else 0.0
            if not e <= tol:
                fails.append("%s (coordinate): rel Linf %.3g > tol %.3g" % (n, e, tol))
        for n in time_vars(ref):
            if n not in new.variables:
                fails.append("variable %s missing" % n)
                continue
            rv, xv = ref.variables[n], new.variables[n]
            if rv.dimensions != xv.dimensions:
                fails.append("%s: dimensions %s, reference %s" % (n, xv.dimensions, rv.dimensions))
                continue
            r = np.asarray(rv[:], dtype=float)
            x = np.asarray(xv[:], dtype=float)
            if r.shape != x.shape:
                fails.append("%s: shape %s, reference %s" % (n, x.shape, r.shape))
                continue
            if not np.all(np.isfinite(x)):
                fails.append("%s: not finite" % n)
                continue
            w = cell_weights(ref, rv.dimensions[1:])
            d1, dinf = norms(x - r, w)
            r1, rinf = norms(r, w)
            e1, einf = d1 / max(r1, FLOOR), dinf / max(rinf, FLOOR)
            rows.append((n, e1, einf))
            if not (e1 <= tol and einf <= tol):
                fails.append("%s: rel L1 %.3g, rel Linf %.3g > tol %.3g" % (n, e1, einf, tol))
        for n, s in (strict or {}).items():
            if not isinstance(s, dict):          # "note"
                continue
            r = np.asarray(ref.variables[n][:], dtype=float)
            x = np.asarray(new.variables[n][:], dtype=float)
            if "at_time" in s:
                i = int(np.argmin(np.abs(rt - s["at_time"])))
                if abs(rt[i] - s["at_time"]) > TIME_RTOL * max(1, abs(s["at_time"])):
                    fails.append("%s: no output at t = %g" % (n, s["at_time"]))
                    continue
                r, x = r[i:i + 1], x[i:i + 1]
            e = float(np.max(np.abs(x - r) / np.abs(r)))
            rows.append((n + ("(%g)" % s["at_time"] if "at_time" in s else "[pointwise]"), e, e))
            if not e <= s["rel"]:
                fails.append("%s%s: pointwise rel %.3g > %.3g" % (
                    n, "(t = %g)" % s["at_time"] if "at_time" in s else "", e, s["rel"]))
        extra = sorted(set(time_vars(new)) - set(time_vars(ref)))
        if extra:
            print("note: %s has fields not in the reference: %s" % (os.path.basename(ref_path),
                                                                      ", ".join(extra)))
    return fails, rows


class Coverage(unittest.TestCase):
    """Every case has an entry, every entry its reference, the required paths are covered."""

    def setUp(self):
        self.entries = load_manifest()

    def test_every_case_has_an_entry(self):
        cases = sorted(os.path.relpath(p, ROOT).replace(os.sep, "/")
                       for p in glob.glob(os.path.join(ROOT, "cases", "*.yaml")))
        self.assertTrue(cases)
        covered = {e["case"] for e in self.entries}
        missing = [c for c in cases if c not in covered]
        self.assertEqual(missing, [], "cases without a regression entry (add one to %s and run "
                         "make_refs.sh)" % os.path.relpath(MANIFEST, ROOT))

    def test_entries_and_references_match(self):
        names = [e["name"] for e in self.entries]
        self.assertEqual(len(names), len(set(names)), "duplicate entry names")
        refs = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(REFDIR, "*.nc")))
        self.assertEqual(sorted(n for n in names if n not in refs), [], "entries without reference")
        self.assertEqual(sorted(n for n in refs if n not in names), [], "references without entry")
        for e in self.entries:
            self.assertTrue(os.path.isfile(os.path.join(ROOT, e["case"])), e["case"])
            self.assertTrue(e.get("tol_origin"), e["name"])
            self.assertAlmostEqual(e["tol"] / (e["tol_factor"] * e["rtol"]), 1, 9, e["name"])

    def test_paths_are_covered(self):
        seen = set()
        for e in self.entries:
            p = os.path.join(REFDIR, e["name"] + ".nc")
            if not os.path.isfile(p):
                continue
            with netCDF4.Dataset(p) as ds:
                for a, v in COVERAGE:
                    if a in ds.ncattrs() and str(ds.getncattr(a)) == v:
                        seen.add((a, v))
        self.assertEqual([c for c in COVERAGE if c not in seen], [])

    def test_references_record_their_command(self):
        for e in self.entries:
            p = os.path.join(REFDIR, e["name"] + ".nc")
            if not os.path.isfile(p):
                continue
            with netCDF4.Dataset(p) as ds:
                self.assertEqual(float(ds.getncattr("rtol")), e["rtol"], e["name"])
                cmd = ds.getncattr("regression_command")
                self.assertEqual(cmd, shlex.join(command("symflow", e, e["name"] + ".nc")),
                                 "%s: the manifest's overrides changed since the reference "
                                 "was made: run make_refs.sh %s" % (e["name"], e["name"]))


class Regression(unittest.TestCase):
    """One test per manifest entry (added below)."""

    @classmethod
    def setUpClass(cls):
        cls.exe = symflow_exe()
        if cls.exe is None:
            raise unittest.SkipTest("SYMFLOW does not name the symflow binary")
        cls.tmp = tempfile.mkdtemp(prefix="sf-regr-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check_entry(self, entry):
        ref = os.path.join(REFDIR, entry["name"] + ".nc")
        self.assertTrue(os.path.isfile(ref), "no reference %s: run make_refs.sh" % ref)
        out = os.path.join(self.tmp, entry["name"] + ".nc")
        t0 = time.monotonic()
        p = run_entry(self.exe, entry, out)
        wall = time.monotonic() - t0
        self.assertEqual(p.returncode, 0, "%s: %s" % (shlex.join(command(self.exe, entry, out)),
                                                      p.stderr))
        fails, rows = compare_fields(ref, out, entry["tol"], entry.get("strict"))
        worst = max(rows, key=lambda r: max(r[1], r[2])) if rows else ("-", 0, 0)
        print("  %-24s %5.2f s  tol %.0e  worst %s L1 %.1e Linf %.1e" % (
            entry["name"], wall, entry["tol"], worst[0], worst[1], worst[2]))
        self.assertEqual(fails, [], entry["name"])


def _add_tests():
    try:
        entries = load_manifest()
    except (OSError, ValueError):
        return
    for e in entries:
        name = "test_" + e["name"].replace("-", "_")
        setattr(Regression, name, lambda self, e=e: self.check_entry(e))


_add_tests()


def git_describe():
    def git(*a):
        return subprocess.run(["git"] + list(a), cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
    head = git("rev-parse", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "core", "solver", "reduction", "app", "include")
    return head + (" (with uncommitted changes to the sources)" if dirty else "")


def make_refs(names):
    """Run the entries `names` (all when empty) and store their references."""
    exe = symflow_exe()
    if exe is None:
        sys.exit("SYMFLOW does not name the symflow binary")
    entries = load_manifest()
    if names:
        unknown = sorted(set(names) - {e["name"] for e in entries})
        if unknown:
            sys.exit("no such entries: %s" % ", ".join(unknown))
        entries = [e for e in entries if e["name"] in names]
    commit = git_describe()
    tmp = tempfile.mkdtemp(prefix="sf-mkref-")
    try:
        for e in entries:
            out = os.path.join(tmp, e["name"] + ".nc")
            t0 = time.monotonic()
            p = run_entry(exe, e, out)
            if p.returncode != 0:
                sys.exit("%s: exit %d: %s" % (e["name"], p.returncode, p.stderr))
            wall = time.monotonic() - t0
            with netCDF4.Dataset(out) as ds:
                rtol = float(ds.getncattr("rtol"))
                version = str(ds.getncattr("symflow_version"))
            if rtol != e["rtol"] or abs(e["tol"] - e["tol_factor"] * rtol) > 1e-9 * e["tol"]:
                sys.exit("%s: the run's rtol is %g: set rtol, tol = tol_factor x rtol in the "
                         "manifest" % (e["name"], rtol))
            dest = os.path.join(REFDIR, e["name"] + ".nc")
            copy_reference(out, dest + ".tmp", {
                "regression_entry": e["name"],
                "regression_command": shlex.join(command("symflow", e, e["name"] + ".nc")),
                "regression_produced_by": "symflow %s built from commit %s, copied by "
                                          "tests/python/test_cases_regression.py --make-refs"
                                          % (version, commit),
                "regression_date": datetime.datetime.now(datetime.timezone.utc)
                                   .strftime("%Y-%m-%dT%H:%M:%SZ"),
                "regression_tolerance": e["tol"],
                "regression_tolerance_origin": e["tol_origin"],
                "regression_note": "values bit for bit as written by symflow solve; the re-run "
                                   "uses identical settings, so differences come only from code "
                                   "changes; compared per field in L1 and Linf relative to this "
                                   "file (attributes cvode_*, wall_seconds, case_text are not "
                                   "compared)",
            })
            os.replace(dest + ".tmp", dest)
            print("%-24s %5.2f s  %7d bytes  %s" % (e["name"], wall, os.path.getsize(dest),
                                                    shlex.join(command("symflow", e, "REF"))))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def copy_reference(src, dest, extra):
    """Copy a field file variable for variable (values exact) into a compact netCDF-4 file
    (fixed-size time dimension, small variables contiguous, large ones deflated with shuffle
    in one chunk per output time), adding the global attributes `extra`."""
    with netCDF4.Dataset(src) as s, netCDF4.Dataset(dest, "w", format="NETCDF4") as d:
        for n, dim in s.dimensions.items():
            d.createDimension(n, len(dim))
        for n, v in s.variables.items():
            if v.size > 512:
                chunks = [1 if x == "time" else len(s.dimensions[x]) for x in v.dimensions]
                o = d.createVariable(n, v.dtype, v.dimensions, zlib=True, complevel=9,
                                     shuffle=True, chunksizes=chunks, fill_value=False)
            else:
                o = d.createVariable(n, v.dtype, v.dimensions, contiguous=True,
                                     fill_value=False)
            o.setncatts({a: v.getncattr(a) for a in v.ncattrs() if a != "_FillValue"})
            o[:] = v[:]
        atts = {a: s.getncattr(a) for a in s.ncattrs()}
        atts.update(extra)
        d.setncatts(atts)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--make-refs":
        make_refs(sys.argv[2:])
        sys.exit(0)
    t0 = time.monotonic()
    prog = unittest.main(verbosity=1, exit=False)
    r = prog.result
    failed = len(r.failures) + len(r.errors)
    print("%d passed, %d failed (%.1f s)" % (r.testsRun - failed - len(r.skipped), failed,
                                            time.monotonic() - t0))
    sys.exit(0 if r.wasSuccessful() else 1)
