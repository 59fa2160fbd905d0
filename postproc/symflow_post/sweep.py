"""sweep — many runs of one case as one dataset (MATH §8, sweep file): plan, run, merge.

What it does:
  plan    `symflow sweep CASE --vary key=v1,v2,… [--vary key=lo:hi:n[:log][:int]]…
          [--set key=value]… [--zip] [--seeds a:b] -o OUT` plans the product (or, with
          --zip, the element-wise zip) of the values, each point one list of `--set`
          overrides of the case, and writes the plan into the work directory OUT.d/
          (plan.json, a copy of the case text as case.yaml).
  run     points run as separate `symflow solve` processes (`symflow particles` with
          --seed when seeds are swept), each writing OUT.d/points/pNNNNN.nc and, when it
          has ended, pNNNNN.json (status, exit code, message, wall seconds; written
          atomically). A point with a .json is finished and is never run again (resume);
          a point interrupted by SIGINT/SIGTERM leaves no .json and runs again. Engines:
          local (default; a thread pool of -j workers, default the usable cores, each
          waiting on one child process), slurm (an sbatch array script OUT.d/sweep.sbatch
          whose task K runs the K-th chunk of points by index, submitted with sbatch,
          plus a merge job depending on it), print (the job list, one command a line,
          for GNU parallel).
  merge   reads the finished points into ONE CF netCDF file OUT: one dimension per varied
          key (or `point` with --zip; then `seed` with --seeds) with coordinate variables
          holding the values, every time series of the runs indexed by those dimensions
          then time, the --fields chosen, derived quantities (escape times, time of the
          fastest descent, final masses and alignment, see `derive`), per-point status,
          exit_code, message and wall_seconds, and the base case text and sweep command
          as global attributes. A failed point is recorded (status 1, its message), not
          fatal. Written through atomic.write.
What it does not do: solve anything itself (the points run the `symflow` binary, found in
$SYMFLOW_EXE, which the command sets, else on PATH), check case keys (a point with a bad
key fails and says why), or schedule anything on SLURM beyond sbatch.

Files of the work directory OUT.d/: plan.json, case.yaml, sweep.log (one line per point
started, finished, interrupted), points/pNNNNN.{nc,json,log}, sweep.sbatch and
slurm-*.out (slurm engine).
"""

import argparse
import concurrent.futures
import json
import math
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np

from . import atomic

#: Exit status of bad input (as the rest of the package and `symflow`).
EXIT_USAGE = 2
#: Status codes of a point in the sweep file (variable `status`, CF flag_values).
STATUS_OK, STATUS_FAILED, STATUS_NOT_RUN = 0, 1, 2
#: Default fractions f of the escape times t_f: first t with R(t) ≤ f·R(0).
DEFAULT_ESCAPE = (0.5, 0.1, 0.01)
#: Series whose last value is stored as <name>_final.
FINAL_SERIES = ("risk", "mass_plus", "mass_minus", "mass", "alignment")
#: Version of plan.json's layout.
PLAN_VERSION = 1
#: Default bound on the number of SLURM array tasks when --chunk is not given.
DEFAULT_MAX_TASKS = 100
#: Names that a sweep dimension may not take (they are other variables of the file).
RESERVED = ("time", "seed", "point", "escape_fraction", "status", "exit_code", "message",
            "wall_seconds", "nv")


class SweepError(Exception):
    """Bad input or an unusable work directory: one line, exit EXIT_USAGE."""


# ----------------------------------------------------------------------------- planning

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(r"^(%s):(%s):(\d+)((?::(?:log|int))*)$" % (_NUM, _NUM))
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_INT = re.compile(r"^[-+]?\d+$")


def _number_text(v):
    """A float as the shortest text that reads back to it (YAML for --set)."""
    return repr(float(v)) if not float(v).is_integer() or abs(v) >= 1e16 else "%d" % int(v)


def parse_vary(text):
    """(key, [value texts], spacing) of one --vary: key=v1,v2,… or key=lo:hi:n[:log][:int].
    Raises SweepError naming the option and what was expected."""
    key, eq, rhs = text.partition("=")
    if not eq or not _KEY.match(key) or not rhs:
        raise SweepError("--vary %r: expected key=v1,v2,… or key=lo:hi:n[:log][:int] "
                         "(key as in --set, e.g. problem.d_H)" % text)
    m = _RANGE.match(rhs)
    if m:
        lo, hi, n = float(m.group(1)), float(m.group(2)), int(m.group(3))
        mods = [s for s in m.group(4).split(":") if s]
        log, as_int = "log" in mods, "int" in mods
        if n < 1 or n > 1000000:
            raise SweepError("--vary %r: n = %d: expected 1 … 1000000 values" % (text, n))
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise SweepError("--vary %r: lo and hi must be finite" % text)
        if log and (lo <= 0 or hi <= 0):
            raise SweepError("--vary %r: :log needs lo > 0 and hi > 0" % text)
        vals = np.geomspace(lo, hi, n) if log else np.linspace(lo, hi, n)
        if n >= 2:  # the end points exactly as written (geomspace/linspace round them)
            vals[0], vals[-1] = lo, hi
        integral_ends = _INT.match(m.group(1)) and _INT.match(m.group(2))
        if as_int or (integral_ends and not log and all(float(v).is_integer() for v in vals)):
            ints = [int(round(v)) for v in vals]
            if len(set(ints)) != len(ints):
                raise SweepError("--vary %r: rounded to integers the values repeat (%s): "
                                 "use fewer values" % (text, ",".join(map(str, ints))))
            return key, [str(i) for i in ints], "log" if log else "linear"
        return key, [_number_text(v) for v in vals], "log" if log else "linear"
    vals = rhs.split(",")
    if any(not v.strip() for v in vals):
        raise SweepError("--vary %r: an empty value in the list" % text)
    vals = [v.strip() for v in vals]
    if len(set(vals)) != len(vals):
        raise SweepError("--vary %r: a value is listed twice" % text)
    return key, vals, "list"


def parse_seeds(text):
    """[a, a+1, …, b] of --seeds a:b (integers ≥ 0, a ≤ b)."""
    m = re.match(r"^(\d+):(\d+)$", text or "")
    if not m or int(m.group(1)) > int(m.group(2)) or int(m.group(2)) - int(m.group(1)) >= 100000:
        raise SweepError("--seeds %r: expected a:b, integers 0 ≤ a ≤ b, at most 100000 seeds"
                         % text)
    return list(range(int(m.group(1)), int(m.group(2)) + 1))


def parse_fractions(text):
    """The --escape fractions: a comma list of numbers in (0, 1)."""
    try:
        fr = [float(s) for s in text.split(",")]
    except ValueError:
        fr = None
    if not fr or any(not (0.0 < f < 1.0) for f in fr) or len(set(fr)) != len(fr):
        raise SweepError("--escape %r: expected distinct fractions in (0, 1), e.g. 0.5,0.1"
                         % text)
    return fr


def coord_values(texts):
    """The coordinate values of a key: int64 when every text is an integer, float64 when
    every one is a number, else the texts (a string coordinate)."""
    if all(_INT.match(t) for t in texts):
        return np.array([int(t) for t in texts], dtype=np.int64)
    try:
        vals = np.array([float(t) for t in texts], dtype=np.float64)
        if np.all(np.isfinite(vals)):
            return vals
    except ValueError:
        pass
    return np.array(texts, dtype=object)


def dim_names(keys, taken=()):
    """A netCDF dimension name per key: its last component (problem.d_H → d_H) when that
    is unique and not reserved, else the key with '.' as '_'."""
    last = [k.split(".")[-1] for k in keys]
    names = []
    for k, s in zip(keys, last):
        name = s if last.count(s) == 1 and s not in RESERVED and s not in taken else \
            k.replace(".", "_")
        if name in RESERVED:
            name = "key_" + name
        names.append(name)
    return names


def make_plan(case_path, varies, sets, zip_mode, seeds, fields, escape, out, command):
    """The plan (a JSON-able dict) of a sweep: its axes and its points' --set lists."""
    if not os.path.isfile(case_path):
        raise SweepError("%s: no such case file" % case_path)
    try:
        with open(case_path, "rb") as fh:
            case_text = fh.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SweepError("%s: cannot read the case file (%s)" % (case_path, exc))
    if not varies and not seeds:
        raise SweepError("nothing to sweep: give at least one --vary key=… or --seeds a:b")
    axes = []
    for text in varies:
        key, vals, spacing = parse_vary(text)
        if any(a["key"] == key for a in axes):
            raise SweepError("--vary %s: the key is varied twice" % key)
        axes.append({"key": key, "values": vals, "spacing": spacing})
    set_keys = [s.partition("=")[0] for s in sets]
    for s in sets:
        if "=" not in s or not _KEY.match(s.partition("=")[0]):
            raise SweepError("--set %r: expected key=value" % s)
    for a in axes:
        if a["key"] in set_keys:
            raise SweepError("--vary %s: the key is also given by --set" % a["key"])
    if seeds and ("particles.seed" in set_keys or any(a["key"] == "particles.seed"
                                                      for a in axes)):
        raise SweepError("--seeds: particles.seed is also given by --set or --vary")
    names = dim_names([a["key"] for a in axes])
    for a, n in zip(axes, names):
        a["name"] = n
    if zip_mode:
        lens = {len(a["values"]) for a in axes}
        if len(lens) > 1:
            raise SweepError("--zip: every --vary needs the same number of values (got %s)"
                             % ", ".join("%s: %d" % (a["key"], len(a["values"])) for a in axes))
        dims = [{"name": "point", "size": lens.pop() if axes else 1}]
    else:
        dims = [{"name": a["name"], "size": len(a["values"])} for a in axes]
    if seeds:
        dims.append({"name": "seed", "size": len(seeds)})
    shape = [d["size"] for d in dims]
    n = int(np.prod(shape)) if shape else 1
    if n > 10000000:
        raise SweepError("%d points: at most 10000000" % n)
    points = []
    for flat in range(n):
        idx = np.unravel_index(flat, shape) if shape else ()
        over = []
        if zip_mode:
            over += ["%s=%s" % (a["key"], a["values"][int(idx[0])]) for a in axes]
        else:
            over += ["%s=%s" % (a["key"], a["values"][int(idx[j])]) for j, a in enumerate(axes)]
        if seeds:
            over.append("particles.seed=%d" % seeds[int(idx[-1])])
        points.append(over)
    return {"version": PLAN_VERSION, "case_file": os.path.abspath(case_path),
            "case_text": case_text, "command": "particles" if seeds else "solve",
            "sets": list(sets), "axes": axes, "zip": bool(zip_mode), "seeds": list(seeds),
            "dims": dims, "points": points, "fields": list(fields),
            "escape": list(escape), "output": os.path.abspath(out),
            "sweep_command": command}


# ------------------------------------------------------------------------ work directory

#: Plan entries that define the points' results: a work directory whose plan differs in
#: one of them is refused (the others — output path, command line, merge options — may
#: change between runs of the same sweep).
_PLAN_IDENTITY = ("version", "case_text", "command", "sets", "axes", "zip", "seeds", "points")


class WorkDir:
    """OUT.d/: the plan, the case copy, the points' files and the log."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.points = os.path.join(self.path, "points")

    def plan_path(self):
        return os.path.join(self.path, "plan.json")

    def case_path(self):
        return os.path.join(self.path, "case.yaml")

    def point_file(self, i, ext):
        return os.path.join(self.points, "p%05d.%s" % (i, ext))

    def load_plan(self):
        try:
            with open(self.plan_path(), encoding="utf-8") as fh:
                plan = json.load(fh)
        except FileNotFoundError:
            raise SweepError("%s: not a sweep work directory (no plan.json)" % self.path)
        except (OSError, ValueError) as exc:
            raise SweepError("%s: unreadable (%s)" % (self.plan_path(), exc))
        if plan.get("version") != PLAN_VERSION:
            raise SweepError("%s: plan version %r: expected %d"
                             % (self.plan_path(), plan.get("version"), PLAN_VERSION))
        return plan

    def create(self, plan):
        """Make the directory for `plan`, or check that the one there holds the same
        sweep (resume); returns the plan to use."""
        if os.path.exists(self.path) and not os.path.isdir(self.path):
            raise SweepError("work directory %s: exists and is not a directory" % self.path)
        if os.path.exists(self.plan_path()):
            old = self.load_plan()
            for k in _PLAN_IDENTITY:
                if old.get(k) != plan.get(k):
                    raise SweepError("work directory %s holds another sweep (its %s differs "
                                     "from this command's): remove it or choose another -o"
                                     % (self.path, k))
        try:
            os.makedirs(self.points, exist_ok=True)
        except OSError as exc:
            raise SweepError("work directory %s: %s" % (self.path, exc.strerror or exc))
        atomic.write_text(self.case_path(), plan["case_text"])
        atomic.write_text(self.plan_path(), json.dumps(plan, indent=1) + "\n")
        return plan

    def result(self, i):
        """The point's result dict, or None when it has not finished."""
        try:
            with open(self.point_file(i, "json"), encoding="utf-8") as fh:
                res = json.load(fh)
        except (OSError, ValueError):
            return None
        if res.get("status") == "ok" and not os.path.isfile(self.point_file(i, "nc")):
            return None  # its file was removed: run it again
        return res

    def log(self, text):
        line = "%s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), text)
        with open(os.path.join(self.path, "sweep.log"), "a", encoding="utf-8") as fh:
            fh.write(line)


# ------------------------------------------------------------------------------ running

def symflow_exe():
    """The `symflow` binary the points run: $SYMFLOW_EXE (set by the command), else PATH."""
    exe = os.environ.get("SYMFLOW_EXE") or shutil.which("symflow")
    if not exe or not os.access(exe, os.X_OK):
        raise SweepError("cannot find the symflow binary (set SYMFLOW_EXE or put symflow "
                         "on PATH)")
    return os.path.abspath(exe)


def point_argv(exe, wd, plan, i):
    """The command line of point i: symflow solve|particles CASE --set … -o pNNNNN.nc."""
    argv = [exe, plan["command"], wd.case_path()]
    for s in plan["sets"] + plan["points"][i]:
        argv += ["--set", s]
    return argv + ["-o", wd.point_file(i, "nc"), "--quiet"]


class Runner:
    """Runs points as child processes; SIGINT/SIGTERM (stop()) forwards the signal to the
    children and starts no new point."""

    def __init__(self, wd, plan, exe):
        self.wd, self.plan, self.exe = wd, plan, exe
        self.lock = threading.Lock()
        self.children = set()
        self.signal = 0

    def stop(self, sig):
        with self.lock:
            self.signal = sig
            for p in self.children:
                try:
                    p.send_signal(sig)
                except OSError:
                    pass

    def run_point(self, i):
        """Run point i unless finished; its result dict, or None if interrupted."""
        res = self.wd.result(i)
        if res is not None:
            return res
        env = dict(os.environ)
        for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):  # one core per point
            env.setdefault(v, "1")
        argv = point_argv(self.exe, self.wd, self.plan, i)
        t0 = time.monotonic()
        with open(self.wd.point_file(i, "log"), "wb") as logf:
            with self.lock:
                if self.signal:
                    return None
                self.wd.log("start %d: %s" % (i, " ".join(self.plan["points"][i])))
                proc = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, env=env,
                                        stdin=subprocess.DEVNULL)
                self.children.add(proc)
            rc = proc.wait()
            with self.lock:
                self.children.discard(proc)
        wall = time.monotonic() - t0
        if rc in (130, 143, -signal.SIGINT, -signal.SIGTERM, -signal.SIGKILL) and (
                self.signal or rc < 0):
            # interrupted: the point is not finished; its partial file goes
            try:
                os.unlink(self.wd.point_file(i, "nc"))
            except OSError:
                pass
            self.wd.log("interrupted %d (exit %d)" % (i, rc))
            return None
        try:
            with open(self.wd.point_file(i, "log"), "rb") as fh:
                lines = fh.read().decode("utf-8", "replace").strip().splitlines()
        except OSError:
            lines = []
        errs = [ln for ln in lines if "error" in ln]
        message = "" if rc == 0 else (errs[-1] if errs else (lines[-1] if lines else
                                                              "exit status %d" % rc))
        res = {"status": "ok" if rc == 0 else "failed", "exit_code": rc,
               "message": message, "wall_seconds": wall}
        atomic.write_text(self.wd.point_file(i, "json"), json.dumps(res) + "\n")
        self.wd.log("finished %d: %s (exit %d, %.3f s)" % (i, res["status"], rc, wall))
        return res


def _catching(runner):
    """Install SIGINT/SIGTERM handlers forwarding to the runner; returns the old ones."""
    old = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        old[sig] = signal.signal(sig, lambda s, f: runner.stop(s))
    return old


def run_local(wd, plan, indices, jobs):
    """Run the points `indices` with `jobs` workers; (n_finished, signal or 0)."""
    runner = Runner(wd, plan, symflow_exe())
    old = _catching(runner)
    done = 0
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futs = [pool.submit(runner.run_point, i) for i in indices]
            pending = set(futs)
            while pending:  # short waits: the main thread must run the signal handler
                finished, pending = concurrent.futures.wait(pending, timeout=0.2)
                done += sum(1 for f in finished if f.result() is not None)
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)
    return done, runner.signal


def usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# -------------------------------------------------------------------------------- merge

def escape_times(t, risk, fractions):
    """t_f per fraction f: the first time with R(t) ≤ f·R(0), linearly interpolated in t
    between the two outputs around the crossing; NaN when R never gets there."""
    out = np.full(len(fractions), np.nan)
    if len(t) == 0 or not np.isfinite(risk[0]):
        return out
    for j, f in enumerate(fractions):
        thr = f * risk[0]
        below = np.nonzero(risk <= thr)[0]
        if below.size == 0:
            continue
        i = int(below[0])
        if i == 0:
            out[j] = t[0]
        else:
            r0, r1 = risk[i - 1], risk[i]
            out[j] = t[i - 1] + (t[i] - t[i - 1]) * (r0 - thr) / (r0 - r1)
    return out


def fastest_descent(t, series):
    """(time, rate) of the fastest descent max −dR/dt over the outputs: from the series
    `dissipation` (= −dR/dt at each output) when present, else from finite differences of
    R between consecutive outputs (at the interval's mid-point). NaN when undefined."""
    if "dissipation" in series and np.any(np.isfinite(series["dissipation"])):
        d = series["dissipation"]
        i = int(np.nanargmax(d))
        return float(t[i]), float(d[i])
    r = series.get("risk")
    if r is None or len(t) < 2:
        return math.nan, math.nan
    rate = -np.diff(r) / np.diff(t)
    if not np.any(np.isfinite(rate)):
        return math.nan, math.nan
    i = int(np.nanargmax(rate))
    return float(0.5 * (t[i] + t[i + 1])), float(rate[i])


def _read_point(path, command, fields):
    """(time, {series: (nt,)}, {field: (coords, dims, (nt, …))}, attrs) of a point file."""
    from . import io as sfio
    ds = sfio.open_dataset(path)
    t = np.asarray(ds["time"].values, dtype=np.float64)
    series, fl = {}, {}
    if command == "particles":
        from . import analysis
        p = sfio.read_particles(path, ds)
        cloud = analysis.particle_cloud(p, "theta")
        series["risk"] = p.risk
        series["mass_plus"], series["mass_minus"] = analysis.particle_masses(cloud)
        series["alignment"] = analysis.particle_alignment(cloud)
    else:
        for name, v in ds.data_vars.items():
            if v.dims == ("time",) and np.issubdtype(v.dtype, np.number):
                series[name] = np.asarray(v.values, dtype=np.float64)
    for name in fields:
        if name not in ds.data_vars or ds[name].dims[:1] != ("time",):
            raise SweepError("%s: --fields %s: no variable %s on (time, …) in the point "
                             "files" % (path, name, name))
        v = ds[name]
        coords = {}
        for dname in v.dims[1:]:
            if dname in ds.variables:
                coords[dname] = np.asarray(ds[dname].values)
            b = dname + "_bnds"
            if b in ds.variables:
                coords[b] = np.asarray(ds[b].values)
        fl[name] = (coords, v.dims[1:], np.asarray(v.values, dtype=np.float64),
                    dict(v.attrs))
    attrs = dict(ds.attrs)
    return t, series, fl, attrs


def _series_attrs(path):
    """{series name: attrs} of a point file (units, long_name carried into the sweep)."""
    from . import io as sfio
    ds = sfio.open_dataset(path)
    return {n: {k: v for k, v in ds[n].attrs.items() if k in ("units", "long_name")}
            for n in ds.variables}


def merge(wd, out, escape=None, fields=None, command=None):
    """Merge the finished points of work directory wd into the sweep file `out` (atomic).
    Returns (n_ok, n_failed, n_not_run)."""
    import xarray as xr
    plan = wd.load_plan()
    escape = list(plan["escape"] if escape is None else escape)
    fields = list(plan["fields"] if fields is None else fields)
    dims = [d["name"] for d in plan["dims"]]
    shape = tuple(d["size"] for d in plan["dims"])
    n = len(plan["points"])
    status = np.full(n, STATUS_NOT_RUN, dtype=np.int8)
    exit_code = np.full(n, -1, dtype=np.int32)
    wall = np.full(n, np.nan)
    message = np.array(["not run"] * n, dtype=object)
    data, times, fdata, fmeta, first_attrs, var_attrs = {}, {}, {}, {}, None, {}
    for i in range(n):
        res = wd.result(i)
        if res is None:
            continue
        exit_code[i] = int(res.get("exit_code", -1))
        wall[i] = float(res.get("wall_seconds", math.nan))
        message[i] = str(res.get("message", ""))
        if res.get("status") != "ok":
            status[i] = STATUS_FAILED
            continue
        path = wd.point_file(i, "nc")
        try:
            t, series, fl, attrs = _read_point(path, plan["command"], fields)
        except SweepError:
            raise
        except Exception as exc:  # an unreadable point file is a failed point
            status[i] = STATUS_FAILED
            message[i] = "merge: %s: %s" % (os.path.basename(path), str(exc).splitlines()[0])
            continue
        status[i] = STATUS_OK
        times[i], data[i] = t, series
        if first_attrs is None:
            first_attrs = attrs
            if plan["command"] == "solve":
                var_attrs = _series_attrs(path)
        for name, (coords, fdims, values, fattrs) in fl.items():
            if name not in fmeta:
                fmeta[name] = (coords, fdims, fattrs)
            else:
                c0 = fmeta[name][0]
                if c0.keys() != coords.keys() or any(
                        not np.array_equal(c0[k], coords[k]) for k in c0):
                    raise SweepError("--fields %s: the points' grids differ (point %d): a field "
                                     "can be merged only when every point has the same grid"
                                     % (name, i))
            fdata.setdefault(name, {})[i] = values
    ok = [i for i in range(n) if status[i] == STATUS_OK]
    # time: one coordinate when every finished point has the same outputs, else a
    # variable time(dims…, time) padded with NaN
    nt = max((len(times[i]) for i in ok), default=0)
    common = bool(ok) and all(np.array_equal(times[i], times[ok[0]]) for i in ok)
    names = []
    for i in ok:
        for k in data[i]:
            if k not in names:
                names.append(k)
    coords = {}
    for a in plan["axes"]:
        vals = coord_values(a["values"])
        cdims = ("point",) if plan["zip"] else (a["name"],)
        attrs = {"long_name": "case key %s" % a["key"], "case_key": a["key"],
                 "units": "1", "spacing": a["spacing"]}
        if vals.dtype == object:
            del attrs["units"]
        coords[a["name"]] = (cdims, vals, attrs)
    if plan["zip"]:
        coords["point"] = (("point",), np.arange(shape[0], dtype=np.int32),
                           {"long_name": "index of the zipped values"})
    if plan["seeds"]:
        coords["seed"] = (("seed",), np.array(plan["seeds"], dtype=np.int64),
                          {"long_name": "random seed of the particle run (particles.seed)",
                           "case_key": "particles.seed"})
    dv = {}
    if common:
        coords["time"] = (("time",), times[ok[0]], {"long_name": "gradient-flow time",
                                                    "units": "1", "axis": "T"})
    else:
        tv = np.full((n, nt), np.nan)
        for i in ok:
            tv[i, :len(times[i])] = times[i]
        dv["time_of_output"] = (tuple(dims) + ("time",), tv.reshape(shape + (nt,)),
                                {"long_name": "gradient-flow time of each output (the "
                                 "points have different outputs)", "units": "1"})
    for name in names:
        arr = np.full((n, nt), np.nan)
        for i in ok:
            if name in data[i]:
                arr[i, :len(data[i][name])] = data[i][name]
        attrs = dict(var_attrs.get(name, {}))
        dv[name] = (tuple(dims) + ("time",), arr.reshape(shape + (nt,)), attrs)
    for name, per in fdata.items():
        fcoords, fdims, fattrs = fmeta[name]
        sample = next(iter(per.values()))
        arr = np.full((n, nt) + sample.shape[1:], np.nan)
        for i, v in per.items():
            arr[i, :v.shape[0]] = v
        dv[name] = (tuple(dims) + ("time",) + tuple(fdims), arr.reshape(shape + arr.shape[1:]),
                    {k: v for k, v in fattrs.items() if k in ("units", "long_name")})
        for k, v in fcoords.items():
            if k not in coords and k not in dv:
                if k.endswith("_bnds"):
                    dv[k] = ((k[:-5], "nv"), v, {})
                else:
                    coords[k] = ((k,), v, {"bounds": k + "_bnds"} if k + "_bnds" in fcoords
                                 else {})
    # derived quantities
    esc = np.full((n, len(escape)), np.nan)
    fd_t, fd_rate = np.full(n, np.nan), np.full(n, np.nan)
    finals = {k: np.full(n, np.nan) for k in FINAL_SERIES if k in names}
    for i in ok:
        s, t = data[i], times[i]
        if "risk" in s:
            esc[i] = escape_times(t, s["risk"], escape)
        fd_t[i], fd_rate[i] = fastest_descent(t, s)
        for k in finals:
            if k in s and len(s[k]):
                finals[k][i] = s[k][-1]
    if escape:
        coords["escape_fraction"] = (("escape_fraction",), np.array(escape, dtype=np.float64),
                                     {"long_name": "fraction f of R(0) in the escape time t_f",
                                      "units": "1"})
        dv["escape_time"] = (tuple(dims) + ("escape_fraction",),
                             esc.reshape(shape + (len(escape),)),
                             {"long_name": "first time with R(t) <= f R(0) (linear "
                              "interpolation between outputs; NaN if never)", "units": "1"})
    dv["fastest_descent_time"] = (tuple(dims), fd_t.reshape(shape),
                                  {"long_name": "output time of the largest -dR/dt "
                                   "(dissipation series, else finite differences)",
                                   "units": "1"})
    dv["fastest_descent_rate"] = (tuple(dims), fd_rate.reshape(shape),
                                  {"long_name": "largest -dR/dt over the outputs", "units": "1"})
    for k, v in finals.items():
        dv[k + "_final"] = (tuple(dims), v.reshape(shape),
                            {"long_name": "%s at the last output" % k, "units": "1"})
    dv["status"] = (tuple(dims), status.reshape(shape),
                    {"long_name": "status of the point", "flag_values": np.array(
                        [STATUS_OK, STATUS_FAILED, STATUS_NOT_RUN], dtype=np.int8),
                     "flag_meanings": "ok failed not_run"})
    dv["exit_code"] = (tuple(dims), exit_code.reshape(shape),
                       {"long_name": "exit status of the point's symflow process (-1: not run)"})
    dv["message"] = (tuple(dims), message.reshape(shape),
                     {"long_name": "error message of a failed point (empty when ok)"})
    dv["wall_seconds"] = (tuple(dims), wall.reshape(shape),
                          {"long_name": "wall-clock time of the point's process", "units": "s"})
    gattrs = {"Conventions": "CF-1.8", "symflow_kind": "sweep",
              "title": "symflow sweep of %s" % os.path.basename(plan["case_file"]),
              "case_file": plan["case_file"], "case_text": plan["case_text"],
              "sweep_command": command or plan["sweep_command"],
              "sweep_keys": " ".join(a["key"] for a in plan["axes"]),
              "sweep_mode": "zip" if plan["zip"] else "product",
              "sweep_sets": " ".join(plan["sets"]), "point_command": plan["command"],
              "points": n, "points_ok": len(ok),
              "points_failed": int(np.sum(status == STATUS_FAILED)),
              "points_not_run": int(np.sum(status == STATUS_NOT_RUN))}
    if first_attrs:
        for k in ("symflow_version", "form", "target", "input", "d", "d_H"):
            if k in first_attrs and not any(a["key"].split(".")[-1] == k for a in plan["axes"]):
                gattrs[k] = first_attrs[k]
    ds = xr.Dataset({k: xr.Variable(*v) for k, v in dv.items()},
                    coords={k: xr.Variable(*v) for k, v in coords.items()}, attrs=gattrs)
    enc = {}
    for k, v in ds.variables.items():
        if v.dtype.kind == "f":
            enc[k] = {"_FillValue": None}
        if k in names or k in fdata:
            enc[k] = {"zlib": True, "shuffle": True, "complevel": 4, "_FillValue": None}
        if v.dtype == object:
            enc[k] = {"dtype": str}
    tmp = os.path.join(wd.path, ".merge.tmp.nc")
    try:
        ds.to_netcdf(tmp, format="NETCDF4", engine="netcdf4", encoding=enc)

        def fill(fh):
            with open(tmp, "rb") as src:
                shutil.copyfileobj(src, fh)
        atomic.write(out, fill)
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    return len(ok), int(np.sum(status == STATUS_FAILED)), int(np.sum(status == STATUS_NOT_RUN))


# -------------------------------------------------------------------------------- slurm

def chunks(n, chunk):
    """[(first, last+1)] of the points in chunks of `chunk`."""
    return [(k, min(n, k + chunk)) for k in range(0, n, chunk)]


def slurm_script(wd, plan, exe, chunk, n_tasks, partition, time_limit, throttle):
    array = "0-%d" % (n_tasks - 1) + ("%%%d" % throttle if throttle else "")
    lines = ["#!/bin/bash",
             "# symflow sweep: task K runs points [K*%d, (K+1)*%d) of %s" % (chunk, chunk,
                                                                              wd.path),
             "#SBATCH --job-name=symflow-sweep",
             "#SBATCH --array=%s" % array,
             "#SBATCH --ntasks=1",
             "#SBATCH --cpus-per-task=1",
             "#SBATCH --output=%s" % os.path.join(wd.path, "slurm-%A_%a.out")]
    if partition:
        lines.append("#SBATCH --partition=%s" % partition)
    if time_limit:
        lines.append("#SBATCH --time=%s" % time_limit)
    lines += ["set -eu",
              "exec %s sweep run %s --task \"$SLURM_ARRAY_TASK_ID\" --chunk %d"
              % (shlex.quote(exe), shlex.quote(wd.path), chunk), ""]
    return "\n".join(lines)


def submit_slurm(wd, plan, out, args):
    exe = symflow_exe()
    sbatch = shutil.which("sbatch")
    if not sbatch:
        raise SweepError("--engine slurm: sbatch not found (the SLURM client commands are "
                         "needed; apt-get install slurm-client, or use --engine print)")
    n = len(plan["points"])
    chunk = args.chunk or max(1, -(-n // DEFAULT_MAX_TASKS))
    n_tasks = len(chunks(n, chunk))
    script = wd.path + "/sweep.sbatch"
    atomic.write_text(script, slurm_script(wd, plan, exe, chunk, n_tasks, args.partition,
                                           args.time, args.array_throttle))
    os.chmod(script, 0o755)

    def sb(argv):
        r = subprocess.run([sbatch, "--parsable"] + argv, capture_output=True, text=True)
        if r.returncode != 0:
            raise SweepError("sbatch failed (exit %d): %s" % (r.returncode,
                                                              " ".join(r.stderr.split())))
        return r.stdout.strip().split(";")[0]
    job = sb([script])
    extra = ["--partition=%s" % args.partition] if args.partition else []
    merge_job = sb(extra + ["--dependency=afterany:%s" % job, "--job-name=symflow-sweep-merge",
                            "--output=%s" % os.path.join(wd.path, "slurm-merge-%j.out"),
                            "--wrap", "%s sweep merge %s -o %s" % (
                                shlex.quote(exe), shlex.quote(wd.path), shlex.quote(out))])
    wd.log("submitted array job %s (%d tasks of %d points), merge job %s"
           % (job, n_tasks, chunk, merge_job))
    return job, merge_job, n_tasks, chunk


# ---------------------------------------------------------------------------------- CLI

class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise SweepError(" ".join(message.split()))


USAGE = """usage: symflow sweep CASE --vary key=v1,v2,... [--vary key=lo:hi:n[:log][:int]]...
                     [--set key=value]... [--zip] [--seeds a:b] [--fields f1,f2]
                     [--escape 0.5,0.1] [-j N] [--engine local|slurm|print]
                     [--partition P] [--time T] [--array-throttle N] [--chunk N] -o OUT
       symflow sweep merge DIR -o OUT
       symflow sweep run DIR (--point I | --task K --chunk N)

Run a case at many values of its keys and merge the runs into one netCDF file OUT.
  --vary key=v1,v2,...     the values of a case key (as --set reads them; no commas inside)
  --vary key=lo:hi:n[:log][:int]
                           n values from lo to hi, evenly or log-spaced; :int rounds to
                           integers (integer lo, hi without :log give integers already)
  --set key=value          a key fixed for every point
  --zip                    the i-th values of every --vary together (same lengths), one
                           dimension `point`, instead of their product
  --seeds a:b              run `symflow particles` at seeds a..b (a dimension `seed`)
  --fields f1,f2           fields of the runs to keep (e.g. tau_plus,tau_minus)
  --escape f1,f2           fractions of the escape times t_f (default 0.5,0.1,0.01)
  -j N                     points at once (local engine; default: the usable cores)
  --engine local|slurm|print
                           local: run here; slurm: submit an sbatch array (chunks of
                           --chunk points per task, --partition, --time, --array-throttle)
                           and a merge job after it; print: write the plan and print one
                           command per point (for GNU parallel), then run `sweep merge`
Exit status: 0 when at least one point succeeded (failed points are recorded in OUT), else
the first point's exit status; 2 bad input; 130/143 interrupted.
Work directory: OUT.d/ (plan, case copy, one file per point, sweep.log). Running the same
command again skips the finished points (resume); SIGINT/SIGTERM stop the running points
(they run again next time), exit 130/143.
  merge DIR -o OUT         merge the finished points of a work directory (a point not run
                           is status 2 "not_run")
  run DIR --point I        run one point (what the print engine's lines do)
  run DIR --task K --chunk N
                           run points K*N … K*N+N-1 (what a SLURM array task does)
"""


def _plan_parser():
    p = _Parser(prog="symflow sweep", add_help=False)
    p.add_argument("case")
    p.add_argument("--vary", action="append", default=[])
    p.add_argument("--set", action="append", default=[], dest="sets")
    p.add_argument("--zip", action="store_true")
    p.add_argument("--seeds", default=None)
    p.add_argument("--fields", default="")
    p.add_argument("--escape", default=None)
    p.add_argument("-j", "--jobs", type=int, default=None)
    p.add_argument("--engine", choices=("local", "slurm", "print"), default="local")
    p.add_argument("--partition", default=None)
    p.add_argument("--time", default=None)
    p.add_argument("--array-throttle", type=int, default=None)
    p.add_argument("--chunk", type=int, default=None)
    p.add_argument("-o", "--output", required=True)
    return p


def _command_text(argv):
    return "symflow sweep " + " ".join(shlex.quote(a) for a in argv)


def _interrupted(sig, done, total, wd):
    print("symflow sweep: interrupted by %s: %d of %d points finished in %s; run the same "
          "command again to continue" % (signal.Signals(sig).name, done, total, wd.path),
          file=sys.stderr)
    return 128 + sig


def _cmd_plan(argv):
    a = _plan_parser().parse_args(argv)
    if a.jobs is not None and a.jobs < 1:
        raise SweepError("-j %d: expected an integer ≥ 1" % a.jobs)
    for opt, v in (("--chunk", a.chunk), ("--array-throttle", a.array_throttle)):
        if v is not None and v < 1:
            raise SweepError("%s %d: expected an integer ≥ 1" % (opt, v))
    escape = parse_fractions(a.escape) if a.escape is not None else list(DEFAULT_ESCAPE)
    seeds = parse_seeds(a.seeds) if a.seeds is not None else []
    fields = [f for f in a.fields.split(",") if f]
    out = a.output
    if os.path.isdir(out):
        raise SweepError("-o %s: is a directory, expected a file name" % out)
    if os.path.exists(out) and os.path.exists(a.case) and os.path.samefile(out, a.case):
        raise SweepError("-o %s: is the case file" % out)
    atomic.check_target(out)
    plan = make_plan(a.case, a.vary, a.sets, a.zip, seeds, fields, escape, out,
                     _command_text(argv))
    wd = WorkDir(out + ".d")
    plan = wd.create(plan)
    n = len(plan["points"])
    if a.engine == "print":
        exe = symflow_exe()
        for i in range(n):
            if wd.result(i) is None:
                print("%s sweep run %s --point %d" % (shlex.quote(exe), shlex.quote(wd.path), i))
        print("# then: %s sweep merge %s -o %s" % (shlex.quote(exe), shlex.quote(wd.path),
                                                   shlex.quote(out)), file=sys.stderr)
        return 0
    if a.engine == "slurm":
        job, merge_job, n_tasks, chunk = submit_slurm(wd, plan, out, a)
        print("symflow sweep: %d points in %d array tasks of %d: job %s; merge job %s writes "
              "%s" % (n, n_tasks, chunk, job, merge_job, out))
        return 0
    jobs = a.jobs or usable_cores()
    t0 = time.monotonic()
    done, sig = run_local(wd, plan, range(n), jobs)
    if sig:
        return _interrupted(sig, sum(wd.result(i) is not None for i in range(n)), n, wd)
    n_ok, n_failed, n_not = merge(wd, out, command=plan["sweep_command"])
    print("symflow sweep: %d points (%d ok, %d failed) with %d workers in %.2f s; wrote %s"
          % (n, n_ok, n_failed, jobs, time.monotonic() - t0, out))
    if n_ok == 0 and n_failed:  # every point failed: most likely the sweep itself is wrong
        first = next(r for r in (wd.result(i) for i in range(n)) if r)
        print("symflow sweep: error: every point failed; the first: %s" % first["message"],
              file=sys.stderr)
        return int(first["exit_code"]) if 0 < int(first["exit_code"]) < 128 else 1
    return 0


def _cmd_merge(argv):
    p = _Parser(prog="symflow sweep merge", add_help=False)
    p.add_argument("dir")
    p.add_argument("-o", "--output", required=True)
    a = p.parse_args(argv)
    if os.path.isdir(a.output):
        raise SweepError("-o %s: is a directory, expected a file name" % a.output)
    wd = WorkDir(a.dir)
    n_ok, n_failed, n_not = merge(wd, a.output)
    print("symflow sweep merge: %d ok, %d failed, %d not run; wrote %s"
          % (n_ok, n_failed, n_not, a.output))
    return 0


def _cmd_run(argv):
    p = _Parser(prog="symflow sweep run", add_help=False)
    p.add_argument("dir")
    p.add_argument("--point", type=int, default=None)
    p.add_argument("--task", type=int, default=None)
    p.add_argument("--chunk", type=int, default=None)
    a = p.parse_args(argv)
    wd = WorkDir(a.dir)
    plan = wd.load_plan()
    n = len(plan["points"])
    if a.point is not None:
        if not 0 <= a.point < n:
            raise SweepError("--point %d: expected 0 … %d" % (a.point, n - 1))
        idx = [a.point]
    elif a.task is not None and a.chunk:
        first = a.task * a.chunk
        if a.task < 0 or a.chunk < 1 or first >= n:
            raise SweepError("--task %d --chunk %d: no such points (the sweep has %d)"
                             % (a.task, a.chunk, n))
        idx = list(range(first, min(n, first + a.chunk)))
    else:
        raise SweepError("expected --point I, or --task K with --chunk N")
    done, sig = run_local(wd, plan, idx, 1)
    if sig:
        return _interrupted(sig, done, len(idx), wd)
    return 0


def main(argv):
    """`symflow sweep …`; returns the exit status."""
    argv = list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        (sys.stdout if argv else sys.stderr).write(USAGE)
        return 0 if argv else EXIT_USAGE
    try:
        if argv[0] == "merge":
            return _cmd_merge(argv[1:])
        if argv[0] == "run":
            return _cmd_run(argv[1:])
        return _cmd_plan(argv)
    except (SweepError, atomic.OutputError) as exc:
        print("symflow sweep: error: %s" % " ".join(str(exc).split()), file=sys.stderr)
        return EXIT_USAGE
