// The noise of randomized smoothing (src/AdvCore/Defenses/NoisyCopies.cs) built through the C
// ABI exactly as the .NET side builds it: m copies of a batch (ac_tensor_copy_samples), each
// filled from the Philox stream at counter start + (j*N + i0) * ceil(d/4)
// (ac_tensor_fill_normal), added (ac_add). Checks, on every CPU backend and on CUDA (the driver
// emulator here, a GPU where present): chunked per-copy fills equal one fill of the whole
// [m*N] batch (the chunk invariance the smoothed classifier relies on), and the CUDA stream equals
// the CPU one for the same seed. Tolerance 1e-5 relative: the CPU evaluates Box-Muller in double,
// the GPU in float (a few ulps).
#include <cmath>
#include <string>
#include <vector>

#include "advcore.h"
#include "core/context.h"
#include "harness.h"
#include "test_util.h"

using namespace testutil;

namespace {

constexpr int64_t kN = 3, kCopies = 5, kD = 28 * 28;

struct Tensor {
  ac_tensor* t = nullptr;
  Tensor(ac_context* ctx, int64_t n) {
    const int64_t shape[4] = {n, 1, 28, 28};
    CHECK_STATUS(ac_tensor_create(ctx, AC_F32, 4, shape, &t), AC_OK);
  }
  ~Tensor() { ac_tensor_destroy(t); }
  fvec host(ac_context* ctx) const {
    fvec h(static_cast<size_t>(kD * count()));
    ac_context_synchronize(ctx);
    CHECK_STATUS(ac_tensor_copy_to_host(t, h.data(), static_cast<int64_t>(h.size() * 4)), AC_OK);
    return h;
  }
  int64_t count() const {
    int64_t c = 0;
    ac_tensor_count(t, &c);
    return c / kD;
  }
};

// Noisy copies of x [N] as rows j*N + i: per-copy fills (chunked) or one fill (whole).
fvec noisy_copies(ac_context* ctx, const fvec& x, float sigma, uint64_t start, bool chunked) {
  Tensor xs(ctx, kN), batch(ctx, kN * kCopies), noise(ctx, kN * kCopies), block(ctx, kN);
  CHECK_STATUS(ac_tensor_copy_from_host(xs.t, x.data(), static_cast<int64_t>(x.size() * 4)), AC_OK);
  const uint64_t s = (kD + 3) / 4;
  for (int64_t j = 0; j < kCopies; ++j) CHECK_STATUS(ac_tensor_copy_samples(batch.t, j * kN, xs.t, 0, kN), AC_OK);
  if (chunked) {
    for (int64_t j = 0; j < kCopies; ++j) {
      CHECK_STATUS(ac_tensor_fill_normal(block.t, 0.0f, sigma, start + static_cast<uint64_t>(j * kN) * s), AC_OK);
      CHECK_STATUS(ac_tensor_copy_samples(noise.t, j * kN, block.t, 0, kN), AC_OK);
    }
  } else {
    CHECK_STATUS(ac_tensor_fill_normal(noise.t, 0.0f, sigma, start), AC_OK);
  }
  CHECK_STATUS(ac_add(ctx, batch.t, noise.t, batch.t), AC_OK);
  return batch.host(ctx);
}

size_t mismatches(const fvec& a, const fvec& b, float tol) {
  size_t bad = 0;
  for (size_t i = 0; i < a.size(); ++i) bad += !(std::fabs(a[i] - b[i]) <= tol * (1.0f + std::fabs(b[i])));
  return bad;
}

fvec images() {
  Rng rng(404);
  return to_float(rng.vec(static_cast<size_t>(kN * kD), 0.0, 1.0));
}

}  // namespace

TEST(noisy_copies_chunked_equal_whole_on_cpu) {
  const fvec x = images();
  const uint64_t start = (0xC5ull << 56) + (7ull << 40);
  for (uint32_t flags : {0u, static_cast<uint32_t>(AC_CONTEXT_REFERENCE_KERNELS)}) {
    ac_context* cpu = nullptr;
    CHECK_STATUS(ac_context_create(AC_DEVICE_CPU, 2, 31, flags, &cpu), AC_OK);
    fvec whole = noisy_copies(cpu, x, 0.5f, start, false), chunked = noisy_copies(cpu, x, 0.5f, start, true);
    CHECK_MSG(whole == chunked, "chunked and whole fills differ (flags %u)", flags);
    // The noise is real: copies of one image differ, and by about sigma.
    double diff = 0;
    for (int64_t p = 0; p < kD; ++p) diff += std::fabs(whole[p] - whole[kN * kD + p]);
    CHECK_MSG(diff / kD > 0.3 && diff / kD < 0.9, "mean |copy0 - copy1| = %g (sigma 0.5: ~0.56)", diff / kD);
    ac_context_destroy(cpu);
  }
}

TEST(cuda_noisy_copies_match_cpu_stream) {
  std::string reason;
  if (!ac::cuda_available(&reason)) SKIP(reason);
  const fvec x = images();
  const uint64_t start = (0xC5ull << 56) + (3ull << 40) + 12345;
  ac_context *gpu = nullptr, *cpu = nullptr;
  CHECK_STATUS(ac_context_create(AC_DEVICE_CUDA, 0, 31, 0, &gpu), AC_OK);
  CHECK_STATUS(ac_context_create(AC_DEVICE_CPU, 1, 31, AC_CONTEXT_REFERENCE_KERNELS, &cpu), AC_OK);
  if (!gpu || !cpu) return;
  fvec c = noisy_copies(cpu, x, 0.25f, start, true);
  fvec g = noisy_copies(gpu, x, 0.25f, start, true), gw = noisy_copies(gpu, x, 0.25f, start, false);
  size_t bad = mismatches(g, c, 1e-5f);
  CHECK_MSG(bad == 0, "%zu of %zu noisy pixels differ between CUDA and the CPU reference", bad, c.size());
  CHECK_MSG(mismatches(gw, g, 0.0f) == 0, "CUDA chunked and whole fills differ");
  ac_context_destroy(gpu);
  ac_context_destroy(cpu);
}
