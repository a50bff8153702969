/* activation.h - the activation functions of native networks, applied to rows in place. */
#ifndef SHAPC_MODEL_ACTIVATION_H
#define SHAPC_MODEL_ACTIVATION_H

#include <stddef.h>

#include "shapc/model.h"

/* "identity", "relu", "sigmoid", "tanh", "softmax"; NULL for an unknown value. */
const char *shapc__activation_name(shapc_activation activation);

/* y (rows, n) = act(y), softmax over each row's n values. NaN or infinite inputs give NaN
 * (softmax: the whole row), which the caller reports. */
void shapc__activate_rows(shapc_activation act, float *y, size_t rows, size_t n);

#endif /* SHAPC_MODEL_ACTIVATION_H */
