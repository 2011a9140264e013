// Plain, obviously-correct reference kernels for every backend op, templated on the scalar
// type T (float for the CPU reference backend, double for the finite-difference tests).
// Every fast CPU kernel and every CUDA kernel is tested against these. They favour clarity
// over speed: direct loops, double accumulators, no cleverness. Each op lives in a small
// header by family; this header pulls them all in.
#pragma once
#include "reference_activation.h"
#include "reference_batchnorm.h"
#include "reference_conv.h"
#include "reference_linear.h"
#include "reference_loss.h"
#include "reference_lowpass.h"
#include "reference_optim.h"
#include "reference_patches.h"
#include "reference_pool.h"
#include "reference_random.h"
#include "reference_vector.h"
