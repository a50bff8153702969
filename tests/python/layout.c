/* layout.c - prints the size and field offsets of every struct the Python package mirrors
 * with ctypes (python/shapc/_lib.py), as the compiler sees the public headers, so
 * tests/python/test_layout.py can compare them field by field. */
#include <stddef.h>
#include <stdio.h>

#include <shapc/shapc.h>

#define FIELD(type, f) printf("%s\"%s\": %zu", first ? "" : ", ", #f, offsetof(type, f)), first = 0
#define BEGIN(type, name) printf("%s\"%s\": {\"sizeof\": %zu, \"fields\": {", sep, name, \
                                 sizeof(type)), first = 1, sep = ",\n "
#define END() printf("}}")

int main(void)
{
    int first = 1;
    const char *sep = "";
    printf("{");
    BEGIN(shapc_error, "Error");
    FIELD(shapc_error, status);
    FIELD(shapc_error, message);
    END();
    BEGIN(shapc_kernel_options, "KernelOptions");
    FIELD(shapc_kernel_options, size);
    FIELD(shapc_kernel_options, nsamples);
    FIELD(shapc_kernel_options, seed);
    FIELD(shapc_kernel_options, link);
    FIELD(shapc_kernel_options, n_batches);
    FIELD(shapc_kernel_options, max_memory);
    FIELD(shapc_kernel_options, sampler);
    FIELD(shapc_kernel_options, n_threads);
    FIELD(shapc_kernel_options, tol);
    FIELD(shapc_kernel_options, share_design);
    FIELD(shapc_kernel_options, use_structure);
    FIELD(shapc_kernel_options, max_evals);
    FIELD(shapc_kernel_options, bg_per_sample);
    FIELD(shapc_kernel_options, progress);
    FIELD(shapc_kernel_options, progress_user);
    END();
    BEGIN(shapc_kernel_info, "KernelInfo");
    FIELD(shapc_kernel_info, n_players);
    FIELD(shapc_kernel_info, n_coalitions);
    FIELD(shapc_kernel_info, n_evals);
    FIELD(shapc_kernel_info, exact);
    FIELD(shapc_kernel_info, sampler);
    END();
    BEGIN(shapc_plot_options, "PlotOptions");
    FIELD(shapc_plot_options, size);
    FIELD(shapc_plot_options, width);
    FIELD(shapc_plot_options, height);
    FIELD(shapc_plot_options, dpi);
    FIELD(shapc_plot_options, font_family);
    FIELD(shapc_plot_options, font_size);
    FIELD(shapc_plot_options, max_display);
    FIELD(shapc_plot_options, title);
    FIELD(shapc_plot_options, xlabel);
    FIELD(shapc_plot_options, link);
    END();
    BEGIN(shapc_plot_image_data, "PlotImageData");
    FIELD(shapc_plot_image_data, images);
    FIELD(shapc_plot_image_data, n);
    FIELD(shapc_plot_image_data, hgt);
    FIELD(shapc_plot_image_data, wid);
    FIELD(shapc_plot_image_data, c);
    FIELD(shapc_plot_image_data, phi);
    FIELD(shapc_plot_image_data, p);
    FIELD(shapc_plot_image_data, labels);
    FIELD(shapc_plot_image_data, probs);
    FIELD(shapc_plot_image_data, groups);
    FIELD(shapc_plot_image_data, row_labels);
    END();
    printf("}\n");
    return 0;
}
