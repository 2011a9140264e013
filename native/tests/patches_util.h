// Helpers of the patch-replacement tests (test_patches.cpp, cuda_patches_parity.cpp): owned
// ABI handles, the geometry cases (odd sizes: N 1 and 3; D 1, 3, 64 with d 1, 4, 8; H = W 28
// and 13; p 1, 3, 5; stride 1, 2, p), and one run of every patch op through the C ABI on a
// context, so that contexts (reference, fast, CUDA) can be compared result by result.
#pragma once
#include <cstdint>
#include <vector>

#include "advcore.h"
#include "test_util.h"

namespace patches_test {

using testutil::fvec;

struct Ctx {
  ac_context* ctx = nullptr;
  Ctx(ac_device device, uint32_t flags, int32_t threads = 3) {
    CHECK_STATUS(ac_context_create(device, threads, 5, flags, &ctx), AC_OK);
  }
  Ctx(const Ctx&) = delete;
  Ctx& operator=(const Ctx&) = delete;
  ~Ctx() { ac_context_destroy(ctx); }
};

struct Tensor {
  ac_tensor* t = nullptr;
  Tensor(ac_context* ctx, std::vector<int64_t> shape) {
    CHECK_STATUS(ac_tensor_create(ctx, AC_F32, static_cast<int32_t>(shape.size()), shape.data(), &t), AC_OK);
  }
  Tensor(ac_context* ctx, std::vector<int64_t> shape, const fvec& values) : Tensor(ctx, shape) { write(values); }
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  ~Tensor() { ac_tensor_destroy(t); }
  void write(const fvec& values) {
    CHECK_STATUS(ac_tensor_copy_from_host(t, values.data(), static_cast<int64_t>(values.size() * 4)), AC_OK);
  }
  fvec read() const {
    int64_t count = 0;
    ac_tensor_count(t, &count);
    fvec out(static_cast<size_t>(count));
    CHECK_STATUS(ac_tensor_copy_to_host(t, out.data(), count * 4), AC_OK);
    return out;
  }
};

struct Case {
  int64_t n, depth, hw;
  int32_t d, p, c;
};

// Every combination of the sizes above (strides clipped to p, duplicates dropped; D = 64 at
// H = 28 only for N = 1, to keep the run short).
inline std::vector<Case> all_cases() {
  std::vector<Case> v;
  const int64_t dd[][2] = {{1, 1}, {3, 1}, {64, 4}, {64, 8}};
  for (int64_t n : {1, 3})
    for (auto& de : dd)
      for (int64_t hw : {28, 13})
        for (int32_t p : {1, 3, 5})
          for (int32_t c : {1, 2, p}) {
            if (c > p) continue;
            if (n == 3 && de[0] == 64 && hw == 28) continue;  // the largest maps once, at N = 1
            bool dup = false;
            for (const Case& o : v) dup |= o.n == n && o.depth == de[0] && o.hw == hw && o.d == de[1] && o.p == p && o.c == c;
            if (!dup) v.push_back({n, de[0], hw, static_cast<int32_t>(de[1]), p, c});
          }
  return v;
}

inline ac_patch_geometry geometry(const Case& cs) { return ac_patch_geometry{cs.d, cs.p, cs.c}; }

inline int64_t patch_count(const Case& cs) {
  ac_patch_geometry g = geometry(cs);
  int64_t count = -1;
  CHECK_STATUS(ac_patch_count(&g, cs.hw, cs.hw, &count), AC_OK);
  return count;
}

inline std::vector<int64_t> features_shape(const Case& cs) { return {cs.n, cs.depth, cs.hw, cs.hw}; }
inline std::vector<int64_t> patches_shape(const Case& cs) {
  return {cs.depth / cs.d, cs.n * patch_count(cs), static_cast<int64_t>(cs.p) * cs.p * cs.d};
}

// Random quantized patches near p: row r moves by a random amount whose size varies over
// rows (some rows land inside an eps ball or box of ~0.3, some far outside).
inline fvec nearby(testutil::Rng& rng, const fvec& p, int64_t dim) {
  fvec q(p.size());
  for (size_t r = 0; r * static_cast<size_t>(dim) < p.size(); ++r) {
    const double size = rng.uniform(0.001, 0.2);
    for (int64_t j = 0; j < dim; ++j) {
      const size_t at = r * static_cast<size_t>(dim) + static_cast<size_t>(j);
      q[at] = static_cast<float>(p[at] + rng.uniform(-size, size));
    }
  }
  return q;
}

struct Results {
  fvec patches, rebuilt, rebuilt_random, strategies[4], e8;
};

// Every op on ctx: extract `features`, rebuild the extraction and `random_patches`, each
// strategy at `eps` on (the extraction, quantized), E8 at `scale` on the extraction.
inline Results run_all(ac_context* ctx, const Case& cs, const fvec& features, const fvec& random_patches,
                       const fvec& quantized, float eps, float scale) {
  const ac_patch_geometry g = geometry(cs);
  Results r;
  Tensor f(ctx, features_shape(cs), features), p(ctx, patches_shape(cs)), out(ctx, features_shape(cs));
  CHECK_STATUS(ac_patches_extract(ctx, f.t, &g, p.t), AC_OK);
  r.patches = p.read();
  CHECK_STATUS(ac_patches_rebuild(ctx, p.t, &g, out.t), AC_OK);
  r.rebuilt = out.read();
  Tensor rp(ctx, patches_shape(cs), random_patches);
  CHECK_STATUS(ac_patches_rebuild(ctx, rp.t, &g, out.t), AC_OK);
  r.rebuilt_random = out.read();
  Tensor q(ctx, patches_shape(cs), quantized);
  for (int32_t s = 0; s < 4; ++s) {
    Tensor work(ctx, patches_shape(cs), r.patches);
    CHECK_STATUS(ac_patch_strategy_apply(ctx, work.t, q.t, s, eps), AC_OK);
    r.strategies[s] = work.read();
  }
  if (cs.d % 8 == 0) {
    Tensor e(ctx, patches_shape(cs));
    CHECK_STATUS(ac_e8_quantize(ctx, p.t, scale, e.t), AC_OK);
    r.e8 = e.read();
  }
  return r;
}

}  // namespace patches_test
