/* compare_forms.c — unit tests of the comparers of postproc/compare.c for every form of field
 * file (issue 15 item 3): W₁ of a marginal against atoms at the cell centres, sf_compare_files
 * on small form-T ("transport") and ode field files written here against particle files with
 * the same risk (gap 0), the particle histograms and w, and an unknown form refused by name;
 * form H: neurons built at chosen (δ, η, φ) cell centres, W₁ per marginal = the tent sum.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "symflow/compare.h"
#include "symflow/ncio.h"

/* Round-off of sums of O(10) terms of size O(1). */
static const double ROUND = 1e-13;

static int contains(const char *s, const char *sub) { return s && strstr(s, sub) != NULL; }

/* ---- W₁ of cells against atoms at their centres --------------------------------------------- */

/* Atoms at the centres carrying the cell masses: inside cell i the CDF difference is a tent
 * of height p_i/2 and width w_i (two triangles), so W₁ = Σ p_i w_i / 4 ≤ max w_i / 4. */
static void test_w1_centres(void)
{
    enum { N = 7 };
    const double edges[N + 1] = {-1.0, -0.7, -0.2, 0.0, 0.05, 0.6, 1.5, 2.0};
    const double mass[N] = {0.3, 1.2, 0.0, 0.4, 2.0, 0.7, 0.1};
    double x[N], total = 0.0, want = 0.0, wmax = 0.0;
    for (int i = 0; i < N; i++) {
        x[i] = 0.5 * (edges[i] + edges[i + 1]);
        total += mass[i];
        wmax = fmax(wmax, edges[i + 1] - edges[i]);
    }
    for (int i = 0; i < N; i++) want += mass[i] / total * (edges[i + 1] - edges[i]) / 4.0;
    const double w1 = sf_w1_cells_vs_atoms(N, edges, mass, N, x, mass);
    SF_EXPECT_NEAR(w1, want, ROUND);
    SF_EXPECT_LE(w1, 0.5 * wmax);
}

/* ---- form T ------------------------------------------------------------------------------- */

enum { TM = 8, TD = 4, NA = 4, NU = 3, NR = 2, TNT = 3 };
/* Cells of the three axes, and the cell of each particle per axis (particles sit at centres). */
static const double ea[NA + 1] = {-2.0, -1.0, 0.0, 0.5, 2.0};
static const double eu[NU + 1] = {-1.5, -0.25, 0.25, 1.5};
static const double er[NR + 1] = {0.0, 1.0, 3.0};
static const int ca[TM] = {0, 1, 1, 2, 3, 3, 3, 0};
static const int cu[TM] = {0, 1, 2, 2, 1, 0, 2, 1};
static const int cr[TM] = {1, 1, 0, 0, 1, 0, 1, 1};

static double centre(const double *e, int c) { return 0.5 * (e[c] + e[c + 1]); }

static double t_risk(int k) { return 0.3 - 0.05 * k; }

/* Particles at the cell centres of (a, u, r), the same at every time; full storage puts
 * b_⊥ = r (0.6 e₂ + 0.8 e₄), reduced stores u and r. */
static sf_status write_t_particles(sf_ctx *ctx, const char *path, sf_ncp_storage storage)
{
    sf_status status = SF_OK;
    sf_ncp *w = NULL;
    double a[TM], b[TM * TD], u[TM], r[TM];
    const sf_particles_header h = {TM, TD, 1, storage, NULL, NAN, 3, "test", NULL, NULL, 0};
    SF_TRY(ctx, sf_ncp_create(ctx, path, &h, &w));
    for (int k = 0; k < TNT; k++) {
        for (int i = 0; i < TM; i++) {
            a[i] = centre(ea, ca[i]);
            u[i] = centre(eu, cu[i]);
            r[i] = centre(er, cr[i]);
            /* b_⊥ = r (0.6 e₂ + 0.8 e₄) */
            b[i * TD + 0] = u[i];
            b[i * TD + 1] = 0.6 * r[i];
            b[i * TD + 2] = 0.0;
            b[i * TD + 3] = 0.8 * r[i];
        }
        const int full = storage == SF_NCP_FULL;
        SF_TRY(ctx, sf_ncp_append(ctx, w, (double)k, a, full ? b : NULL, full ? NULL : u,
                                  full ? NULL : r, t_risk(k)));
    }
    SF_TRY(ctx, sf_ncp_close(ctx, &w, 1));
cleanup:
    sf_ncp_close(ctx, &w, 0);
    return status;
}

/* The form-T field whose marginals are the particles' histograms, risk as the particles'. */
static sf_status write_t_field(sf_ctx *ctx, const char *path, const char *form)
{
    sf_status status = SF_OK;
    sf_ncw *w = NULL;
    double ca_[NA], cu_[NU], cr_[NR], da[NA] = {0}, du[NU] = {0}, dr[NR] = {0}, wsum = 0.0;
    for (int c = 0; c < NA; c++) ca_[c] = centre(ea, c);
    for (int c = 0; c < NU; c++) cu_[c] = centre(eu, c);
    for (int c = 0; c < NR; c++) cr_[c] = centre(er, c);
    for (int i = 0; i < TM; i++) {
        da[ca[i]] += 1.0 / TM / (ea[ca[i] + 1] - ea[ca[i]]);
        du[cu[i]] += 1.0 / TM / (eu[cu[i] + 1] - eu[cu[i]]);
        dr[cr[i]] += 1.0 / TM / (er[cr[i] + 1] - er[cr[i]]);
        wsum += centre(ea, ca[i]) * centre(eu, cu[i]);
    }
    const sf_nc_coord co[3] = {{"a", "a", "1", NA, ca_, ea}, {"u", "u", "1", NU, cu_, eu},
                               {"r", "r", "1", NR, cr_, er}};
    const sf_nc_field fields[3] = {{"density_a", "n_a", "1", 1, {0}},
                                   {"density_u", "n_u", "1", 1, {1}},
                                   {"density_r", "n_r", "1", 1, {2}}};
    const sf_nc_series series[3] = {{"risk", "R", "1"}, {"mass", "mass", "1"}, {"w", "w", "1"}};
    const sf_nc_attr attrs[4] = {{"symflow_kind", SF_NC_ATTR_TEXT, "field", 0, 0},
                                 {"form", SF_NC_ATTR_TEXT, form, 0, 0},
                                 {"d", SF_NC_ATTR_INT, NULL, 0, TD},
                                 {"d_H", SF_NC_ATTR_INT, NULL, 0, 1}};
    const sf_nc_layout layout = {"test form T field", co, 3, fields, 3, series, 3, attrs, 4};
    SF_TRY(ctx, sf_ncw_create(ctx, path, &layout, &w));
    for (int k = 0; k < TNT; k++) {
        const double *f[3] = {da, du, dr};
        const double s[3] = {t_risk(k), 1.0, 0.5 * wsum / TM};
        SF_TRY(ctx, sf_ncw_append(ctx, w, (double)k, f, s));
    }
    SF_TRY(ctx, sf_ncw_close(ctx, &w, 1));
cleanup:
    sf_ncw_close(ctx, &w, 0);
    return status;
}

static void read_var(sf_ctx *ctx, const char *path, const char *var, const char *dims,
                     double *v, size_t n)
{
    sf_nc_array a = {0};
    SF_EXPECT_OK(ctx, sf_nc_read_expect(ctx, path, var, dims, &a));
    size_t total = 1;
    for (size_t i = 0; i < a.ndims; i++) total *= a.shape[i];
    SF_EXPECT(total == n);
    for (size_t i = 0; i < n && i < total; i++) v[i] = a.data[i];
    sf_nc_array_free(&a);
}

static void test_transport(sf_ctx *ctx, const char *dir)
{
    char field[512], part[512], red[512], out[512], bad[512];
    snprintf(field, sizeof field, "%s/t.nc", dir);
    snprintf(part, sizeof part, "%s/pt.nc", dir);
    snprintf(red, sizeof red, "%s/ptr.nc", dir);
    snprintf(out, sizeof out, "%s/ct.nc", dir);
    snprintf(bad, sizeof bad, "%s/t_sliced.nc", dir);
    SF_EXPECT_OK(ctx, write_t_field(ctx, field, "transport"));
    SF_EXPECT_OK(ctx, write_t_particles(ctx, part, SF_NCP_FULL));
    SF_EXPECT_OK(ctx, write_t_particles(ctx, red, SF_NCP_REDUCED));

    const double wmax[3] = {1.5, 1.25, 2.0}; /* widest cell per axis */
    const char *const names[3] = {"w1_a", "w1_u", "w1_r"};
    const char *const hf[3] = {"density_a_field", "density_u_field", "density_r_field"};
    const char *const hp[3] = {"density_a_particles", "density_u_particles",
                               "density_r_particles"};
    const size_t nc[3] = {NA, NU, NR};
    const char *const cdims[3] = {"time, a", "time, u", "time, r"};
    for (int pass = 0; pass < 2; pass++) {
        sf_compare_summary s;
        sf_ctx_clear(ctx);
        SF_EXPECT_OK(ctx, sf_compare_files(ctx, field, pass ? red : part, out, NULL, &s));
        SF_EXPECT(s.form && strcmp(s.form, "transport") == 0);
        SF_EXPECT(s.n_times == TNT);
        SF_EXPECT(s.sup_risk_gap == 0.0); /* identical risk series: gap exactly 0 */
        SF_EXPECT_LE(s.max_w_gap, ROUND);
        SF_EXPECT(isnan(s.max_w1_plus) && isnan(s.max_w1_minus));
        double gap[TNT], v[TNT];
        read_var(ctx, out, "risk_gap", "time", gap, TNT);
        for (int k = 0; k < TNT; k++) SF_EXPECT(gap[k] == 0.0);
        const double maxes[3] = {s.max_w1_a, s.max_w1_u, s.max_w1_r};
        for (int x = 0; x < 3; x++) {
            read_var(ctx, out, names[x], "time", v, TNT);
            for (int k = 0; k < TNT; k++) {
                SF_EXPECT(isfinite(v[k]) && v[k] > 0.0);
                SF_EXPECT_LE(v[k], 0.5 * wmax[x]);
            }
            SF_EXPECT(maxes[x] == v[0]); /* every time is the same state */
            double f[TNT * 4], p[TNT * 4];
            read_var(ctx, out, hf[x], cdims[x], f, TNT * nc[x]);
            read_var(ctx, out, hp[x], cdims[x], p, TNT * nc[x]);
            for (size_t i = 0; i < TNT * nc[x]; i++) SF_EXPECT_NEAR(p[i], f[i], ROUND);
        }
        printf("form T (%s): W1 a %.4g u %.4g r %.4g, w gap %.2g\n", pass ? "reduced" : "full",
               s.max_w1_a, s.max_w1_u, s.max_w1_r, s.max_w_gap);
    }

    /* An unknown form is refused, naming the attribute and its value. */
    SF_EXPECT_OK(ctx, write_t_field(ctx, bad, "sliced"));
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_compare_files(ctx, bad, part, NULL, NULL, NULL) == SF_E_UNSUPPORTED);
    SF_EXPECT(contains(sf_ctx_message(ctx), bad) &&
              contains(sf_ctx_message(ctx), "attribute form") &&
              contains(sf_ctx_message(ctx), "\"sliced\""));
    printf("unknown form: %s\n", sf_ctx_message(ctx));
    sf_ctx_clear(ctx);
}

/* ---- form ode ---------------------------------------------------------------------------- */

enum { OM = 6, OD = 5, OH = 2, ONT = 4 };

static double o_a(int k, int i) { return sin(1.0 + i + 0.3 * k); }
static double o_b(int k, int i, int j) { return cos(0.7 * i + 1.3 * j + 0.2 * k); }
static double o_risk(int k) { return 0.2 / (1.0 + k); }

static sf_status write_o_files(sf_ctx *ctx, const char *field, const char *part)
{
    sf_status status = SF_OK;
    sf_ncw *w = NULL;
    sf_ncp *pw = NULL;
    double a[OM], b[OM * OD], wv[OH], ws[OH] = {0.5, -0.25};
    const double idx[OH] = {1.0, 2.0}, edges[OH + 1] = {0.5, 1.5, 2.5};
    const sf_nc_coord co = {"component", "component", "1", OH, idx, edges};
    const sf_nc_field fields[2] = {{"w", "w", "1", 1, {0}}, {"w_star", "w*", "1", 1, {0}}};
    const sf_nc_series series[1] = {{"risk", "R", "1"}};
    const sf_nc_attr attrs[4] = {{"symflow_kind", SF_NC_ATTR_TEXT, "field", 0, 0},
                                 {"form", SF_NC_ATTR_TEXT, "ode", 0, 0},
                                 {"d", SF_NC_ATTR_INT, NULL, 0, OD},
                                 {"d_H", SF_NC_ATTR_INT, NULL, 0, OH}};
    const sf_nc_layout layout = {"test ode field", &co, 1, fields, 2, series, 1, attrs, 4};
    const sf_particles_header h = {OM, OD, OH, SF_NCP_FULL, NULL, NAN, 3, "test", NULL, NULL, 0};
    SF_TRY(ctx, sf_ncw_create(ctx, field, &layout, &w));
    SF_TRY(ctx, sf_ncp_create(ctx, part, &h, &pw));
    for (int k = 0; k < ONT; k++) {
        wv[0] = wv[1] = 0.0;
        for (int i = 0; i < OM; i++) {
            a[i] = o_a(k, i);
            for (int j = 0; j < OD; j++) b[i * OD + j] = o_b(k, i, j);
            for (int c = 0; c < OH; c++) wv[c] += 0.5 / OM * a[i] * b[i * OD + c];
        }
        const double *f[2] = {wv, ws};
        const double s[1] = {o_risk(k)};
        SF_TRY(ctx, sf_ncw_append(ctx, w, 0.5 * k, f, s));
        SF_TRY(ctx, sf_ncp_append(ctx, pw, 0.5 * k, a, b, NULL, NULL, o_risk(k)));
    }
    SF_TRY(ctx, sf_ncw_close(ctx, &w, 1));
    SF_TRY(ctx, sf_ncp_close(ctx, &pw, 1));
cleanup:
    sf_ncw_close(ctx, &w, 0);
    sf_ncp_close(ctx, &pw, 0);
    return status;
}

static void test_ode(sf_ctx *ctx, const char *dir)
{
    char field[512], part[512], out[512];
    snprintf(field, sizeof field, "%s/o.nc", dir);
    snprintf(part, sizeof part, "%s/po.nc", dir);
    snprintf(out, sizeof out, "%s/co.nc", dir);
    SF_EXPECT_OK(ctx, write_o_files(ctx, field, part));
    sf_compare_summary s;
    sf_ctx_clear(ctx);
    SF_EXPECT_OK(ctx, sf_compare_files(ctx, field, part, out, NULL, &s));
    SF_EXPECT(s.form && strcmp(s.form, "ode") == 0);
    SF_EXPECT(s.n_times == ONT);
    SF_EXPECT(s.sup_risk_gap == 0.0);
    SF_EXPECT_LE(s.max_w_gap, ROUND);
    double gap[ONT], ef[ONT], ep[ONT], wf[ONT * OH], wp[ONT * OH];
    read_var(ctx, out, "risk_gap", "time", gap, ONT);
    read_var(ctx, out, "w_error_field", "time", ef, ONT);
    read_var(ctx, out, "w_error_particles", "time", ep, ONT);
    read_var(ctx, out, "w_field", "time, component", wf, ONT * OH);
    read_var(ctx, out, "w_particles", "time, component", wp, ONT * OH);
    for (int k = 0; k < ONT; k++) {
        SF_EXPECT(gap[k] == 0.0);
        SF_EXPECT_NEAR(ef[k], hypot(wf[2 * k] - 0.5, wf[2 * k + 1] + 0.25), ROUND);
        SF_EXPECT_NEAR(ep[k], ef[k], ROUND);
        for (int c = 0; c < OH; c++) SF_EXPECT_NEAR(wp[2 * k + c], wf[2 * k + c], ROUND);
    }
    printf("form ode: w gap %.2g, |w - w*| at the end %.4g\n", s.max_w_gap, ef[ONT - 1]);
}

/* Every allocation failure of the form-T and ode comparers is SF_E_NOMEM, leaks nothing
 * (under ASan) and leaves no output; the loop ends at the first run without a failure. */
static void test_alloc_failures(sf_ctx *ctx, const char *dir)
{
    const char *const fields[2] = {"t.nc", "o.nc"}, *const parts[2] = {"pt.nc", "po.nc"};
    for (int f = 0; f < 2; f++) {
        char field[512], part[512], out[512];
        snprintf(field, sizeof field, "%s/%s", dir, fields[f]);
        snprintf(part, sizeof part, "%s/%s", dir, parts[f]);
        snprintf(out, sizeof out, "%s/alloc.nc", dir);
        long n = 1, n_max = 1000;
        for (; n < n_max; n++) {
            sf_ctx_fail_alloc_at(ctx, n);
            sf_status st = sf_compare_files(ctx, field, part, out, NULL, NULL);
            sf_ctx_fail_alloc_at(ctx, 0);
            sf_ctx_clear(ctx);
            if (st == SF_OK) break;
            SF_EXPECT(st == SF_E_NOMEM);
            SF_EXPECT(access(out, F_OK) != 0);
        }
        SF_EXPECT(n > 1 && n < n_max);
        printf("%s: allocation failures injected: %ld\n", fields[f], n - 1);
        remove(out);
    }
}

/* ---- form H ------------------------------------------------------------------------------- */

/* Neurons at cell centres of (η, φ) with chosen family and |δ|: 5 in N⁰, 2 in N⁺, 1 in N⁻;
 * the field's cell masses are the particles' weights, so its marginals are the particles'
 * histograms and each W₁ is the tent sum Σ p_c h_c / 4 of test_w1_centres. */
enum { HM = 8, HD = 4, HE0 = 5, HEP = 3, HW = 4, HNT = 2 };
static const double he0[HE0 + 1] = {-2.0, -1.0, -0.3, 0.0, 0.4, 1.5};
static const double hep[HEP + 1] = {0.25, 0.6, 1.2, 2.0};
static const double hw[HW + 1] = {0.0, 0.5, 1.2, 2.0, M_PI};
static const int hfam[HM] = {0, 0, 0, 0, 0, 1, 1, -1}; /* 0: N⁰, ±1: N^± */
static const int heta[HM] = {0, 2, 2, 3, 4, 0, 2, 1};  /* η-cell (of its family's grid) */
static const int hphi[HM] = {1, 1, 2, 0, 3, 2, 2, 1};
static const double hdel[HM] = {2.0, 0.5, 1.5, 3.0, 0.25, 0.75, 0.1, 0.4}; /* |δ| */

static double h_risk(int k) { return 0.4 - 0.1 * k; }

static sf_status write_h_files(sf_ctx *ctx, const char *field, const char *part)
{
    sf_status status = SF_OK;
    sf_ncp *pw = NULL;
    sf_ncw *w = NULL;
    double a[HM], b[HM * HD], n0[HE0 * HW] = {0}, np[HEP * HW] = {0}, nm[HEP * HW] = {0};
    double m0 = 0.0, mpos[2] = {0.0, 0.0}, c0[HE0], cp[HEP], cw[HW];
    for (int i = 0; i < HM; i++) {
        const double *e = hfam[i] ? hep : he0;
        const double eta = centre(e, heta[i]), phi = centre(hw, hphi[i]), q = sqrt(hdel[i]);
        const double rho = hfam[i] ? q * sinh(eta) : q * cosh(eta);
        a[i] = hfam[i] ? hfam[i] * q * cosh(eta) : q * sinh(eta);
        b[i * HD + 0] = rho * cos(phi);
        b[i * HD + 1] = 0.6 * rho * sin(phi);
        b[i * HD + 2] = 0.0;
        b[i * HD + 3] = 0.8 * rho * sin(phi);
        const double vol = (e[heta[i] + 1] - e[heta[i]]) * (hw[hphi[i] + 1] - hw[hphi[i]]);
        double *N = hfam[i] == 0 ? n0 : hfam[i] > 0 ? np : nm;
        N[heta[i] * HW + hphi[i]] += hdel[i] / HM / vol;
        if (hfam[i] == 0) m0 += hdel[i] / HM;
        else mpos[hfam[i] < 0] += hdel[i] / HM;
    }
    const sf_particles_header h = {HM, HD, 1, SF_NCP_FULL, NULL, NAN, 3, "test", NULL, NULL, 0};
    SF_TRY(ctx, sf_ncp_create(ctx, part, &h, &pw));
    for (int k = 0; k < HNT; k++) SF_TRY(ctx, sf_ncp_append(ctx, pw, (double)k, a, b, NULL, NULL, h_risk(k)));
    SF_TRY(ctx, sf_ncp_close(ctx, &pw, 1));
    for (int c = 0; c < HE0; c++) c0[c] = centre(he0, c);
    for (int c = 0; c < HEP; c++) cp[c] = centre(hep, c);
    for (int c = 0; c < HW; c++) cw[c] = centre(hw, c);
    const sf_nc_coord co[3] = {{"eta", "eta", "1", HE0, c0, he0},
                               {"eta_pos", "eta_pos", "1", HEP, cp, hep},
                               {"phi", "phi", "rad", HW, cw, hw}};
    const sf_nc_field fields[3] = {{"N0", "N0", "1", 2, {0, 2}},
                                   {"Nplus", "Nplus", "1", 2, {1, 2}},
                                   {"Nminus", "Nminus", "1", 2, {1, 2}}};
    const sf_nc_series series[4] = {{"risk", "R", "1"}, {"mass0", "m0", "1"},
                                    {"mass_plus", "mp", "1"}, {"mass_minus", "mm", "1"}};
    const sf_nc_attr attrs[4] = {{"symflow_kind", SF_NC_ATTR_TEXT, "field", 0, 0},
                                 {"form", SF_NC_ATTR_TEXT, "hyperbolic", 0, 0},
                                 {"d", SF_NC_ATTR_INT, NULL, 0, HD},
                                 {"d_H", SF_NC_ATTR_INT, NULL, 0, 1}};
    const sf_nc_layout layout = {"test form H field", co, 3, fields, 3, series, 4, attrs, 4};
    SF_TRY(ctx, sf_ncw_create(ctx, field, &layout, &w));
    for (int k = 0; k < HNT; k++) {
        const double *f[3] = {n0, np, nm};
        const double sr[4] = {h_risk(k), m0, mpos[0], mpos[1]};
        SF_TRY(ctx, sf_ncw_append(ctx, w, (double)k, f, sr));
    }
    SF_TRY(ctx, sf_ncw_close(ctx, &w, 1));
cleanup:
    sf_ncp_close(ctx, &pw, 0);
    sf_ncw_close(ctx, &w, 0);
    return status;
}

/* Σ_c (p_c / Σp) h_c / 4 over the cells cell[i] of the particles of N⁰ (pos = 0) or N^± (1). */
static double tent_w1(const double *e, int n, const int *cell, int pos)
{
    double p[8] = {0}, total = 0.0, w1 = 0.0;
    for (int i = 0; i < HM; i++)
        if ((hfam[i] != 0) == pos) {
            p[cell[i]] += hdel[i];
            total += hdel[i];
        }
    for (int c = 0; c < n; c++) w1 += p[c] / total * (e[c + 1] - e[c]) / 4.0;
    return w1;
}

static void test_hyperbolic(sf_ctx *ctx, const char *dir)
{
    char field[512], part[512], out[512];
    snprintf(field, sizeof field, "%s/h.nc", dir);
    snprintf(part, sizeof part, "%s/ph.nc", dir);
    snprintf(out, sizeof out, "%s/ch.nc", dir);
    SF_EXPECT_OK(ctx, write_h_files(ctx, field, part));
    sf_compare_summary s;
    sf_ctx_clear(ctx);
    SF_EXPECT_OK(ctx, sf_compare_files(ctx, field, part, out, NULL, &s));
    SF_EXPECT(s.form && strcmp(s.form, "hyperbolic") == 0);
    SF_EXPECT(s.n_times == HNT && s.sup_risk_gap == 0.0);
    const double want[4] = {tent_w1(hw, HW, hphi, 0), tent_w1(he0, HE0, heta, 0),
                            tent_w1(hw, HW, hphi, 1), tent_w1(hep, HEP, heta, 1)};
    const char *const names[4] = {"w1_omega0", "w1_eta0", "w1_omega_pos", "w1_eta_pos"};
    for (int x = 0; x < 4; x++) {
        double v[HNT];
        read_var(ctx, out, names[x], "time", v, HNT);
        /* atoms are the centres up to the rounding of atanh(tanh η) and atan2: ~1e-15 */
        for (int k = 0; k < HNT; k++) SF_EXPECT_NEAR(v[k], want[x], ROUND);
        SF_EXPECT_NEAR(s.max_w1_h[x], want[x], ROUND);
        printf("form H: %s = %.6f (tent sum %.6f)\n", names[x], v[0], want[x]);
    }
    double m0 = 0.0, mp = 0.0, v[HNT], f[HNT * HE0], p[HNT * HE0];
    for (int i = 0; i < HM; i++) *(hfam[i] ? &mp : &m0) += hdel[i] / HM;
    read_var(ctx, out, "mass0_particles", "time", v, HNT);
    for (int k = 0; k < HNT; k++) SF_EXPECT_NEAR(v[k], m0, ROUND);
    read_var(ctx, out, "mass_pos_particles", "time", v, HNT);
    for (int k = 0; k < HNT; k++) SF_EXPECT_NEAR(v[k], mp, ROUND);
    SF_EXPECT_NEAR(s.final_mass0_particles, m0, ROUND);
    const char *const hf[4] = {"density_omega0", "density_eta0", "density_omega_pos",
                               "density_eta_pos"};
    const char *const dims[4] = {"time, phi", "time, eta", "time, phi", "time, eta_pos"};
    const size_t nc[4] = {HW, HE0, HW, HEP};
    for (int x = 0; x < 4; x++) {
        char a[64], b[64];
        snprintf(a, sizeof a, "%s_field", hf[x]);
        snprintf(b, sizeof b, "%s_particles", hf[x]);
        read_var(ctx, out, a, dims[x], f, HNT * nc[x]);
        read_var(ctx, out, b, dims[x], p, HNT * nc[x]);
        for (size_t i = 0; i < HNT * nc[x]; i++) SF_EXPECT_NEAR(p[i], f[i], ROUND);
    }
    sf_ctx_clear(ctx);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    char dir[] = "/tmp/sf_compare_forms_XXXXXX";
    if (sf_ctx_create(&ctx) != SF_OK || !mkdtemp(dir)) {
        fprintf(stderr, "cannot create a context or a temporary directory\n");
        return 1;
    }
    test_w1_centres();
    test_transport(ctx, dir);
    test_ode(ctx, dir);
    test_hyperbolic(ctx, dir);
    test_alloc_failures(ctx, dir);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
