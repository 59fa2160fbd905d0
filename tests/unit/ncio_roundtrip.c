/* ncio_roundtrip.c — the netCDF adapter (core/ncio.c, MATH.md §8).
 *
 * Field files: write (2 coordinates, 2 fields, 3 series, attributes, 3 times), commit, read
 * back exactly; the CF header as ncdump shows it (unlimited time, bounds, deflate/shuffle,
 * chunks); commit = 0 and a failed create leave nothing; sf_nc_info on good, missing,
 * garbage and truncated files. Particle files (schema particles-1): full and reduced round
 * trips, append errors, and each invalid file (written here with the netCDF C API) rejected
 * with a message naming the problem. Allocation failures at every site leave no file.
 * Values are compared exactly: netCDF stores doubles bit for bit.
 * Files go to a fresh directory under /tmp, removed at the end.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, popen, opendir */

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netcdf.h>

#include "check.h"
#include "symflow/ncio.h"
#include "symflow/version.h"
#include "symflow/status.h"

static char dir[] = "/tmp/sf_ncio_XXXXXX";

static void in_dir(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", dir, name); }

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}


/* ---- field file ---------------------------------------------------------------------------- */

enum { NT = 3, NTH = 4, NPH = 3 };

static double f1_value(int k, int i) { return k + 0.1 * i + 1.0 / 3.0; }
static double f2_value(int k, int i, int j) { return sin(1.0 + k + 7.0 * i + 13.0 * j); }
static double series_value(int k, int s) { return exp(-k) / (s + 3.0); }

static sf_status write_field_file(sf_ctx *ctx, const char *path, int commit)
{
    static const double th_c[NTH] = {0.125, 0.375, 0.625, 0.875};
    static const double th_e[NTH + 1] = {0, 0.25, 0.5, 0.75, 1};
    static const double ph_c[NPH] = {-1, 0, 1};
    static const double ph_e[NPH + 1] = {-1.5, -0.5, 0.5, 1.5};
    const sf_nc_coord coords[2] = {
        {"theta", "angle to H", "rad", NTH, th_c, th_e},
        {"phi", "angle in H", "rad", NPH, ph_c, ph_e},
    };
    const sf_nc_field fields[2] = {
        {"f1", "first field", "1", 1, {0}},
        {"f2", "second field", "1", 2, {0, 1}},
    };
    const sf_nc_series series[3] = {
        {"risk", "population risk", "1"}, {"mass", "total mass", "1"}, {"balance", "residual", "1"}};
    const sf_nc_attr attrs[4] = {
        {"symflow_kind", SF_NC_ATTR_TEXT, "field", 0, 0},
        {"form", SF_NC_ATTR_TEXT, "L", 0, 0},
        {"d", SF_NC_ATTR_INT, NULL, 0, 30},
        {"rtol", SF_NC_ATTR_DOUBLE, NULL, 1e-8, 0},
    };
    const sf_nc_layout layout = {"roundtrip test", coords, 2, fields, 2, series, 3, attrs, 4};
    sf_status status = SF_OK;
    sf_ncw *w = NULL;
    SF_TRY(ctx, sf_ncw_create(ctx, path, &layout, &w));
    for (int k = 0; k < NT; k++) {
        double f1[NTH], f2[NTH * NPH], s[3];
        for (int i = 0; i < NTH; i++) {
            f1[i] = f1_value(k, i);
            for (int j = 0; j < NPH; j++) f2[i * NPH + j] = f2_value(k, i, j);
        }
        for (int q = 0; q < 3; q++) s[q] = series_value(k, q);
        const double *const fp[2] = {f1, f2};
        SF_TRY(ctx, sf_ncw_append(ctx, w, 0.5 * k, fp, s));
    }
    const sf_nc_attr late = {"steps", SF_NC_ATTR_INT, NULL, 0, 1234};
    SF_TRY(ctx, sf_ncw_set_attr(ctx, w, &late));
cleanup:
    if (status == SF_OK)
        status = sf_ncw_close(ctx, &w, commit);
    else
        sf_ncw_close(ctx, &w, 0);
    return status;
}

static void test_field_file(sf_ctx *ctx)
{
    char path[256], cmd[512];
    in_dir(path, sizeof path, "field.nc");
    SF_EXPECT_OK(ctx, write_field_file(ctx, path, 1));
    SF_EXPECT(exists(path));
    SF_EXPECT(sf_test_count_tmp(dir) == 0);

    sf_nc_array a = {0};
    SF_EXPECT_OK(ctx, sf_nc_read_expect(ctx, path, "f2", "time, theta, phi", &a));
    SF_EXPECT(a.ndims == 3 && a.shape[0] == NT && a.shape[1] == NTH && a.shape[2] == NPH);
    SF_EXPECT(strcmp(a.dimnames[0], "time") == 0 && strcmp(a.dimnames[2], "phi") == 0);
    int exact = a.data != NULL;
    for (int k = 0; exact && k < NT; k++)
        for (int i = 0; i < NTH; i++)
            for (int j = 0; j < NPH; j++)
                exact &= a.data[(k * NTH + i) * NPH + j] == f2_value(k, i, j);
    SF_EXPECT(exact);
    sf_nc_array_free(&a);
    SF_EXPECT(a.data == NULL);

    SF_EXPECT_OK(ctx, sf_nc_read(ctx, path, "f1", &a));
    exact = a.data && a.ndims == 2;
    for (int k = 0; exact && k < NT; k++)
        for (int i = 0; i < NTH; i++) exact &= a.data[k * NTH + i] == f1_value(k, i);
    SF_EXPECT(exact);
    sf_nc_array_free(&a);

    static const char *const snames[3] = {"risk", "mass", "balance"};
    for (int q = 0; q < 3; q++) {
        SF_EXPECT_OK(ctx, sf_nc_read_expect(ctx, path, snames[q], "time", &a));
        exact = a.data && a.shape[0] == NT;
        for (int k = 0; exact && k < NT; k++) exact &= a.data[k] == series_value(k, q);
        SF_EXPECT(exact);
        sf_nc_array_free(&a);
    }
    SF_EXPECT_OK(ctx, sf_nc_read(ctx, path, "time", &a));
    SF_EXPECT(a.data && a.shape[0] == NT && a.data[0] == 0 && a.data[1] == 0.5 && a.data[2] == 1);
    sf_nc_array_free(&a);
    SF_EXPECT_OK(ctx, sf_nc_read_expect(ctx, path, "theta_bnds", "theta, nv", &a));
    SF_EXPECT(a.data && a.shape[0] == NTH && a.shape[1] == 2 && a.data[0] == 0 &&
              a.data[1] == 0.25 && a.data[7] == 1);
    sf_nc_array_free(&a);

    char *text = NULL;
    double v = 0;
    SF_EXPECT_OK(ctx, sf_nc_read_attr_text(ctx, path, "form", &text));
    SF_EXPECT(text && strcmp(text, "L") == 0);
    free(text);
    text = NULL;
    SF_EXPECT_OK(ctx, sf_nc_read_attr_text(ctx, path, "Conventions", &text));
    SF_EXPECT(text && strcmp(text, "CF-1.8") == 0);
    free(text);
    text = NULL;
    SF_EXPECT_OK(ctx, sf_nc_read_attr_double(ctx, path, "d", &v));
    SF_EXPECT(v == 30);
    SF_EXPECT_OK(ctx, sf_nc_read_attr_double(ctx, path, "rtol", &v));
    SF_EXPECT(v == 1e-8);
    SF_EXPECT_OK(ctx, sf_nc_read_attr_double(ctx, path, "steps", &v));
    SF_EXPECT(v == 1234);

    /* Reader errors name the file and the variable or attribute. */
    SF_EXPECT(sf_nc_read(ctx, path, "nope", &a) == SF_E_NETCDF);
    SF_EXPECT(sf_test_contains(sf_ctx_message(ctx), "field.nc: variable nope: not found"));
    SF_EXPECT(a.data == NULL);
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_nc_read_expect(ctx, path, "f1", "theta, time", &a) == SF_E_NETCDF);
    SF_EXPECT(sf_test_contains(sf_ctx_message(ctx),
                       "variable f1: dimensions (time, theta): expected (theta, time)"));
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_nc_read_attr_text(ctx, path, "d", &text) == SF_E_NETCDF);
    SF_EXPECT(sf_test_contains(sf_ctx_message(ctx), "attribute d: is numeric, expected text"));
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_nc_read_attr_double(ctx, path, "absent", &v) == SF_E_NETCDF);
    SF_EXPECT(sf_test_contains(sf_ctx_message(ctx), "attribute absent: not found"));
    sf_ctx_clear(ctx);

    /* The CF header as a netCDF tool sees it. */
    snprintf(cmd, sizeof cmd, "ncdump -hs '%s' 2>&1", path);
    FILE *p = popen(cmd, "r");
    SF_EXPECT(p != NULL);
    if (p) {
        static char head[16384];
        size_t n = fread(head, 1, sizeof head - 1, p);
        head[n] = '\0';
        SF_EXPECT(pclose(p) == 0);
        SF_EXPECT(sf_test_contains(head, "time = UNLIMITED"));
        SF_EXPECT(sf_test_contains(head, ":Conventions = \"CF-1.8\""));
        SF_EXPECT(sf_test_contains(head, ": symflow " SF_VERSION));
        SF_EXPECT(sf_test_contains(head, "time:axis = \"T\""));
        SF_EXPECT(sf_test_contains(head, "theta:axis = \"X\""));
        SF_EXPECT(sf_test_contains(head, "phi:axis = \"Y\""));
        SF_EXPECT(sf_test_contains(head, "time:units = \"1\""));
        SF_EXPECT(sf_test_contains(head, "time:long_name = \"gradient-flow time\""));
        SF_EXPECT(sf_test_contains(head, "theta:bounds = \"theta_bnds\""));
        SF_EXPECT(sf_test_contains(head, "phi:bounds = \"phi_bnds\""));
        SF_EXPECT(sf_test_contains(head, "double theta_bnds(theta, nv)"));
        SF_EXPECT(sf_test_contains(head, "theta:units = \"rad\""));
        SF_EXPECT(sf_test_contains(head, "double f2(time, theta, phi)"));
        SF_EXPECT(sf_test_contains(head, "f2:_DeflateLevel = 4"));
        SF_EXPECT(sf_test_contains(head, "f2:_Shuffle = \"true\""));
        SF_EXPECT(sf_test_contains(head, "f2:_ChunkSizes = 1, 4, 3"));
        SF_EXPECT(sf_test_contains(head, "f2:long_name = \"second field\""));
        SF_EXPECT(sf_test_contains(head, ":_Format = \"netCDF-4\""));
        SF_EXPECT(sf_test_contains(head, ":symflow_kind = \"field\""));
        SF_EXPECT(!strstr(head, "standard_name"));
    }

    /* sf_nc_info */
    SF_EXPECT_OK(ctx, sf_nc_info(ctx, path, &text));
    SF_EXPECT(sf_test_contains(text, "kind: field"));
    SF_EXPECT(sf_test_contains(text, "time = 3 (unlimited)"));
    SF_EXPECT(sf_test_contains(text, "f2(time, theta, phi): min"));
    SF_EXPECT(sf_test_contains(text, "form = \"L\""));
    SF_EXPECT(sf_test_contains(text, "d = 30"));
    SF_EXPECT(sf_test_contains(text, "times: 3, last risk"));
    free(text);
    text = NULL;

    char other[256];
    in_dir(other, sizeof other, "missing.nc");
    SF_EXPECT(sf_nc_info(ctx, other, &text) == SF_E_IO);
    SF_EXPECT(sf_test_contains(sf_ctx_message(ctx), "missing.nc: no such file"));
    SF_EXPECT(text == NULL);
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_nc_read(ctx, other, "risk", &a) == SF_E_IO);
    sf_ctx_clear(ctx);

    in_dir(other, sizeof other, "garbage.nc");
    FILE *g = fopen(other, "wb");
    unsigned long x = 12345;
    for (int i = 0; g && i < 4096; i++) {
        x = x * 6364136223846793005UL + 1442695040888963407UL; /* Knuth's MMIX LCG */
        fputc((int)(x >> 56), g);
    }
    if (g) fclose(g);
    SF_EXPECT(sf_nc_info(ctx, other, &text) == SF_E_NETCDF);
    SF_EXPECT(sf_test_contains(sf_ctx_message(ctx), "garbage.nc: cannot open as netCDF"));
    sf_ctx_clear(ctx);

    /* Truncated: the first half of a valid file. */
    in_dir(other, sizeof other, "truncated.nc");
    FILE *src = fopen(path, "rb"), *dst = fopen(other, "wb");
    if (src && dst) {
        fseek(src, 0, SEEK_END);
        long size = ftell(src);
        fseek(src, 0, SEEK_SET);
        for (long i = 0; i < size / 2; i++) fputc(fgetc(src), dst);
    }
    if (src) fclose(src);
    if (dst) fclose(dst);
    sf_status st = sf_nc_info(ctx, other, &text);
    SF_EXPECT(st == SF_E_NETCDF);
    SF_EXPECT(sf_test_contains(sf_ctx_message(ctx), "truncated.nc"));
    free(text);
    text = NULL;
    sf_ctx_clear(ctx);

    /* commit = 0 leaves nothing. */
    in_dir(other, sizeof other, "discarded.nc");
    SF_EXPECT_OK(ctx, write_field_file(ctx, other, 0));
    SF_EXPECT(!exists(other));
    SF_EXPECT(sf_test_count_tmp(dir) == 0);

    /* An unwritable place fails at create time, cleanly, with nothing left. */
    const sf_nc_layout empty = {"t", NULL, 0, NULL, 0, NULL, 0, NULL, 0};
    sf_ncw *w = NULL;
    SF_EXPECT(sf_ncw_create(ctx, "/nonexistent-sf-dir/out.nc", &empty, &w) == SF_E_IO);
    SF_EXPECT(sf_test_contains(sf_ctx_message(ctx),
                       "/nonexistent-sf-dir/out.nc: cannot create: No such file or directory"));
    SF_EXPECT(w == NULL);
    sf_ctx_clear(ctx);
    char ro[256];
    in_dir(ro, sizeof ro, "readonly");
    mkdir(ro, 0500);
    in_dir(other, sizeof other, "readonly/out.nc");
    if (geteuid() != 0) { /* root writes anywhere */
        SF_EXPECT(sf_ncw_create(ctx, other, &empty, &w) == SF_E_IO);
        SF_EXPECT(sf_test_contains(sf_ctx_message(ctx), "out.nc: cannot create: Permission denied"));
        sf_ctx_clear(ctx);
    }
    SF_EXPECT(!exists(other));
    rmdir(ro);
    SF_EXPECT(sf_ncw_close(ctx, &w, 1) == SF_OK); /* NULL writer */

    /* Fault injection: every allocation site fails once, nothing leaks or stays on disk. */
    in_dir(other, sizeof other, "faults.nc");
    int saw_ok = 0;
    for (long n = 1; n < 200 && !saw_ok; n++) {
        sf_ctx_fail_alloc_at(ctx, n);
        sf_status s1 = write_field_file(ctx, other, 1);
        sf_ctx_fail_alloc_at(ctx, 0);
        SF_EXPECT(s1 == SF_OK || s1 == SF_E_NOMEM);
        SF_EXPECT(sf_test_count_tmp(dir) == 0);
        saw_ok = s1 == SF_OK;
        if (!saw_ok) SF_EXPECT(!exists(other));
        sf_ctx_clear(ctx);
    }
    SF_EXPECT(saw_ok);
    remove(other);
}

/* ---- particle files ------------------------------------------------------------------------- */

enum { PM = 5, PD = 4, PDH = 2, PT = 3, RD = 1000 };

static double pa(int k, int i) { return (i % 2 ? -1.0 : 1.0) * (1.0 + 0.01 * k * i); }
static double pb(int k, int i, int j) { return cos(0.3 * k + i + 0.7 * j); }

static void test_particles(sf_ctx *ctx)
{
    char path[256];
    static const double basis[PDH * PD] = {0, 1, 0, 0, 1, 0, 0, 0};
    const sf_nc_attr extra = {"target", SF_NC_ATTR_TEXT, "norm", 0, 0};
    sf_particles_header h = {PM, PD, PDH, SF_NCP_FULL, basis, 0.01, 42, "euler-exact",
                             "problem:\n  d: 4\n", &extra, 1};
    sf_ncp *w = NULL;
    double a[PM], b[PM * PD], u[PM * PDH], r[PM];

    /* Full round trip. */
    in_dir(path, sizeof path, "particles.nc");
    SF_EXPECT_OK(ctx, sf_ncp_create(ctx, path, &h, &w));
    for (int k = 0; k < PT; k++) {
        for (int i = 0; i < PM; i++) {
            a[i] = pa(k, i);
            for (int j = 0; j < PD; j++) b[i * PD + j] = pb(k, i, j);
        }
        SF_EXPECT_OK(ctx, sf_ncp_append(ctx, w, 0.25 * k, a, b, NULL, NULL, 1.0 / (k + 1)));
    }
    SF_EXPECT(!exists(path) && sf_test_count_tmp(dir) == 1); /* only the temporary file so far */
    SF_EXPECT(sf_ncp_append(ctx, w, 0.5, a, b, NULL, NULL, 0.1) == SF_E_ARG); /* not after 0.5 */
    sf_ctx_clear(ctx);
    b[2 * PD + 1] = NAN;
    SF_EXPECT(sf_ncp_append(ctx, w, 1.0, a, b, NULL, NULL, 0.1) == SF_E_NUMERIC);
    SF_EXPECT(sf_test_contains(sf_ctx_message(ctx), "particles.nc: append at t = 1: b[2, 1] = nan"));
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_ncp_append(ctx, w, 1.0, a, NULL, u, r, 0.1) == SF_E_ARG);
    sf_ctx_clear(ctx);
    SF_EXPECT_OK(ctx, sf_ncp_close(ctx, &w, 1));
    SF_EXPECT(w == NULL && exists(path) && sf_test_count_tmp(dir) == 0);

    sf_particles p;
    SF_EXPECT_OK(ctx, sf_ncp_read(ctx, path, &p));
    SF_EXPECT(p.m == PM && p.d == PD && p.d_H == PDH && p.n_times == PT);
    SF_EXPECT(p.storage == SF_NCP_FULL && p.u == NULL && p.r == NULL);
    SF_EXPECT(p.eta == 0.01 && p.has_seed && p.seed == 42);
    SF_EXPECT(p.method && strcmp(p.method, "euler-exact") == 0);
    SF_EXPECT(p.case_text && strcmp(p.case_text, "problem:\n  d: 4\n") == 0);
    int exact = p.a && p.b && p.times && p.risk && p.basis;
    for (int k = 0; exact && k < PT; k++) {
        exact &= p.times[k] == 0.25 * k && p.risk[k] == 1.0 / (k + 1);
        for (int i = 0; i < PM; i++) {
            exact &= p.a[k * PM + i] == pa(k, i);
            for (int j = 0; j < PD; j++) exact &= p.b[(k * PM + i) * PD + j] == pb(k, i, j);
        }
    }
    for (int q = 0; exact && q < PDH * PD; q++) exact &= p.basis[q] == basis[q];
    SF_EXPECT(exact);
    sf_particles_free(&p);
    SF_EXPECT(p.a == NULL && p.method == NULL);
    char *text = NULL;
    SF_EXPECT_OK(ctx, sf_nc_info(ctx, path, &text));
    SF_EXPECT(sf_test_contains(text, "symflow_schema = \"particles-1\""));
    SF_EXPECT(sf_test_contains(text, "b(time, neuron, dim): min"));
    SF_EXPECT(sf_test_contains(text, "last risk 0.3333333333 at t = 0.5"));
    free(text);

    /* Reduced round trip, large d, default basis. */
    in_dir(path, sizeof path, "reduced.nc");
    h.d = RD;
    h.storage = SF_NCP_REDUCED;
    SF_EXPECT(sf_ncp_create(ctx, path, &h, &w) == SF_E_ARG); /* a basis makes no sense here */
    SF_EXPECT(sf_test_contains(sf_ctx_message(ctx), "expected basis = NULL"));
    sf_ctx_clear(ctx);
    h.basis = NULL;
    h.eta = NAN;
    h.case_text = NULL;
    SF_EXPECT_OK(ctx, sf_ncp_create(ctx, path, &h, &w));
    for (int k = 0; k < PT; k++) {
        for (int i = 0; i < PM; i++) {
            a[i] = pa(k, i);
            r[i] = 1.0 + pb(k, i, 9);
            for (int j = 0; j < PDH; j++) u[i * PDH + j] = pb(k, i, j);
        }
        SF_EXPECT_OK(ctx, sf_ncp_append(ctx, w, 1.0 + k, a, NULL, u, r, 2.0 - k));
    }
    SF_EXPECT_OK(ctx, sf_ncp_close(ctx, &w, 1));
    SF_EXPECT_OK(ctx, sf_ncp_read(ctx, path, &p));
    SF_EXPECT(p.storage == SF_NCP_REDUCED && p.b == NULL && p.basis == NULL && p.d == RD);
    SF_EXPECT(isnan(p.eta) && p.case_text == NULL);
    exact = p.a && p.u && p.r;
    for (int k = 0; exact && k < PT; k++) {
        exact &= p.times[k] == 1.0 + k && p.risk[k] == 2.0 - k;
        for (int i = 0; i < PM; i++) {
            exact &= p.a[k * PM + i] == pa(k, i) && p.r[k * PM + i] == 1.0 + pb(k, i, 9);
            for (int j = 0; j < PDH; j++) exact &= p.u[(k * PM + i) * PDH + j] == pb(k, i, j);
        }
    }
    SF_EXPECT(exact);
    sf_particles_free(&p);

    /* commit = 0 leaves nothing. */
    in_dir(path, sizeof path, "particles-discarded.nc");
    SF_EXPECT_OK(ctx, sf_ncp_create(ctx, path, &h, &w));
    SF_EXPECT_OK(ctx, sf_ncp_close(ctx, &w, 0));
    SF_EXPECT(!exists(path) && sf_test_count_tmp(dir) == 0);
    SF_EXPECT(sf_ncp_create(ctx, "/nonexistent-sf-dir/p.nc", &h, &w) == SF_E_IO);
    SF_EXPECT(w == NULL);
    sf_ctx_clear(ctx);
}

/* A particle file written directly with the netCDF C API (T = 2, m = 3, d = 2, d_H = 1),
 * valid except for one defect. */
typedef enum {
    BAD_NONE,
    BAD_MISSING_RISK,
    BAD_A_ORDER,
    BAD_NAN,
    BAD_SCHEMA,
    BAD_NO_SCHEMA,
    BAD_M,
    BAD_UNWRITTEN,
    BAD_TIME_ORDER,
    BAD_N
} sf_bad;

#define NC(call)                     \
    do {                             \
        if ((call) != NC_NOERR) {    \
            nc_close(ncid);          \
            return 1;                \
        }                            \
    } while (0)

static int write_bad(const char *path, sf_bad bad)
{
    enum { T = 2, M = 3, D = 2 };
    int ncid, dt, dn, dd, dh, vt, va, vb, vr, dims[3];
    double t[T] = {0, bad == BAD_TIME_ORDER ? 0 : 1}, risk[T] = {0.5, 0.25}, a[T * M], b[T * M * D];
    for (int i = 0; i < T * M; i++) a[i] = i;
    for (int i = 0; i < T * M * D; i++) b[i] = 0.5 * i;
    if (bad == BAD_NAN) a[1 * M + 2] = NAN;
    if (nc_create(path, NC_NETCDF4 | NC_CLOBBER, &ncid) != NC_NOERR) return 1;
    NC(nc_def_dim(ncid, "time", NC_UNLIMITED, &dt));
    NC(nc_def_dim(ncid, "neuron", M, &dn));
    NC(nc_def_dim(ncid, "dim", D, &dd));
    NC(nc_def_dim(ncid, "dH", 1, &dh));
    NC(nc_def_var(ncid, "time", NC_DOUBLE, 1, &dt, &vt));
    if (bad == BAD_A_ORDER) {
        dims[0] = dn;
        dims[1] = dt;
    } else {
        dims[0] = dt;
        dims[1] = dn;
    }
    NC(nc_def_var(ncid, "a", NC_DOUBLE, 2, dims, &va));
    dims[0] = dt;
    dims[1] = dn;
    dims[2] = dd;
    NC(nc_def_var(ncid, "b", NC_DOUBLE, 3, dims, &vb));
    if (bad != BAD_MISSING_RISK) NC(nc_def_var(ncid, "risk", NC_DOUBLE, 1, &dt, &vr));
    const char *schema = bad == BAD_SCHEMA ? "particles-0" : "particles-1";
    if (bad != BAD_NO_SCHEMA)
        NC(nc_put_att_text(ncid, NC_GLOBAL, "symflow_schema", strlen(schema), schema));
    int m = bad == BAD_M ? 4 : M, d = D, dH = 1;
    NC(nc_put_att_int(ncid, NC_GLOBAL, "m", NC_INT, 1, &m));
    NC(nc_put_att_int(ncid, NC_GLOBAL, "d", NC_INT, 1, &d));
    NC(nc_put_att_int(ncid, NC_GLOBAL, "d_H", NC_INT, 1, &dH));
    NC(nc_enddef(ncid));
    size_t start[3] = {0, 0, 0}, count_t = T, count_b[3] = {T, M, D};
    NC(nc_put_vara_double(ncid, vt, start, &count_t, t)); /* put_var would see time = 0 */
    size_t count[2] = {bad == BAD_UNWRITTEN ? 1 : T, M};
    if (bad == BAD_A_ORDER) {
        count[0] = M;
        count[1] = T;
    }
    NC(nc_put_vara_double(ncid, va, start, count, a));
    NC(nc_put_vara_double(ncid, vb, start, count_b, b));
    if (bad != BAD_MISSING_RISK) NC(nc_put_vara_double(ncid, vr, start, &count_t, risk));
    return nc_close(ncid) != NC_NOERR;
}

static void test_invalid_particles(sf_ctx *ctx)
{
    static const struct {
        sf_bad bad;
        sf_status code;
        const char *message;
    } cases[] = {
        {BAD_MISSING_RISK, SF_E_NETCDF, "bad.nc: variable risk: not found"},
        {BAD_A_ORDER, SF_E_NETCDF, "bad.nc: variable a: dimensions (neuron, time): expected (time, neuron)"},
        {BAD_NAN, SF_E_NUMERIC, "bad.nc: variable a: a[1, 2] = nan: expected finite values"},
        {BAD_SCHEMA, SF_E_NETCDF, "bad.nc: symflow_schema = 'particles-0': expected 'particles-1'"},
        {BAD_NO_SCHEMA, SF_E_NETCDF, "bad.nc: attribute symflow_schema: not found"},
        {BAD_M, SF_E_NETCDF, "bad.nc: dimension neuron = 3: expected m = 4"},
        {BAD_UNWRITTEN, SF_E_NUMERIC, "bad.nc: variable a: a[1, 0] holds the fill value"},
        {BAD_TIME_ORDER, SF_E_NETCDF, "bad.nc: variable time: time[1] = 0 after time[0] = 0"},
    };
    char path[256];
    sf_particles p;
    in_dir(path, sizeof path, "bad.nc");
    SF_EXPECT(write_bad(path, BAD_NONE) == 0);
    SF_EXPECT_OK(ctx, sf_ncp_read(ctx, path, &p)); /* the writer above is valid by itself */
    SF_EXPECT(p.basis && p.basis[0] == 1 && p.basis[1] == 0 && !p.has_seed && isnan(p.eta));
    sf_particles_free(&p);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        SF_EXPECT(write_bad(path, cases[c].bad) == 0);
        sf_status s = sf_ncp_read(ctx, path, &p);
        SF_EXPECT(s == cases[c].code);
        SF_EXPECT(sf_test_contains(sf_ctx_message(ctx), cases[c].message));
        SF_EXPECT(p.a == NULL && p.times == NULL);
        sf_ctx_clear(ctx);
    }
    /* A field file is not a particle file. */
    in_dir(path, sizeof path, "field.nc");
    SF_EXPECT(sf_ncp_read(ctx, path, &p) == SF_E_NETCDF);
    SF_EXPECT(sf_test_contains(sf_ctx_message(ctx), "field.nc: attribute symflow_schema: not found"));
    sf_ctx_clear(ctx);

    /* Fault injection in the reader. */
    in_dir(path, sizeof path, "particles.nc");
    int saw_ok = 0;
    for (long n = 1; n < 200 && !saw_ok; n++) {
        sf_ctx_fail_alloc_at(ctx, n);
        sf_status s = sf_ncp_read(ctx, path, &p);
        sf_ctx_fail_alloc_at(ctx, 0);
        SF_EXPECT(s == SF_OK || s == SF_E_NOMEM);
        saw_ok = s == SF_OK;
        sf_particles_free(&p);
        sf_ctx_clear(ctx);
    }
    SF_EXPECT(saw_ok);
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    if (!d) return;
    char p[512];
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        remove(p);
    }
    closedir(d);
    rmdir(dir);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK || !mkdtemp(dir)) return 1;
    test_field_file(ctx);
    test_particles(ctx);
    test_invalid_particles(ctx);
    remove_dir();
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
