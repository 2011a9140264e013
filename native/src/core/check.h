// Argument checks shared by the ABI entry points. Each throws ac::Error with a message that
// names the operation and the operand, e.g. "conv2d: w has 3 dims, expected 4".
#pragma once
#include "error.h"
#include "registry.h"
#include "tensor.h"

namespace ac {

// A live f32/i32 tensor on the same context as `ref` (when ref is given).
const ac_tensor& need(const char* op, const char* name, const ac_tensor* t,
                      ac_dtype dtype = AC_F32, const ac_tensor* ref = nullptr);
void need_ndim(const char* op, const char* name, const ac_tensor& t, int lo, int hi);
void need_dim(const char* op, const char* name, const ac_tensor& t, int axis, int64_t value);
void need_same_shape(const char* op, const char* name, const ac_tensor& t,
                     const ac_tensor& ref, const char* ref_name);
void need_count(const char* op, const char* name, const ac_tensor& t, int64_t count);
void need_finite_param(const char* op, const char* name, float value);
// A per-sample scalar tensor: f32 with exactly n elements.
void need_per_sample(const char* op, const char* name, const ac_tensor& t, int64_t n);

}  // namespace ac

namespace ac {
// A live context and a live f32 (or `dtype`) tensor that belongs to it: the first operand of
// every op, which fixes the context all other operands must share.
const ac_tensor& need_on(const char* op, const ac_context* ctx, const char* name,
                         const ac_tensor* t, ac_dtype dtype = AC_F32);
// Labels in [0, k); copies them to the host when the tensor lives on a device.
void check_labels(const char* op, const ac_tensor& labels, int64_t k);
// Rows (y, t) of an i32 [N, 2] tensor: both in [0, k) (else AC_ERR_LABEL_RANGE) and t != y
// (else AC_ERR_INVALID_ARGUMENT); the message names the row.
void check_label_pairs(const char* op, const ac_tensor& labels, int64_t k);
}  // namespace ac
