/* explain_rule.c - the callback adapter: explain a hand-written C scoring rule with KernelSHAP
 * and write the values (stdout) and a waterfall plot (rule_waterfall.png, or argv[1]). */
#include <math.h>
#include <stdio.h>

#include <shapc/kernel.h>
#include <shapc/model.h>
#include <shapc/plot.h>

enum { D = 4 };
static const char *const names[D] = {"income", "debt", "age", "late payments"};

/* The black box: a credit score in [0, 1] with an interaction (debt hurts more when late). */
static shapc_status score(void *user, const float *x, size_t n, float *out, shapc_error *err)
{
    (void)user, (void)err;
    for (size_t i = 0; i < n; i++) {
        double inc = x[i * D], debt = x[i * D + 1], age = x[i * D + 2], late = x[i * D + 3];
        double z = 0.04 * inc - 0.05 * debt * (1.0 + late) + 0.02 * (age - 40.0) - 0.8 * late;
        out[i] = (float)(1.0 / (1.0 + exp(-z)));
    }
    return SHAPC_OK;
}

int main(int argc, char **argv)
{
    const float background[3 * D] = {50, 20, 35, 0, 80, 10, 50, 0, 30, 30, 25, 1};
    const float applicant[D] = {42, 35, 29, 2};
    double phi[D], fx, base;
    shapc_model *model = NULL;
    shapc_kernel *kern = NULL;
    shapc_error err = {0};
    shapc_plot_options po = shapc_plot_options_default();
    int ok = shapc_model_create(D, 1, score, NULL, NULL, &model, &err) == SHAPC_OK &&
             shapc_kernel_create(model, background, 3, NULL, NULL, &kern, &err) == SHAPC_OK &&
             shapc_kernel_explain(kern, applicant, phi, NULL, &fx, NULL, &err) == SHAPC_OK;
    if (ok) {
        base = shapc_kernel_base_values(kern)[0];
        printf("base %.4f  f(x) %.4f\n", base, fx);
        for (int i = 0; i < D; i++)
            printf("%-14s %6.2f  phi %+.4f\n", names[i], (double)applicant[i], phi[i]);
        po.title = "Why this applicant scored low";
        ok = shapc_plot_waterfall(argc > 1 ? argv[1] : "rule_waterfall.png", &po, phi,
                                  applicant, D, names, base, fx, &err) == SHAPC_OK;
    }
    if (!ok)
        fprintf(stderr, "explain_rule: %s\n", err.message);
    shapc_kernel_free(kern);
    shapc_model_free(model);
    return ok ? 0 : 1;
}
