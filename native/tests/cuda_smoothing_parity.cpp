// CUDA smoothing kernels (smoothing.cu) against the CPU reference, through the C ABI on a CUDA
// context: stencil, s(1), solve / smooth / adjoint (cold and warm), the matvec, iteration
// counts, b = 0, and no device->host transfer or synchronisation per solve. SKIPs with the
// reason where CUDA is not available; runs on the driver emulator (native/src/cuda/emu) with
// the `cuda_` filter. Tolerances: the stencil 1e-6 (double on both sides, rounded to float
// once; the GPU's exp is within a few double ulp), the matvec 1e-6 (float fma vs the
// reference's double row sums), CG results 1e-5 (float vectors, double dots, a different
// summation order: both sides stop at ||r|| <= tol ||b||), iterations within 1.
#include <cmath>
#include <string>
#include <vector>

#include "core/context.h"
#include "smoothing_util.h"

using namespace testutil;
using namespace smoothing_test;

namespace {

void cuda_or_skip() {
  std::string reason;
  if (!ac::cuda_available(&reason)) SKIP(reason);
}


}  // namespace

TEST(cuda_smoothing_matches_reference) {
  cuda_or_skip();
  Rng rng(91);
  struct Case {
    int64_t n, c, h, w;
    int k, kernel;
  };
  // Odd sizes; 1 and 3 channels; both neighbourhoods and kernels; more pixels than threads.
  const Case cases[] = {{2, 1, 7, 9, 4, 0}, {1, 3, 11, 5, 8, 1}, {1, 1, 17, 16, 8, 0}};
  Ctx ref(AC_DEVICE_CPU, AC_CONTEXT_REFERENCE_KERNELS), gpu(AC_DEVICE_CUDA, 0);
  for (const Case& cs : cases) {
    const int64_t count = cs.n * cs.c * cs.h * cs.w;
    const fvec x = random_images(rng, cs.n, cs.c, cs.h, cs.w);
    const fvec zv = to_float(rng.vec(static_cast<size_t>(count)));
    const fvec warm = to_float(rng.vec(static_cast<size_t>(count)));
    const ac_smoothing_params p = params(cs.k, cs.kernel, 1e-5f, 60);
    Results a = run_all(ref.ctx, x, zv, warm, cs.n, cs.c, cs.h, cs.w, p);
    Results b = run_all(gpu.ctx, x, zv, warm, cs.n, cs.c, cs.h, cs.w, p);
    CHECK_CLOSE(b.weights, a.weights, 1e-6);
    CHECK_CLOSE(b.s1, a.s1, 1e-5);
    CHECK_CLOSE(b.solve, a.solve, 1e-5);
    CHECK_CLOSE(b.smooth, a.smooth, 1e-5);
    CHECK_CLOSE(b.adjoint, a.adjoint, 1e-5);
    CHECK_CLOSE(b.apply, a.apply, 1e-6);
    CHECK_CLOSE(b.warm_adjoint, a.warm_adjoint, 1e-5);
    CHECK(a.rep.iterations.size() == b.rep.iterations.size());
    for (size_t s = 0; s < a.rep.iterations.size() && s < b.rep.iterations.size(); ++s) {
      CHECK_MSG(std::abs(a.rep.iterations[s] - b.rep.iterations[s]) <= 1, "system %zu: %d vs %d", s,
                a.rep.iterations[s], b.rep.iterations[s]);
      CHECK(b.rep.residuals[s] <= 1e-5f);
    }
    for (size_t s = 0; s < a.ones.iterations.size() && s < b.ones.iterations.size(); ++s)
      CHECK(std::abs(a.ones.iterations[s] - b.ones.iterations[s]) <= 1);
  }
}

TEST(cuda_smoothing_dense_solve_zero_rhs_and_no_transfers) {
  cuda_or_skip();
  // The 28x28 digit-like image (in both channels of one image) against the float64 dense
  // solve, with b = 0 in channel 1 of the same batch; then solves that must not touch the host.
  Ctx gpu(AC_DEVICE_CUDA, 0);
  const int64_t hw = 28 * 28;
  fvec x = digit_image();
  x.resize(static_cast<size_t>(2 * hw));
  for (int64_t i = 0; i < hw; ++i) x[static_cast<size_t>(hw + i)] = x[static_cast<size_t>(i)];
  Rng rng(92);
  fvec bv = to_float(rng.vec(static_cast<size_t>(2 * hw)));
  for (int64_t i = hw; i < 2 * hw; ++i) bv[static_cast<size_t>(i)] = 0.0f;  // channel 1: b = 0
  Tensor images(gpu.ctx, {1, 2, 28, 28}, x);
  Graph g(gpu.ctx, images.t, params(4, 0, 1e-6f, 200));
  CHECK_STATUS(g.status, AC_OK);
  Tensor b(gpu.ctx, {1, 2, 28, 28}, bv), sol(gpu.ctx, {1, 2, 28, 28}, to_float(rng.vec(static_cast<size_t>(2 * hw))));
  CHECK_STATUS(ac_smoothing_solve(gpu.ctx, g.g, b.t, sol.t, 1), AC_OK);
  const fvec got = sol.read();
  const dvec want = dense_solve(dense_normalized(x, 0, 2, 28, 28, 4, 0, 0.1, 1.0), hw, 0.95f,
                                dvec(bv.begin(), bv.begin() + hw));
  double err = 0, scale = 0;
  for (int64_t i = 0; i < hw; ++i) {
    err = std::max(err, std::abs(got[static_cast<size_t>(i)] - want[static_cast<size_t>(i)]));
    scale = std::max(scale, std::abs(want[static_cast<size_t>(i)]));
  }
  CHECK_MSG(err <= 1e-5 * scale, "relative max error %.3g", err / scale);
  for (int64_t i = hw; i < 2 * hw; ++i) CHECK(got[static_cast<size_t>(i)] == 0.0f);
  Report rep = last_report(g.g, 2);
  CHECK(rep.iterations[0] > 5 && rep.iterations[0] < 200);
  CHECK(rep.iterations[1] == 0 && rep.residuals[1] == 0.0f);

  Tensor z(gpu.ctx, {1, 2, 28, 28}, bv), r(gpu.ctx, {1, 2, 28, 28});
  CHECK_STATUS(ac_context_synchronize(gpu.ctx), AC_OK);
  CHECK_STATUS(ac_context_reset_transfer_counts(gpu.ctx), AC_OK);
  CHECK_STATUS(ac_smoothing_smooth(gpu.ctx, g.g, z.t, r.t, 0), AC_OK);
  CHECK_STATUS(ac_smoothing_smooth(gpu.ctx, g.g, z.t, r.t, 1), AC_OK);  // warm: 0 iterations
  CHECK_STATUS(ac_smoothing_smooth_adjoint(gpu.ctx, g.g, z.t, r.t, 0), AC_OK);
  ac_transfer_counts counts{};
  CHECK_STATUS(ac_context_transfer_counts(gpu.ctx, &counts), AC_OK);
  CHECK_MSG(counts.host_to_device == 0 && counts.device_to_host == 0 && counts.synchronizations == 0,
            "%lld H2D, %lld D2H, %lld syncs", static_cast<long long>(counts.host_to_device),
            static_cast<long long>(counts.device_to_host), static_cast<long long>(counts.synchronizations));
}
