"""solve() and load(): field files as xarray Datasets."""
import os
import shutil
import tempfile

from ._lib import api_solve


def _override_text(key, value):
    if isinstance(value, bool):
        value = "true" if value else "false"
    return "%s=%s" % (key.replace("__", "."), value)


def load(path):
    """The netCDF file at `path` (field, particles-1 or compare file) as an xarray.Dataset,
    read fully into memory (times not decoded: `time` is gradient-flow time)."""
    import xarray as xr
    with xr.open_dataset(os.fspath(path), decode_times=False) as ds:
        return ds.load()


def solve(case, out=None, overrides=None, **kw):
    """Solve the case file `case` and return its field file as an xarray.Dataset.

    out: where to keep the field file; None writes a temporary file, loads it fully and
    deletes it. Overrides, as `symflow solve --set key=value`: a dict `overrides`
    {"grid.cells": 64} and/or keyword arguments with "__" for the dots (grid__cells=64);
    values are written with str() (bools as true/false) and read as YAML.
    Raises SymflowError(message, status) on failure (status = the command's exit code).
    """
    items = [_override_text(k, v) for k, v in (overrides or {}).items()]
    items += [_override_text(k, v) for k, v in kw.items()]
    case = os.fspath(case)
    if out is not None:
        api_solve(case, items, os.fspath(out))
        return load(out)
    folder = tempfile.mkdtemp(prefix="symflow-")
    try:
        path = os.path.join(folder, "field.nc")
        api_solve(case, items, path)
        return load(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
