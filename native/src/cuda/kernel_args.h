// Argument blocks passed by value to the CUDA kernels. This header is shared by the host
// glue (g++) and the .cu sources (clang or nvcc): plain structs of fixed-width integers,
// whose layout is the same on x86-64 and NVPTX64 (8-byte fields first, no padding games).
// cuLaunchKernel copies sizeof(struct) bytes, so both sides must see the same definition.
#pragma once
#include <stdint.h>

struct AcConvArgs {
  int64_t n, c, h, w;  // input
  int64_t o, kh, kw;   // filters
  int64_t oh, ow;      // output
  int32_t sh, sw;      // strides
  int32_t pt, pl;      // padding before (top, left)
};

struct AcPoolArgs {
  int64_t n, c, h, w, oh, ow;
  int32_t kh, kw, sh, sw, ph, pw;
};

// x viewed as [n, c, hw].
struct AcBnArgs {
  int64_t n, c, hw;
};

// The operands every fused attack step shares (ac::AttackRows on the host, advcore.h
// ac_attack_operands at the ABI): rows of [n, d], logits [n, k], labels [n]; an operand the
// step does not read is null. criterion: 0 = untargeted, 1 = targeted (label = target);
// margin >= 0 (0 = by the argmax). One struct instead of ten parameters, so a new step or a
// new shared operand touches this struct, not every kernel signature.
struct AcAttackArgs {
  int64_t n, d, k;
  const float* x;
  float* y;
  const float* grad;
  const float* logits;
  const int32_t* labels;
  float* best_y;
  float* best_norm;
  int32_t criterion;
  float margin;
};

// Graph-Laplacian smoothing (smoothing.cu; ac::SmoothingGraphShape and ac::CgProblem on the
// host, src/core/backend.h). Images [n, c, h, w]; stencil [n][k][h*w].
struct AcGraphArgs {
  int64_t n, c, h, w;
  int32_t k;       // 4 or 8 neighbours
  int32_t kernel;  // 0 = Laplacian, 1 = Gaussian
  float sigma_f, sigma_s;
};

// One batched CG solve: system s on graph s / per_graph; mode 0 plain, 1 smoothing (warm x0 =
// x * s1, output x / s1), 2 adjoint (b' = b / s1). work: cg_work_per_system(h, w) floats per
// system (r, p, q).
struct AcCgArgs {
  int64_t systems, per_graph, h, w;
  const float* weights;
  const float* s1;
  const float* b;
  float* x;
  float* work;
  int32_t* iterations;
  float* residuals;
  int32_t k, mode, warm, max_iter;
  float alpha, tol;
};

#if defined(__cplusplus) && __cplusplus >= 201103L
static_assert(sizeof(AcConvArgs) == 9 * 8 + 4 * 4, "AcConvArgs layout");
static_assert(sizeof(AcPoolArgs) == 6 * 8 + 6 * 4, "AcPoolArgs layout");
static_assert(sizeof(AcBnArgs) == 3 * 8, "AcBnArgs layout");
static_assert(sizeof(AcAttackArgs) == 3 * 8 + 7 * 8 + 2 * 4, "AcAttackArgs layout");
static_assert(sizeof(AcGraphArgs) == 4 * 8 + 4 * 4, "AcGraphArgs layout");
static_assert(sizeof(AcCgArgs) == 4 * 8 + 7 * 8 + 6 * 4, "AcCgArgs layout");
#endif

// Kind codes shared by host and device (they mirror ac::Activation and ac::Loss).
enum { AC_K_RELU = 0, AC_K_LEAKY_RELU = 1, AC_K_BOUNDED_RELU = 2 };
enum {
  AC_K_CROSS_ENTROPY = 0,
  AC_K_LOGPROB_MARGIN = 1,
  AC_K_CW_MARGIN = 2,
  AC_K_CW_MARGIN_TARGETED = 3,
  AC_K_DLR = 4,
  AC_K_DLR_TARGETED = 5
};
enum { AC_K_L2 = 0, AC_K_LINF = 1, AC_K_DOT = 2 };
