// C ABI: the Gaussian low-pass filter and SmoothClip's out-of-range masks (SmoothFool).
#include <cmath>

#include "check.h"

using namespace ac;

namespace {

// The largest sigma accepted: R = ceil(2.5 sigma) taps must stay a modest loop.
constexpr float kMaxSigma = 1e6f;

void need_sigma(const char* op, float sigma) {
  if (!std::isfinite(sigma) || !(sigma > 0.0f) || sigma > kMaxSigma)
    fail(AC_ERR_INVALID_ARGUMENT,
         format("%s: sigma must be finite, > 0 and <= 1e6 (got %g)", op, static_cast<double>(sigma)));
}

}  // namespace

extern "C" {

AC_API ac_status ac_gaussian_blur(ac_context* ctx, const ac_tensor* x, float sigma, ac_tensor* y) {
  return guard([&] {
    const char* op = "gaussian_blur";
    auto& xt = need_on(op, ctx, "x", x);
    need_ndim(op, "x", xt, 4, 4);
    need_same_shape(op, "y", need(op, "y", y, AC_F32, x), xt, "x");
    need_sigma(op, sigma);
    ctx->backend->gaussian_blur(xt.shape[0] * xt.shape[1], xt.shape[2], xt.shape[3], sigma,
                                xt.f32(), y->f32());
  });
}

AC_API ac_status ac_smooth_clip_masks(ac_context* ctx, const ac_tensor* x, const ac_tensor* r,
                                      float eps, ac_tensor* m0, ac_tensor* m1, ac_tensor* a0,
                                      ac_tensor* a1, ac_tensor* outside) {
  return guard([&] {
    const char* op = "smooth_clip_masks";
    auto& xt = need_on(op, ctx, "x", x);
    need_same_shape(op, "r", need(op, "r", r, AC_F32, x), xt, "x");
    need_same_shape(op, "m0", need(op, "m0", m0, AC_F32, x), xt, "x");
    need_same_shape(op, "m1", need(op, "m1", m1, AC_F32, x), xt, "x");
    need_per_sample(op, "a0", need(op, "a0", a0, AC_F32, x), xt.batch());
    need_per_sample(op, "a1", need(op, "a1", a1, AC_F32, x), xt.batch());
    need_per_sample(op, "outside", need(op, "outside", outside, AC_I32, x), xt.batch());
    if (!std::isfinite(eps) || !(eps > 0.0f))
      fail(AC_ERR_INVALID_ARGUMENT,
           format("%s: eps must be finite and > 0 (got %g)", op, static_cast<double>(eps)));
    const ac_tensor* distinct[] = {x, r, m0, m1};
    for (int i = 0; i < 4; ++i)
      for (int j = i + 1; j < 4; ++j)
        if (distinct[i]->storage == distinct[j]->storage && (i >= 2 || j >= 2))
          fail(AC_ERR_INVALID_ARGUMENT, format("%s: the masks must not share memory with x, r or each other", op));
    ctx->backend->smooth_clip_masks(xt.batch(), xt.per_sample(), xt.f32(), r->f32(), eps,
                                    m0->f32(), m1->f32(), a0->f32(), a1->f32(), outside->i32());
  });
}

}  // extern "C"
