// C ABI: per-sample vector primitives used by the attacks.
#include "check.h"

using namespace ac;

namespace {

// x viewed as [n, d] plus a per-sample [n] tensor.
void need_batch_scalar(const char* op, const char* name, const ac_tensor* s, const ac_tensor& x) {
  need_per_sample(op, name, need(op, name, s, AC_F32, &x), x.batch());
}

}  // namespace

extern "C" {

AC_API ac_status ac_batch_l2_norm(ac_context* ctx, const ac_tensor* x, ac_tensor* out) {
  return guard([&] {
    auto& xt = need_on("batch_l2_norm", ctx, "x", x);
    need_batch_scalar("batch_l2_norm", "out", out, xt);
    ctx->backend->batch_l2_norm(xt.batch(), xt.per_sample(), xt.f32(), out->f32());
  });
}

AC_API ac_status ac_batch_linf_norm(ac_context* ctx, const ac_tensor* x, ac_tensor* out) {
  return guard([&] {
    auto& xt = need_on("batch_linf_norm", ctx, "x", x);
    need_batch_scalar("batch_linf_norm", "out", out, xt);
    ctx->backend->batch_linf_norm(xt.batch(), xt.per_sample(), xt.f32(), out->f32());
  });
}

AC_API ac_status ac_batch_dot(ac_context* ctx, const ac_tensor* a, const ac_tensor* b,
                              ac_tensor* out) {
  return guard([&] {
    const char* op = "batch_dot";
    auto& at = need_on(op, ctx, "a", a);
    need_same_shape(op, "b", need(op, "b", b, AC_F32, a), at, "a");
    need_batch_scalar(op, "out", out, at);
    ctx->backend->batch_dot(at.batch(), at.per_sample(), at.f32(), b->f32(), out->f32());
  });
}

AC_API ac_status ac_batch_axpy(ac_context* ctx, const ac_tensor* alpha, const ac_tensor* x,
                               ac_tensor* y) {
  return guard([&] {
    const char* op = "batch_axpy";
    auto& xt = need_on(op, ctx, "x", x);
    need_same_shape(op, "y", need(op, "y", y, AC_F32, x), xt, "x");
    need_batch_scalar(op, "alpha", alpha, xt);
    ctx->backend->batch_axpy(xt.batch(), xt.per_sample(), alpha->f32(), xt.f32(), y->f32());
  });
}

AC_API ac_status ac_batch_scale(ac_context* ctx, const ac_tensor* alpha, ac_tensor* x) {
  return guard([&] {
    auto& xt = need_on("batch_scale", ctx, "x", x);
    need_batch_scalar("batch_scale", "alpha", alpha, xt);
    ctx->backend->batch_scale(xt.batch(), xt.per_sample(), alpha->f32(), xt.f32());
  });
}

AC_API ac_status ac_clip01(ac_context* ctx, ac_tensor* x) {
  return guard([&] {
    auto& xt = need_on("clip01", ctx, "x", x);
    ctx->backend->clip01(xt.count(), xt.f32());
  });
}

AC_API ac_status ac_project_l2(ac_context* ctx, const ac_tensor* center, const ac_tensor* eps,
                               ac_tensor* y) {
  return guard([&] {
    const char* op = "project_l2";
    auto& yt = need_on(op, ctx, "y", y);
    need_same_shape(op, "center", need(op, "center", center, AC_F32, y), yt, "y");
    need_batch_scalar(op, "eps", eps, yt);
    ctx->backend->project_l2(yt.batch(), yt.per_sample(), center->f32(), eps->f32(), yt.f32());
  });
}

AC_API ac_status ac_project_linf(ac_context* ctx, const ac_tensor* center, const ac_tensor* eps,
                                 ac_tensor* y) {
  return guard([&] {
    const char* op = "project_linf";
    auto& yt = need_on(op, ctx, "y", y);
    need_same_shape(op, "center", need(op, "center", center, AC_F32, y), yt, "y");
    need_batch_scalar(op, "eps", eps, yt);
    ctx->backend->project_linf(yt.batch(), yt.per_sample(), center->f32(), eps->f32(), yt.f32());
  });
}

AC_API ac_status ac_quantize8(ac_context* ctx, ac_tensor* x) {
  return guard([&] {
    auto& xt = need_on("quantize8", ctx, "x", x);
    ctx->backend->quantize8(xt.count(), xt.f32());
  });
}

}  // extern "C"
