// C ABI: losses, argmax and optimiser updates.
#include <vector>

#include "check.h"
#include "context.h"

using namespace ac;

extern "C" {

AC_API ac_status ac_loss_forward_backward(ac_context* ctx, ac_loss kind, float param,
                                          const ac_tensor* logits, const ac_tensor* labels,
                                          ac_tensor* loss, ac_tensor* dlogits) {
  return guard([&] {
    const char* op = "loss";
    auto& lt = need_on(op, ctx, "logits", logits);
    need_ndim(op, "logits", lt, 2, 2);
    int64_t n = lt.shape[0], k = lt.shape[1];
    if (k < 2) fail(AC_ERR_SHAPE, "loss: logits need at least 2 classes");
    auto& yt = need(op, "labels", labels, AC_I32, logits);
    if (kind == AC_LOSS_DLR_TARGETED) {
      // One (y, t) pair per row.
      if (yt.ndim != 2 || yt.shape[0] != n || yt.shape[1] != 2)
        fail(AC_ERR_SHAPE, format("loss: DLR targeted labels must be i32 [%lld, 2] holding (y, t) "
                                  "per row, got [%s]",
                                  static_cast<long long>(n), shape_string(yt).c_str()));
    } else {
      need_count(op, "labels", yt, n);
    }
    need_count(op, "loss", need(op, "loss", loss, AC_F32, logits), n);
    if (dlogits) need_same_shape(op, "dlogits", need(op, "dlogits", dlogits, AC_F32, logits), lt, "logits");
    need_finite_param(op, "param", param);
    Loss l;
    switch (kind) {
      case AC_LOSS_CROSS_ENTROPY:
        if (param < 0 || param >= 1)
          fail(AC_ERR_INVALID_ARGUMENT, "loss: label smoothing must be in [0, 1)");
        l = Loss::CrossEntropy;
        break;
      case AC_LOSS_LOGPROB_MARGIN: l = Loss::LogProbMargin; break;
      case AC_LOSS_CW_MARGIN:
        if (param < 0) fail(AC_ERR_INVALID_ARGUMENT, "loss: C&W margin mu must be >= 0");
        l = Loss::CwMargin;
        break;
      case AC_LOSS_CW_MARGIN_TARGETED:
        if (param < 0) fail(AC_ERR_INVALID_ARGUMENT, "loss: C&W margin mu must be >= 0");
        l = Loss::CwMarginTargeted;
        break;
      case AC_LOSS_DLR:  // param is ignored (any finite value)
        if (k < 3)
          fail(AC_ERR_SHAPE, format("loss: DLR needs at least 3 classes, logits have %lld",
                                    static_cast<long long>(k)));
        l = Loss::Dlr;
        break;
      case AC_LOSS_DLR_TARGETED:  // param is ignored (any finite value)
        if (k < 4)
          fail(AC_ERR_SHAPE, format("loss: DLR targeted needs at least 4 classes, logits have %lld",
                                    static_cast<long long>(k)));
        l = Loss::DlrTargeted;
        break;
      default:
        fail(AC_ERR_INVALID_ARGUMENT, format("loss: unknown loss %d", static_cast<int>(kind)));
    }
    // The value checks read the device back: skipped while a graph is being captured
    // (advcore.h, ac_graph_begin) and while the caller has switched them off
    // (ac_context_set_value_checks: an attack loop that validated its inputs once).
    const bool read_back = ctx->device_value_checks();
    if (read_back) {
      if (l == Loss::DlrTargeted)
        check_label_pairs(op, yt, k);
      else
        check_labels(op, yt, k);
    }
    if (read_back && !ctx->backend->all_finite(lt.f32(), lt.count()))
      fail(AC_ERR_NON_FINITE, "loss: logits hold NaN or infinite values (diverged network or NaN input?)");
    ctx->backend->loss_forward_backward(l, param, n, k, lt.f32(), yt.i32(), loss->f32(),
                                        dlogits ? dlogits->f32() : nullptr);
  });
}

AC_API ac_status ac_argmax(ac_context* ctx, const ac_tensor* logits, ac_tensor* predictions) {
  return guard([&] {
    const char* op = "argmax";
    auto& lt = need_on(op, ctx, "logits", logits);
    need_ndim(op, "logits", lt, 2, 2);
    need_count(op, "predictions", need(op, "predictions", predictions, AC_I32, logits), lt.shape[0]);
    ctx->backend->argmax(lt.shape[0], lt.shape[1], lt.f32(), predictions->i32());
  });
}

AC_API ac_status ac_adam_update(ac_context* ctx, ac_tensor* param, const ac_tensor* grad,
                                ac_tensor* m, ac_tensor* v, float lr, float beta1, float beta2,
                                float eps, float weight_decay, int64_t step) {
  return guard([&] {
    const char* op = "adam_update";
    auto& pt = need_on(op, ctx, "param", param);
    need_same_shape(op, "grad", need(op, "grad", grad, AC_F32, param), pt, "param");
    need_same_shape(op, "m", need(op, "m", m, AC_F32, param), pt, "param");
    need_same_shape(op, "v", need(op, "v", v, AC_F32, param), pt, "param");
    need_finite_param(op, "lr", lr);
    need_finite_param(op, "weight_decay", weight_decay);
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
      fail(AC_ERR_INVALID_ARGUMENT, "adam_update: betas must be in [0, 1)");
    if (!(eps > 0)) fail(AC_ERR_INVALID_ARGUMENT, "adam_update: eps must be > 0");
    if (step < 1) fail(AC_ERR_INVALID_ARGUMENT, "adam_update: step is 1-based and must be >= 1");
    ctx->backend->adam_update(pt.count(), pt.f32(), grad->f32(), m->f32(), v->f32(), lr, beta1,
                              beta2, eps, weight_decay, step);
  });
}

AC_API ac_status ac_sgd_update(ac_context* ctx, ac_tensor* param, const ac_tensor* grad,
                               ac_tensor* velocity, float lr, float momentum, float weight_decay,
                               int32_t nesterov) {
  return guard([&] {
    const char* op = "sgd_update";
    auto& pt = need_on(op, ctx, "param", param);
    need_same_shape(op, "grad", need(op, "grad", grad, AC_F32, param), pt, "param");
    need_same_shape(op, "velocity", need(op, "velocity", velocity, AC_F32, param), pt, "param");
    need_finite_param(op, "lr", lr);
    need_finite_param(op, "momentum", momentum);
    need_finite_param(op, "weight_decay", weight_decay);
    if (momentum < 0) fail(AC_ERR_INVALID_ARGUMENT, "sgd_update: momentum must be >= 0");
    ctx->backend->sgd_update(pt.count(), pt.f32(), grad->f32(), velocity->f32(), lr, momentum,
                             weight_decay, nesterov != 0);
  });
}

}  // extern "C"
