// Gaussian low-pass (ac_gaussian_blur) and SmoothClip's masks (ac_smooth_clip_masks): the
// reference against a hand computation, the fast CPU and CUDA kernels against the reference
// on random data (odd sizes, 1 and 3 channels, small and huge sigma, kernels wider than the
// image), and the ABI's refusals. Tolerance 1e-5 relative to max |reference| for the blur
// (float taps and accumulation against double); the masks must match exactly.
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "advcore.h"
#include "core/context.h"
#include "cpu/fast_backend.h"
#include "cpu/reference.h"
#include "test_util.h"

using namespace testutil;

namespace {

struct BlurCase {
  int64_t n, c, h, w;
  float sigma;
};

const std::vector<BlurCase>& blur_cases() {
  static const std::vector<BlurCase> v = {
      {1, 1, 1, 1, 1.0f},   {2, 1, 28, 28, 1.0f},   {3, 3, 7, 5, 0.3f},  {2, 3, 32, 32, 2.0f},
      {1, 3, 13, 29, 5.0f}, {2, 3, 32, 32, 100.0f}, {1, 1, 9, 4, 250.0f}, {1, 3, 17, 1, 1.5f},
  };
  return v;
}

fvec random_planes(const BlurCase& b, uint64_t seed) {
  Rng rng(seed);
  return to_float(rng.away_from_zero(static_cast<size_t>(b.n * b.c * b.h * b.w), 0.05, 1.0));
}

// The reference in double.
dvec reference_blur(const BlurCase& b, const fvec& x) {
  dvec xd = to_double(x), y(xd.size());
  ac::ref::gaussian_blur<double>(b.n * b.c, b.h, b.w, static_cast<double>(b.sigma), xd.data(), y.data());
  return y;
}

}  // namespace

TEST(lowpass_reference_matches_hand_computation) {
  // sigma = 1: R = 3, unnormalised taps 1, e^-1/2, e^-2, e^-9/2.
  const double e1 = std::exp(-0.5), e2 = std::exp(-2.0), e3 = std::exp(-4.5);
  const double z = 1 + 2 * (e1 + e2 + e3);
  auto taps = ac::ref::gaussian_taps(1.0, 100);
  CHECK(taps.size() == 4);
  CHECK_NEAR(taps[0], 1 / z, 1e-15);
  CHECK_NEAR(taps[3], e3 / z, 1e-15);
  CHECK(ac::ref::gaussian_radius(0.1) == 1);
  CHECK(ac::ref::gaussian_radius(2.0) == 5);
  CHECK(ac::ref::gaussian_radius(2.1) == 6);
  // A 1x5 plane holding a unit impulse at column 2: the row pass spreads it to
  // [g2 g1 g0 g1 g2]; the column pass over a line of length 1 keeps only g0.
  dvec x{0, 0, 1, 0, 0}, y(5);
  ac::ref::gaussian_blur<double>(1, 1, 5, 1.0, x.data(), y.data());
  const double g0 = 1 / z, g1 = e1 / z, g2 = e2 / z;
  dvec want{g0 * g2, g0 * g1, g0 * g0, g0 * g1, g0 * g2};
  CHECK_CLOSE(y, want, 1e-14);
  // An impulse far from the borders keeps its mass (the 2-D kernel sums to 1), and a
  // constant plane stays constant away from the borders but dims at them (zero padding).
  dvec impulse(21 * 21, 0.0), blurred(impulse.size()), ones(impulse.size(), 1.0), flat(impulse.size());
  impulse[10 * 21 + 10] = 1.0;
  ac::ref::gaussian_blur<double>(1, 21, 21, 1.5, impulse.data(), blurred.data());
  double mass = 0;
  for (double v : blurred) mass += v;
  CHECK_NEAR(mass, 1.0, 1e-12);
  CHECK_NEAR(blurred[10 * 21 + 11], blurred[11 * 21 + 10], 1e-15);  // isotropic
  ac::ref::gaussian_blur<double>(1, 21, 21, 1.5, ones.data(), flat.data());
  CHECK_NEAR(flat[10 * 21 + 10], 1.0, 1e-12);
  CHECK(flat[0] < 0.5);
  // In place gives the same as out of place.
  dvec again = impulse;
  ac::ref::gaussian_blur<double>(1, 21, 21, 1.5, again.data(), again.data());
  CHECK_CLOSE(again, blurred, 1e-15);
}

TEST(lowpass_fast_matches_reference) {
  ac::CpuFastBackend fast(3);
  uint64_t seed = 1;
  for (const auto& b : blur_cases()) {
    fvec x = random_planes(b, seed++);
    dvec want = reference_blur(b, x);
    fvec y(x.size());
    fast.gaussian_blur(b.n * b.c, b.h, b.w, b.sigma, x.data(), y.data());
    CHECK_CLOSE(y, want, 1e-5);
    fvec in_place = x;
    fast.gaussian_blur(b.n * b.c, b.h, b.w, b.sigma, in_place.data(), in_place.data());
    CHECK(in_place == y);
  }
}

namespace {

struct ClipBatch {
  int64_t n, d;
  fvec x, r;
};

// x in [0,1]; r pushes some samples out on both sides, some only above, one stays inside.
ClipBatch clip_batch(int64_t n, int64_t d, uint64_t seed) {
  Rng rng(seed);
  ClipBatch b{n, d, to_float(rng.vec(static_cast<size_t>(n * d), 0.0, 1.0)), {}};
  b.r = to_float(rng.vec(static_cast<size_t>(n * d), -0.4, 0.4));
  for (int64_t j = 0; j < d; ++j) {
    float& rv = b.r[static_cast<size_t>(j)];  // sample 0: inside
    float xv = b.x[static_cast<size_t>(j)];
    rv = std::min(std::max(rv, -xv), 1.0f - xv) * 0.5f;
  }
  if (n > 1)
    for (int64_t j = 0; j < d; ++j) b.r[static_cast<size_t>(d + j)] = std::abs(b.r[static_cast<size_t>(d + j)]);
  return b;
}

struct ClipOut {
  fvec m0, m1, a0, a1;
  std::vector<int32_t> outside;
  explicit ClipOut(const ClipBatch& b)
      : m0(b.x.size()), m1(b.x.size()), a0(static_cast<size_t>(b.n)), a1(static_cast<size_t>(b.n)),
        outside(static_cast<size_t>(b.n), -1) {}
};

}  // namespace

TEST(lowpass_smooth_clip_masks_semantics_and_fast) {
  ac::CpuFastBackend fast(3);
  for (auto [n, d] : {std::pair<int64_t, int64_t>{1, 1}, std::pair<int64_t, int64_t>{5, 784},
                      std::pair<int64_t, int64_t>{67, 3072}}) {
    ClipBatch b = clip_batch(n, d, static_cast<uint64_t>(n * d));
    ClipOut ref(b), got(b);
    const float eps = 0.5f;
    ac::ref::smooth_clip_masks<float>(n, d, b.x.data(), b.r.data(), eps, ref.m0.data(), ref.m1.data(),
                                      ref.a0.data(), ref.a1.data(), ref.outside.data());
    for (int64_t i = 0; i < n; ++i) {
      float hi = 0, lo = 0;
      for (int64_t j = 0; j < d; ++j) {
        float z = b.x[static_cast<size_t>(i * d + j)] + b.r[static_cast<size_t>(i * d + j)];
        hi = std::max(hi, z - 1);
        lo = std::min(lo, z);
        CHECK(ref.m1[static_cast<size_t>(i * d + j)] == (z > 1 ? 1.0f : 0.0f));
        CHECK(ref.m0[static_cast<size_t>(i * d + j)] == (z < 0 ? 1.0f : 0.0f));
      }
      CHECK(ref.a1[static_cast<size_t>(i)] == -eps * hi);
      CHECK(ref.a0[static_cast<size_t>(i)] == -eps * lo);
      CHECK(ref.outside[static_cast<size_t>(i)] == ((hi > 0 || lo < 0) ? 1 : 0));
    }
    CHECK(ref.outside[0] == 0);
    if (d > 100 && n > 1) {
      CHECK(ref.outside[1] == 1);
      CHECK(ref.a0[1] == 0.0f);  // sample 1 only overflows above
      CHECK(ref.outside[2] == 1);
    }
    fast.smooth_clip_masks(n, d, b.x.data(), b.r.data(), eps, got.m0.data(), got.m1.data(), got.a0.data(),
                           got.a1.data(), got.outside.data());
    CHECK(got.m0 == ref.m0 && got.m1 == ref.m1 && got.a0 == ref.a0 && got.a1 == ref.a1);
    CHECK(got.outside == ref.outside);
  }
}

TEST(lowpass_abi_checks_parameters) {
  ac_context* ctx = nullptr;
  CHECK_STATUS(ac_context_create(AC_DEVICE_CPU, 2, 1, 0, &ctx), AC_OK);
  int64_t shape4[] = {2, 3, 5, 7}, shape2[] = {2, 105}, per[] = {2};
  ac_tensor *x = nullptr, *y = nullptr, *flat = nullptr, *m0 = nullptr, *m1 = nullptr, *a0 = nullptr,
            *a1 = nullptr, *out = nullptr;
  CHECK_STATUS(ac_tensor_create(ctx, AC_F32, 4, shape4, &x), AC_OK);
  CHECK_STATUS(ac_tensor_create(ctx, AC_F32, 4, shape4, &y), AC_OK);
  CHECK_STATUS(ac_tensor_create(ctx, AC_F32, 2, shape2, &flat), AC_OK);
  CHECK_STATUS(ac_tensor_create(ctx, AC_F32, 4, shape4, &m0), AC_OK);
  CHECK_STATUS(ac_tensor_create(ctx, AC_F32, 4, shape4, &m1), AC_OK);
  CHECK_STATUS(ac_tensor_create(ctx, AC_F32, 1, per, &a0), AC_OK);
  CHECK_STATUS(ac_tensor_create(ctx, AC_F32, 1, per, &a1), AC_OK);
  CHECK_STATUS(ac_tensor_create(ctx, AC_I32, 1, per, &out), AC_OK);
  CHECK_STATUS(ac_tensor_fill(x, 0.25f), AC_OK);
  CHECK_STATUS(ac_gaussian_blur(ctx, x, 1.0f, y), AC_OK);
  CHECK_STATUS(ac_gaussian_blur(ctx, x, 1.0f, x), AC_OK);  // in place
  CHECK_STATUS(ac_gaussian_blur(ctx, x, 0.0f, y), AC_ERR_INVALID_ARGUMENT);
  CHECK(std::strstr(ac_last_error(), "sigma") != nullptr);
  CHECK_STATUS(ac_gaussian_blur(ctx, x, -1.0f, y), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_gaussian_blur(ctx, x, std::nanf(""), y), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_gaussian_blur(ctx, x, INFINITY, y), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_gaussian_blur(ctx, flat, 1.0f, flat), AC_ERR_SHAPE);
  CHECK_STATUS(ac_gaussian_blur(ctx, x, 1.0f, flat), AC_ERR_SHAPE);
  CHECK_STATUS(ac_smooth_clip_masks(ctx, x, y, 1.0f, m0, m1, a0, a1, out), AC_OK);
  CHECK_STATUS(ac_smooth_clip_masks(ctx, x, y, 0.0f, m0, m1, a0, a1, out), AC_ERR_INVALID_ARGUMENT);
  CHECK(std::strstr(ac_last_error(), "eps") != nullptr);
  CHECK_STATUS(ac_smooth_clip_masks(ctx, x, y, 1.0f, m0, m0, a0, a1, out), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_smooth_clip_masks(ctx, x, y, 1.0f, m0, m1, a0, a1, a0), AC_ERR_SHAPE);
  CHECK_STATUS(ac_smooth_clip_masks(ctx, x, flat, 1.0f, m0, m1, a0, a1, out), AC_ERR_SHAPE);
  for (ac_tensor* t : {x, y, flat, m0, m1, a0, a1, out}) ac_tensor_destroy(t);
  ac_context_destroy(ctx);
}

// ---------------------------------------------------------------- CUDA (or its emulator)

namespace {

std::unique_ptr<ac::Backend> lowpass_cuda_or_skip() {
  std::string reason;
  if (!ac::cuda_available(&reason)) SKIP(reason);
  return ac::make_cuda_backend(&reason);
}

// A device copy of a host vector, read back with host().
template <class T>
struct DevVec {
  ac::Backend& b;
  size_t n;
  void* p;
  DevVec(ac::Backend& be, const std::vector<T>& h) : b(be), n(h.size()), p(be.alloc(std::max<size_t>(n, 1) * sizeof(T))) {
    b.copy_from_host(p, h.data(), n * sizeof(T));
  }
  ~DevVec() { b.free(p); }
  DevVec(const DevVec&) = delete;
  DevVec& operator=(const DevVec&) = delete;
  T* get() const { return static_cast<T*>(p); }
  std::vector<T> host() const {
    std::vector<T> h(n);
    b.copy_to_host(h.data(), p, n * sizeof(T));
    return h;
  }
};

}  // namespace

TEST(cuda_lowpass_blur_matches_reference) {
  auto gpu = lowpass_cuda_or_skip();
  uint64_t seed = 100;
  for (const auto& b : blur_cases()) {
    fvec x = random_planes(b, seed++);
    dvec want = reference_blur(b, x);
    fvec nan(x.size(), std::nanf(""));
    DevVec<float> gx(*gpu, x), gy(*gpu, nan);
    gpu->gaussian_blur(b.n * b.c, b.h, b.w, b.sigma, gx.get(), gy.get());
    CHECK_CLOSE(gy.host(), want, 1e-5);
    gpu->gaussian_blur(b.n * b.c, b.h, b.w, b.sigma, gx.get(), gx.get());  // in place
    CHECK(gx.host() == gy.host());
  }
}

TEST(cuda_lowpass_smooth_clip_masks_match_reference) {
  auto gpu = lowpass_cuda_or_skip();
  for (auto [n, d] : {std::pair<int64_t, int64_t>{1, 1}, std::pair<int64_t, int64_t>{5, 784},
                      std::pair<int64_t, int64_t>{67, 3072}}) {
    ClipBatch b = clip_batch(n, d, static_cast<uint64_t>(n + d));
    ClipOut ref(b);
    ac::ref::smooth_clip_masks<float>(n, d, b.x.data(), b.r.data(), 1.0f, ref.m0.data(), ref.m1.data(),
                                      ref.a0.data(), ref.a1.data(), ref.outside.data());
    fvec nan(b.x.size(), std::nanf("")), nan_n(static_cast<size_t>(n), std::nanf(""));
    DevVec<float> gx(*gpu, b.x), gr(*gpu, b.r), m0(*gpu, nan), m1(*gpu, nan), a0(*gpu, nan_n), a1(*gpu, nan_n);
    DevVec<int32_t> out(*gpu, std::vector<int32_t>(static_cast<size_t>(n), -1));
    gpu->smooth_clip_masks(n, d, gx.get(), gr.get(), 1.0f, m0.get(), m1.get(), a0.get(), a1.get(), out.get());
    CHECK(m0.host() == ref.m0 && m1.host() == ref.m1);
    CHECK(a0.host() == ref.a0 && a1.host() == ref.a1);
    CHECK(out.host() == ref.outside);
  }
}
