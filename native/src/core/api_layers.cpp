// C ABI: layer forward/backward entry points. Each checks every operand, resolves shapes and
// hands plain pointers to the context's backend.
#include <algorithm>

#include "check.h"

namespace ac {
namespace {

ConvShape conv_shape(const char* op, const ac_tensor& x, const ac_tensor& w,
                     const ac_conv2d_params* p) {
  if (!p) fail(AC_ERR_INVALID_ARGUMENT, format("%s: params must not be null", op));
  need_ndim(op, "x", x, 4, 4);
  need_ndim(op, "w", w, 4, 4);
  need_dim(op, "w", w, 1, x.shape[1]);
  if (p->stride_h < 1 || p->stride_w < 1)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: strides must be >= 1 (got %d, %d)", op,
                                         p->stride_h, p->stride_w));
  if (p->pad_top < 0 || p->pad_bottom < 0 || p->pad_left < 0 || p->pad_right < 0)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: padding must be >= 0", op));
  ConvShape s{};
  s.n = x.shape[0]; s.c = x.shape[1]; s.h = x.shape[2]; s.w = x.shape[3];
  s.o = w.shape[0]; s.kh = w.shape[2]; s.kw = w.shape[3];
  s.sh = p->stride_h; s.sw = p->stride_w; s.pt = p->pad_top; s.pl = p->pad_left;
  int64_t hp = s.h + p->pad_top + p->pad_bottom, wp = s.w + p->pad_left + p->pad_right;
  if (hp < s.kh || wp < s.kw)
    fail(AC_ERR_SHAPE, format("%s: kernel %lldx%lld is larger than the padded input %lldx%lld", op,
                              (long long)s.kh, (long long)s.kw, (long long)hp, (long long)wp));
  if (p->pad_top >= s.kh || p->pad_bottom >= s.kh || p->pad_left >= s.kw || p->pad_right >= s.kw)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: padding must be smaller than the kernel", op));
  s.oh = (hp - s.kh) / s.sh + 1;
  s.ow = (wp - s.kw) / s.sw + 1;
  return s;
}

void need_conv_output(const char* op, const char* name, const ac_tensor& y, const ConvShape& s) {
  need_ndim(op, name, y, 4, 4);
  if (y.shape[0] != s.n || y.shape[1] != s.o || y.shape[2] != s.oh || y.shape[3] != s.ow)
    fail(AC_ERR_SHAPE, format("%s: %s has shape %s, expected %lldx%lldx%lldx%lld", op, name,
                              shape_string(y).c_str(), (long long)s.n, (long long)s.o,
                              (long long)s.oh, (long long)s.ow));
}

PoolShape pool_shape(const char* op, const ac_tensor& x, const ac_pool_params* p) {
  if (!p) fail(AC_ERR_INVALID_ARGUMENT, format("%s: params must not be null", op));
  need_ndim(op, "x", x, 4, 4);
  if (p->kernel_h < 1 || p->kernel_w < 1 || p->stride_h < 1 || p->stride_w < 1)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: kernel and stride must be >= 1", op));
  if (p->pad_h < 0 || p->pad_w < 0 || 2 * p->pad_h > p->kernel_h || 2 * p->pad_w > p->kernel_w)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: padding must be in [0, kernel/2]", op));
  PoolShape s{};
  s.n = x.shape[0]; s.c = x.shape[1]; s.h = x.shape[2]; s.w = x.shape[3];
  s.kh = p->kernel_h; s.kw = p->kernel_w; s.sh = p->stride_h; s.sw = p->stride_w;
  s.ph = p->pad_h; s.pw = p->pad_w;
  int64_t hp = s.h + 2 * s.ph, wp = s.w + 2 * s.pw;
  if (hp < s.kh || wp < s.kw)
    fail(AC_ERR_SHAPE, format("%s: pooling window larger than the input %s", op,
                              shape_string(x).c_str()));
  s.oh = (hp - s.kh) / s.sh + 1;
  s.ow = (wp - s.kw) / s.sw + 1;
  return s;
}

void need_pool_output(const char* op, const char* name, const ac_tensor& y, const PoolShape& s) {
  need_ndim(op, name, y, 4, 4);
  if (y.shape[0] != s.n || y.shape[1] != s.c || y.shape[2] != s.oh || y.shape[3] != s.ow)
    fail(AC_ERR_SHAPE, format("%s: %s has shape %s, expected %lldx%lldx%lldx%lld", op, name,
                              shape_string(y).c_str(), (long long)s.n, (long long)s.c,
                              (long long)s.oh, (long long)s.ow));
}

Activation activation_kind(const char* op, ac_activation kind, float param) {
  need_finite_param(op, "param", param);
  switch (kind) {
    case AC_ACT_RELU: return Activation::Relu;
    case AC_ACT_LEAKY_RELU: return Activation::LeakyRelu;
    case AC_ACT_BOUNDED_RELU:
      if (!(param > 0)) fail(AC_ERR_INVALID_ARGUMENT, format("%s: bounded ReLU needs t > 0", op));
      return Activation::BoundedRelu;
  }
  fail(AC_ERR_INVALID_ARGUMENT, format("%s: unknown activation %d", op, static_cast<int>(kind)));
}

BatchNormShape bn_shape(const char* op, const ac_tensor& x) {
  need_ndim(op, "x", x, 2, 4);
  BatchNormShape s{};
  s.n = x.shape[0];
  s.c = x.shape[1];
  s.hw = x.count() / (s.n * s.c);
  return s;
}

}  // namespace
}  // namespace ac

using namespace ac;

extern "C" {

AC_API ac_status ac_conv2d_same_padding(int32_t in, int32_t kernel, int32_t stride,
                                        int32_t* pad_before, int32_t* pad_after) {
  return guard([&] {
    if (!pad_before || !pad_after) fail(AC_ERR_INVALID_ARGUMENT, "pad pointers must not be null");
    if (in < 1 || kernel < 1 || stride < 1)
      fail(AC_ERR_INVALID_ARGUMENT, "same_padding: in, kernel and stride must be >= 1");
    int32_t out = (in + stride - 1) / stride;
    int32_t total = std::max((out - 1) * stride + kernel - in, 0);
    *pad_before = total / 2;
    *pad_after = total - total / 2;
  });
}

AC_API ac_status ac_conv2d_forward(ac_context* ctx, const ac_tensor* x, const ac_tensor* w,
                                   const ac_tensor* b, ac_tensor* y, const ac_conv2d_params* p) {
  return guard([&] {
    const char* op = "conv2d_forward";
    auto& xt = need_on(op, ctx, "x", x);
    auto& wt = need(op, "w", w, AC_F32, x);
    auto& yt = need(op, "y", y, AC_F32, x);
    ConvShape s = conv_shape(op, xt, wt, p);
    if (b) need_count(op, "b", need(op, "b", b, AC_F32, x), s.o);
    need_conv_output(op, "y", yt, s);
    ctx->backend->conv2d_forward(s, xt.f32(), wt.f32(), b ? b->f32() : nullptr, yt.f32());
  });
}

AC_API ac_status ac_conv2d_backward(ac_context* ctx, const ac_tensor* x, const ac_tensor* w,
                                    const ac_tensor* dy, ac_tensor* dx, ac_tensor* dw,
                                    ac_tensor* db, const ac_conv2d_params* p) {
  return guard([&] {
    const char* op = "conv2d_backward";
    auto& xt = need_on(op, ctx, "x", x);
    auto& wt = need(op, "w", w, AC_F32, x);
    ConvShape s = conv_shape(op, xt, wt, p);
    need_conv_output(op, "dy", need(op, "dy", dy, AC_F32, x), s);
    if (dx) need_same_shape(op, "dx", need(op, "dx", dx, AC_F32, x), xt, "x");
    if (dw) need_same_shape(op, "dw", need(op, "dw", dw, AC_F32, x), wt, "w");
    if (db) need_count(op, "db", need(op, "db", db, AC_F32, x), s.o);
    ctx->backend->conv2d_backward(s, xt.f32(), wt.f32(), dy->f32(), dx ? dx->f32() : nullptr,
                                  dw ? dw->f32() : nullptr, db ? db->f32() : nullptr);
  });
}

AC_API ac_status ac_linear_forward(ac_context* ctx, const ac_tensor* x, const ac_tensor* w,
                                   const ac_tensor* b, ac_tensor* y) {
  return guard([&] {
    const char* op = "linear_forward";
    auto& xt = need_on(op, ctx, "x", x);
    auto& wt = need(op, "w", w, AC_F32, x);
    auto& yt = need(op, "y", y, AC_F32, x);
    need_ndim(op, "w", wt, 2, 2);
    int64_t n = xt.batch(), in = xt.per_sample(), out = wt.shape[0];
    need_dim(op, "w", wt, 1, in);
    if (b) need_count(op, "b", need(op, "b", b, AC_F32, x), out);
    need_ndim(op, "y", yt, 2, 2);
    need_dim(op, "y", yt, 0, n);
    need_dim(op, "y", yt, 1, out);
    ctx->backend->linear_forward(n, in, out, xt.f32(), wt.f32(), b ? b->f32() : nullptr, yt.f32());
  });
}

AC_API ac_status ac_linear_backward(ac_context* ctx, const ac_tensor* x, const ac_tensor* w,
                                    const ac_tensor* dy, ac_tensor* dx, ac_tensor* dw,
                                    ac_tensor* db) {
  return guard([&] {
    const char* op = "linear_backward";
    auto& xt = need_on(op, ctx, "x", x);
    auto& wt = need(op, "w", w, AC_F32, x);
    auto& dyt = need(op, "dy", dy, AC_F32, x);
    need_ndim(op, "w", wt, 2, 2);
    int64_t n = xt.batch(), in = xt.per_sample(), out = wt.shape[0];
    need_dim(op, "w", wt, 1, in);
    need_ndim(op, "dy", dyt, 2, 2);
    need_dim(op, "dy", dyt, 0, n);
    need_dim(op, "dy", dyt, 1, out);
    if (dx) need_same_shape(op, "dx", need(op, "dx", dx, AC_F32, x), xt, "x");
    if (dw) need_same_shape(op, "dw", need(op, "dw", dw, AC_F32, x), wt, "w");
    if (db) need_count(op, "db", need(op, "db", db, AC_F32, x), out);
    ctx->backend->linear_backward(n, in, out, xt.f32(), wt.f32(), dyt.f32(),
                                  dx ? dx->f32() : nullptr, dw ? dw->f32() : nullptr,
                                  db ? db->f32() : nullptr);
  });
}

AC_API ac_status ac_activation_forward(ac_context* ctx, ac_activation kind, float param,
                                       const ac_tensor* x, ac_tensor* y) {
  return guard([&] {
    const char* op = "activation_forward";
    Activation a = activation_kind(op, kind, param);
    auto& xt = need_on(op, ctx, "x", x);
    need_same_shape(op, "y", need(op, "y", y, AC_F32, x), xt, "x");
    ctx->backend->activation_forward(a, param, xt.count(), xt.f32(), y->f32());
  });
}

AC_API ac_status ac_activation_backward(ac_context* ctx, ac_activation kind, float param,
                                        const ac_tensor* x, const ac_tensor* dy, ac_tensor* dx) {
  return guard([&] {
    const char* op = "activation_backward";
    Activation a = activation_kind(op, kind, param);
    auto& xt = need_on(op, ctx, "x", x);
    need_same_shape(op, "dy", need(op, "dy", dy, AC_F32, x), xt, "x");
    need_same_shape(op, "dx", need(op, "dx", dx, AC_F32, x), xt, "x");
    ctx->backend->activation_backward(a, param, xt.count(), xt.f32(), dy->f32(), dx->f32());
  });
}

AC_API ac_status ac_maxpool_forward(ac_context* ctx, const ac_tensor* x, ac_tensor* y,
                                    const ac_pool_params* p) {
  return guard([&] {
    const char* op = "maxpool_forward";
    auto& xt = need_on(op, ctx, "x", x);
    PoolShape s = pool_shape(op, xt, p);
    need_pool_output(op, "y", need(op, "y", y, AC_F32, x), s);
    ctx->backend->maxpool_forward(s, xt.f32(), y->f32());
  });
}

AC_API ac_status ac_maxpool_backward(ac_context* ctx, const ac_tensor* x, const ac_tensor* dy,
                                     ac_tensor* dx, const ac_pool_params* p) {
  return guard([&] {
    const char* op = "maxpool_backward";
    auto& xt = need_on(op, ctx, "x", x);
    PoolShape s = pool_shape(op, xt, p);
    need_pool_output(op, "dy", need(op, "dy", dy, AC_F32, x), s);
    need_same_shape(op, "dx", need(op, "dx", dx, AC_F32, x), xt, "x");
    ctx->backend->maxpool_backward(s, xt.f32(), dy->f32(), dx->f32());
  });
}

AC_API ac_status ac_avgpool_forward(ac_context* ctx, const ac_tensor* x, ac_tensor* y,
                                    const ac_pool_params* p) {
  return guard([&] {
    const char* op = "avgpool_forward";
    auto& xt = need_on(op, ctx, "x", x);
    PoolShape s = pool_shape(op, xt, p);
    need_pool_output(op, "y", need(op, "y", y, AC_F32, x), s);
    ctx->backend->avgpool_forward(s, xt.f32(), y->f32());
  });
}

AC_API ac_status ac_avgpool_backward(ac_context* ctx, const ac_tensor* dy, ac_tensor* dx,
                                     const ac_pool_params* p) {
  return guard([&] {
    const char* op = "avgpool_backward";
    auto& dxt = need_on(op, ctx, "dx", dx);
    PoolShape s = pool_shape(op, dxt, p);
    need_pool_output(op, "dy", need(op, "dy", dy, AC_F32, dx), s);
    ctx->backend->avgpool_backward(s, dy->f32(), dxt.f32());
  });
}

AC_API ac_status ac_global_avgpool_forward(ac_context* ctx, const ac_tensor* x, ac_tensor* y) {
  return guard([&] {
    const char* op = "global_avgpool_forward";
    auto& xt = need_on(op, ctx, "x", x);
    need_ndim(op, "x", xt, 4, 4);
    auto& yt = need(op, "y", y, AC_F32, x);
    need_dim(op, "y", yt, 0, xt.shape[0]);
    need_count(op, "y", yt, xt.shape[0] * xt.shape[1]);
    ctx->backend->global_avgpool_forward(xt.shape[0] * xt.shape[1], xt.shape[2] * xt.shape[3],
                                         xt.f32(), yt.f32());
  });
}

AC_API ac_status ac_global_avgpool_backward(ac_context* ctx, const ac_tensor* dy, ac_tensor* dx) {
  return guard([&] {
    const char* op = "global_avgpool_backward";
    auto& dxt = need_on(op, ctx, "dx", dx);
    need_ndim(op, "dx", dxt, 4, 4);
    auto& dyt = need(op, "dy", dy, AC_F32, dx);
    need_dim(op, "dy", dyt, 0, dxt.shape[0]);
    need_count(op, "dy", dyt, dxt.shape[0] * dxt.shape[1]);
    ctx->backend->global_avgpool_backward(dxt.shape[0] * dxt.shape[1],
                                          dxt.shape[2] * dxt.shape[3], dyt.f32(), dxt.f32());
  });
}

AC_API ac_status ac_batchnorm_forward(ac_context* ctx, const ac_tensor* x, const ac_tensor* gamma,
                                      const ac_tensor* beta, ac_tensor* running_mean,
                                      ac_tensor* running_var, ac_tensor* save_mean,
                                      ac_tensor* save_invstd, ac_tensor* y, int32_t training,
                                      float momentum, float eps) {
  return guard([&] {
    const char* op = "batchnorm_forward";
    auto& xt = need_on(op, ctx, "x", x);
    BatchNormShape s = bn_shape(op, xt);
    need_count(op, "gamma", need(op, "gamma", gamma, AC_F32, x), s.c);
    need_count(op, "beta", need(op, "beta", beta, AC_F32, x), s.c);
    need_count(op, "running_mean", need(op, "running_mean", running_mean, AC_F32, x), s.c);
    need_count(op, "running_var", need(op, "running_var", running_var, AC_F32, x), s.c);
    need_count(op, "save_mean", need(op, "save_mean", save_mean, AC_F32, x), s.c);
    need_count(op, "save_invstd", need(op, "save_invstd", save_invstd, AC_F32, x), s.c);
    need_same_shape(op, "y", need(op, "y", y, AC_F32, x), xt, "x");
    need_finite_param(op, "momentum", momentum);
    if (!(eps > 0)) fail(AC_ERR_INVALID_ARGUMENT, "batchnorm_forward: eps must be > 0");
    if (momentum < 0 || momentum > 1)
      fail(AC_ERR_INVALID_ARGUMENT, "batchnorm_forward: momentum must be in [0, 1]");
    if (training && s.n * s.hw < 2)
      fail(AC_ERR_SHAPE, "batchnorm_forward: training needs more than one value per channel");
    ctx->backend->batchnorm_forward(s, xt.f32(), gamma->f32(), beta->f32(), running_mean->f32(),
                                    running_var->f32(), save_mean->f32(), save_invstd->f32(),
                                    y->f32(), training != 0, momentum, eps);
  });
}

AC_API ac_status ac_batchnorm_backward(ac_context* ctx, const ac_tensor* x, const ac_tensor* gamma,
                                       const ac_tensor* save_mean, const ac_tensor* save_invstd,
                                       const ac_tensor* dy, ac_tensor* dx, ac_tensor* dgamma,
                                       ac_tensor* dbeta, int32_t training) {
  return guard([&] {
    const char* op = "batchnorm_backward";
    auto& xt = need_on(op, ctx, "x", x);
    BatchNormShape s = bn_shape(op, xt);
    need_count(op, "gamma", need(op, "gamma", gamma, AC_F32, x), s.c);
    need_count(op, "save_mean", need(op, "save_mean", save_mean, AC_F32, x), s.c);
    need_count(op, "save_invstd", need(op, "save_invstd", save_invstd, AC_F32, x), s.c);
    need_same_shape(op, "dy", need(op, "dy", dy, AC_F32, x), xt, "x");
    if (dx) need_same_shape(op, "dx", need(op, "dx", dx, AC_F32, x), xt, "x");
    if (dgamma) need_count(op, "dgamma", need(op, "dgamma", dgamma, AC_F32, x), s.c);
    if (dbeta) need_count(op, "dbeta", need(op, "dbeta", dbeta, AC_F32, x), s.c);
    ctx->backend->batchnorm_backward(s, xt.f32(), gamma->f32(), save_mean->f32(),
                                     save_invstd->f32(), dy->f32(), dx ? dx->f32() : nullptr,
                                     dgamma ? dgamma->f32() : nullptr,
                                     dbeta ? dbeta->f32() : nullptr, training != 0);
  });
}

AC_API ac_status ac_dropout_forward(ac_context* ctx, const ac_tensor* x, ac_tensor* mask,
                                    ac_tensor* y, float p, uint64_t offset) {
  return guard([&] {
    const char* op = "dropout_forward";
    auto& xt = need_on(op, ctx, "x", x);
    need_same_shape(op, "mask", need(op, "mask", mask, AC_F32, x), xt, "x");
    need_same_shape(op, "y", need(op, "y", y, AC_F32, x), xt, "x");
    if (!(p >= 0 && p < 1)) fail(AC_ERR_INVALID_ARGUMENT, "dropout_forward: p must be in [0, 1)");
    ctx->backend->dropout_forward(xt.count(), xt.f32(), mask->f32(), y->f32(), p, ctx->seed,
                                  offset);
  });
}

AC_API ac_status ac_dropout_backward(ac_context* ctx, const ac_tensor* mask, const ac_tensor* dy,
                                     ac_tensor* dx) {
  return guard([&] {
    const char* op = "dropout_backward";
    auto& mt = need_on(op, ctx, "mask", mask);
    need_same_shape(op, "dy", need(op, "dy", dy, AC_F32, mask), mt, "mask");
    need_same_shape(op, "dx", need(op, "dx", dx, AC_F32, mask), mt, "mask");
    ctx->backend->mul(mt.count(), mt.f32(), dy->f32(), dx->f32());
  });
}

AC_API ac_status ac_add(ac_context* ctx, const ac_tensor* a, const ac_tensor* b, ac_tensor* y) {
  return guard([&] {
    const char* op = "add";
    auto& at = need_on(op, ctx, "a", a);
    need_same_shape(op, "b", need(op, "b", b, AC_F32, a), at, "a");
    need_same_shape(op, "y", need(op, "y", y, AC_F32, a), at, "a");
    ctx->backend->add(at.count(), at.f32(), b->f32(), y->f32());
  });
}

}  // extern "C"
