// C ABI: the patch operations of the patch-replacement defense (advcore.h, "Patch
// replacement"): geometry, extraction, reconstruction, replacement strategies, E8 quantizer.
#include <cmath>

#include "check.h"

using namespace ac;

namespace {

// The geometry alone: AC_ERR_INVALID_ARGUMENT naming the field.
void need_geometry(const char* op, const ac_patch_geometry* g) {
  if (!g) fail(AC_ERR_INVALID_ARGUMENT, format("%s: the patch geometry must not be null", op));
  if (g->slice_depth < 1)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: slice_depth must be >= 1 (got %d)", op, g->slice_depth));
  if (g->size < 1) fail(AC_ERR_INVALID_ARGUMENT, format("%s: size must be >= 1 (got %d)", op, g->size));
  if (g->stride < 1 || g->stride > g->size)
    fail(AC_ERR_INVALID_ARGUMENT,
         format("%s: stride must be in [1, size = %d] (got %d)", op, g->size, g->stride));
}

// The geometry on a map of depth x height x width (depth < 0: not checked).
void need_fit(const char* op, const ac_patch_geometry* g, int64_t depth, int64_t height,
              int64_t width) {
  need_geometry(op, g);
  if (height < 1 || width < 1)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: the map must be at least 1x1 (got %lldx%lld)", op,
                                         static_cast<long long>(height), static_cast<long long>(width)));
  if (g->size > height || g->size > width)
    fail(AC_ERR_INVALID_ARGUMENT,
         format("%s: patch size %d does not fit a %lldx%lld map", op, g->size,
                static_cast<long long>(height), static_cast<long long>(width)));
  if (depth >= 0 && depth % g->slice_depth != 0)
    fail(AC_ERR_INVALID_ARGUMENT,
         format("%s: depth D = %lld is not a multiple of slice_depth d = %d", op,
                static_cast<long long>(depth), g->slice_depth));
}

// The PatchShape of features [N, D, H, W] under g (checked).
PatchShape patch_shape(const char* op, const ac_tensor& features, const ac_patch_geometry* g) {
  need_ndim(op, "features", features, 4, 4);
  need_fit(op, g, features.shape[1], features.shape[2], features.shape[3]);
  PatchShape s;
  s.n = features.shape[0];
  s.depth = features.shape[1];
  s.h = features.shape[2];
  s.w = features.shape[3];
  s.d = g->slice_depth;
  s.p = g->size;
  s.c = g->stride;
  s.rows = patch_positions(s.h, s.p, s.c);
  s.cols = patch_positions(s.w, s.p, s.c);
  return s;
}

// patches must be exactly [m, N * P, dim].
void need_patches(const char* op, const ac_tensor& patches, const PatchShape& s) {
  const int64_t want[3] = {s.slices(), s.n * s.per_image(), s.dim()};
  bool ok = patches.ndim == 3;
  for (int i = 0; ok && i < 3; ++i) ok = patches.shape[i] == want[i];
  if (!ok)
    fail(AC_ERR_SHAPE,
         format("%s: patches has shape %s, expected %lldx%lldx%lld ([slices, N * patches per "
                "image, size * size * slice_depth])",
                op, shape_string(patches).c_str(), static_cast<long long>(want[0]),
                static_cast<long long>(want[1]), static_cast<long long>(want[2])));
}

}  // namespace

extern "C" {

AC_API ac_status ac_patch_count(const ac_patch_geometry* g, int64_t height, int64_t width,
                                int64_t* count) {
  return guard([&] {
    const char* op = "patch_count";
    if (!count) fail(AC_ERR_INVALID_ARGUMENT, format("%s: count must not be null", op));
    need_fit(op, g, -1, height, width);
    *count = patch_positions(height, g->size, g->stride) * patch_positions(width, g->size, g->stride);
  });
}

AC_API ac_status ac_patches_extract(ac_context* ctx, const ac_tensor* features,
                                    const ac_patch_geometry* g, ac_tensor* patches) {
  return guard([&] {
    const char* op = "patches_extract";
    auto& ft = need_on(op, ctx, "features", features);
    const PatchShape s = patch_shape(op, ft, g);
    auto& pt = need(op, "patches", patches, AC_F32, features);
    need_patches(op, pt, s);
    if (pt.storage == ft.storage)
      fail(AC_ERR_INVALID_ARGUMENT, format("%s: patches must not share memory with features", op));
    ctx->backend->patches_extract(s, ft.f32(), pt.f32());
  });
}

AC_API ac_status ac_patches_rebuild(ac_context* ctx, const ac_tensor* patches,
                                    const ac_patch_geometry* g, ac_tensor* features) {
  return guard([&] {
    const char* op = "patches_rebuild";
    auto& pt = need_on(op, ctx, "patches", patches);
    auto& ft = need(op, "features", features, AC_F32, patches);
    const PatchShape s = patch_shape(op, ft, g);
    need_patches(op, pt, s);
    if (pt.storage == ft.storage)
      fail(AC_ERR_INVALID_ARGUMENT, format("%s: features must not share memory with patches", op));
    ctx->backend->patches_rebuild(s, pt.f32(), ft.f32());
  });
}

AC_API ac_status ac_patch_strategy_apply(ac_context* ctx, ac_tensor* patches,
                                         const ac_tensor* quantized, int32_t strategy,
                                         float eps) {
  return guard([&] {
    const char* op = "patch_strategy_apply";
    auto& pt = need_on(op, ctx, "patches", patches);
    need_ndim(op, "patches", pt, 1, AC_MAX_DIMS);
    need_same_shape(op, "quantized", need(op, "quantized", quantized, AC_F32, patches), pt, "patches");
    if (strategy < AC_PATCH_PLAIN || strategy > AC_PATCH_LINEAR)
      fail(AC_ERR_INVALID_ARGUMENT,
           format("%s: unknown strategy %d (0 = plain, 1 = L2, 2 = Linf, 3 = linear)", op, strategy));
    if (!std::isfinite(eps) || !(eps >= 0.0f))
      fail(AC_ERR_INVALID_ARGUMENT,
           format("%s: eps must be finite and >= 0 (got %g)", op, static_cast<double>(eps)));
    const int64_t dim = pt.shape[pt.ndim - 1];
    if (dim < 1) return;
    ctx->backend->patch_strategy_apply(pt.count() / dim, dim, strategy, eps, pt.f32(), quantized->f32());
  });
}

AC_API ac_status ac_e8_quantize(ac_context* ctx, const ac_tensor* x, float scale, ac_tensor* out) {
  return guard([&] {
    const char* op = "e8_quantize";
    auto& xt = need_on(op, ctx, "x", x);
    need_same_shape(op, "out", need(op, "out", out, AC_F32, x), xt, "x");
    if (xt.count() % 8 != 0)
      fail(AC_ERR_SHAPE, format("%s: x has %lld elements (%s), not a multiple of 8", op,
                                static_cast<long long>(xt.count()), shape_string(xt).c_str()));
    if (!std::isfinite(scale) || !(scale > 0.0f))
      fail(AC_ERR_INVALID_ARGUMENT,
           format("%s: scale must be finite and > 0 (got %g)", op, static_cast<double>(scale)));
    ctx->backend->e8_quantize(xt.count() / 8, scale, xt.f32(), out->f32());
  });
}

}  // extern "C"
