"""slope_fit.py — the m^(-1/2) check shared by the particle-ladder CLI tests (compare_hemi.sh,
compare_formh.sh): reads lines "m seed compare.nc", takes per file W = the mean of the given
W1 variables at the last output and the gap sup_t |risk_gap|, and fits log(geometric mean over
seeds) against log m. A slope passes when |slope + 1/2| <= 3 standard errors, the error
propagated from the seed-to-seed spread of each m. Exit 0 when both slopes pass.

Usage: slope_fit.py ROWS --vars V1,V2,... --label LABEL [--positive]
(--positive: W and the gap must also be > 0, else the file is reported and the check fails)."""
import argparse
import math
import sys

import netCDF4

ap = argparse.ArgumentParser()
ap.add_argument("rows")
ap.add_argument("--vars", required=True)
ap.add_argument("--label", required=True)
ap.add_argument("--positive", action="store_true")
args = ap.parse_args()
names = args.vars.split(",")

by_m = {}
for m, s, f in (l.split() for l in open(args.rows)):
    with netCDF4.Dataset(f) as ds:
        w = [float(ds[v][-1]) for v in names]
        gap = max(abs(float(g)) for g in ds["risk_gap"][:])
    if not all(math.isfinite(x) and (x > 0 or not args.positive) for x in w + [gap]):
        print("non-finite%s W or gap in" % (" or zero" if args.positive else ""), f)
        sys.exit(1)
    by_m.setdefault(int(m), []).append((sum(w) / len(w), gap))


def fit(name, k):
    xs, ys, ses = [], [], []
    for m in sorted(by_m):
        v = [math.log(r[k]) for r in by_m[m]]
        n = len(v); mean = sum(v) / n
        sd = math.sqrt(sum((u - mean) ** 2 for u in v) / (n - 1))
        print("  %s, m = %5d: geometric mean %.4e (se of log %.3f)" % (name, m, math.exp(mean),
                                                                       sd / math.sqrt(n)))
        xs.append(math.log(m)); ys.append(mean); ses.append(sd / math.sqrt(n))
    xb = sum(xs) / len(xs); sxx = sum((x - xb) ** 2 for x in xs)
    slope = sum((x - xb) * y for x, y in zip(xs, ys)) / sxx
    se = math.sqrt(sum((x - xb) ** 2 * s ** 2 for x, s in zip(xs, ses))) / sxx
    ok = abs(slope + 0.5) <= 3 * se
    print("%s: slope %.3f, standard error %.3f (expected -0.5): %s" % (name, slope, se,
                                                                       "ok" if ok else "FAIL"))
    return ok


ok_w = fit(args.label, 0)
ok_g = fit("sup_t |R_m - R|", 1)
sys.exit(0 if ok_w and ok_g else 1)
