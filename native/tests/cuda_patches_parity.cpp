// CUDA patch-replacement kernels (patches.cu) against the CPU reference, through the C ABI on a
// CUDA context, on random data: extraction, reconstruction (of the extraction: exactly the
// identity; of unrelated patches: the reference's bits, same double sums in the same order),
// the four strategies, the E8 quantizer (in place too), and the ABI's refusals on a device
// context. SKIPs with the reason where CUDA is not available; runs on the driver emulator
// (native/src/cuda/emu) with the `cuda_` filter. Everything must match the reference bit for
// bit: the kernels do the reference's double arithmetic in the same order, with explicit fma
// where the reference has std::fma (a real GPU could only differ if its fma or sqrt were not
// IEEE-rounded, which PTX's fma.rn / sqrt.rn are).
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/context.h"
#include "patches_util.h"

using namespace testutil;
using namespace patches_test;

namespace {

void cuda_or_skip() {
  std::string reason;
  if (!ac::cuda_available(&reason)) SKIP(reason);
}

bool same_bits(const fvec& a, const fvec& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * 4) == 0);
}

}  // namespace

TEST(cuda_patches_match_reference) {
  cuda_or_skip();
  // A spread of the CPU cases: N 1 and 3; D 1, 3, 64 with d 1, 4, 8; H 13 and 28; p 1, 3, 5;
  // stride 1, 2, p (with and without a final position at H - p).
  const Case cases[] = {{1, 1, 28, 1, 1, 1}, {3, 3, 13, 1, 3, 2}, {1, 3, 28, 1, 5, 5},
                        {3, 64, 13, 8, 3, 1}, {1, 64, 13, 4, 5, 2}, {3, 64, 28, 8, 5, 5},
                        {1, 64, 28, 8, 3, 2}, {3, 1, 13, 1, 5, 1}};
  Ctx ref(AC_DEVICE_CPU, AC_CONTEXT_REFERENCE_KERNELS), gpu(AC_DEVICE_CUDA, 0);
  Rng rng(41);
  for (const Case& cs : cases) {
    const std::string what = harness::printf_string("N %lld D %lld H %lld d %d p %d c %d", (long long)cs.n,
                                                    (long long)cs.depth, (long long)cs.hw, cs.d, cs.p, cs.c);
    const fvec f = to_float(rng.away_from_zero(static_cast<size_t>(cs.n * cs.depth * cs.hw * cs.hw), 0.01, 1.0));
    const int64_t dim = int64_t{cs.p} * cs.p * cs.d;
    const size_t count = static_cast<size_t>(cs.depth / cs.d * cs.n * patch_count(cs) * dim);
    const fvec random_patches = to_float(rng.vec(count, -1.0, 1.0));
    // The strategies read Q near the extracted patches; build them from a reference extraction.
    Results probe = run_all(ref.ctx, cs, f, random_patches, random_patches, 0.0f, 1.0f);
    const fvec q = nearby(rng, probe.patches, dim);
    Results a = run_all(ref.ctx, cs, f, random_patches, q, 0.2f, 0.5f);
    Results b = run_all(gpu.ctx, cs, f, random_patches, q, 0.2f, 0.5f);
    CHECK_MSG(same_bits(b.patches, a.patches), "extract, %s", what.c_str());
    CHECK_MSG(same_bits(b.rebuilt, f), "rebuild(extract) is not the identity, %s", what.c_str());
    CHECK_MSG(same_bits(b.rebuilt_random, a.rebuilt_random), "rebuild, %s", what.c_str());
    CHECK_MSG(same_bits(b.e8, a.e8), "e8, %s", what.c_str());
    for (int s = 0; s < 4; ++s)
      CHECK_MSG(same_bits(b.strategies[s], a.strategies[s]), "strategy %d, %s", s, what.c_str());
    // The limits on the device: eps = 0 is the identity, linear at eps = 1 and L2 / Linf at a
    // huge eps are plain.
    Tensor qt(gpu.ctx, patches_shape(cs), q);
    auto apply = [&](int32_t s, float eps) {
      Tensor work(gpu.ctx, patches_shape(cs), a.patches);
      CHECK_STATUS(ac_patch_strategy_apply(gpu.ctx, work.t, qt.t, s, eps), AC_OK);
      return work.read();
    };
    for (int32_t s : {AC_PATCH_L2, AC_PATCH_LINF, AC_PATCH_LINEAR})
      CHECK_MSG(apply(s, 0.0f) == a.patches, "strategy %d at eps 0, %s", s, what.c_str());
    CHECK(apply(AC_PATCH_LINEAR, 1.0f) == q);
    CHECK(apply(AC_PATCH_L2, 1e30f) == q);
    CHECK(apply(AC_PATCH_LINF, 1e30f) == q);
  }
  // E8 on a flat buffer at the scales of the CPU test, in place.
  for (float scale : {0.1f, 0.5f, 1.0f}) {
    const fvec x = to_float(rng.vec(8 * 999, -2.0, 2.0));
    Tensor xr(ref.ctx, {999, 8}, x), xg(gpu.ctx, {999, 8}, x);
    CHECK_STATUS(ac_e8_quantize(ref.ctx, xr.t, scale, xr.t), AC_OK);
    CHECK_STATUS(ac_e8_quantize(gpu.ctx, xg.t, scale, xg.t), AC_OK);
    CHECK(same_bits(xg.read(), xr.read()));
  }
}

TEST(cuda_patches_refuse_bad_input) {
  cuda_or_skip();
  Ctx gpu(AC_DEVICE_CUDA, 0);
  Tensor f(gpu.ctx, {2, 6, 9, 9}), p(gpu.ctx, {2, 32, 27}), bad(gpu.ctx, {2, 32, 26}), x7(gpu.ctx, {7});
  const ac_patch_geometry g{3, 3, 2}, wide{4, 3, 2};
  CHECK_STATUS(ac_patches_extract(gpu.ctx, f.t, &g, p.t), AC_OK);
  CHECK_STATUS(ac_patches_extract(gpu.ctx, f.t, &wide, p.t), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_patches_rebuild(gpu.ctx, bad.t, &g, f.t), AC_ERR_SHAPE);
  CHECK_STATUS(ac_patch_strategy_apply(gpu.ctx, p.t, p.t, 7, 0.1f), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_e8_quantize(gpu.ctx, x7.t, 1.0f, x7.t), AC_ERR_SHAPE);
}
