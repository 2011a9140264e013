#include "check.h"

#include <cmath>
#include <vector>

namespace ac {

std::string shape_string(const ac_tensor& t) {
  std::string s;
  for (int i = 0; i < t.ndim; ++i) {
    if (i) s += "x";
    s += std::to_string(t.shape[i]);
  }
  return s;
}

const ac_tensor& need(const char* op, const char* name, const ac_tensor* t, ac_dtype dtype,
                      const ac_tensor* ref) {
  if (!t) fail(AC_ERR_INVALID_ARGUMENT, format("%s: %s must not be null", op, name));
  check_tensor(t, name);
  if (t->dtype != dtype)
    fail(AC_ERR_SHAPE, format("%s: %s must be %s", op, name, dtype == AC_F32 ? "f32" : "i32"));
  if (ref && ref->ctx() != t->ctx())
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: %s belongs to another context", op, name));
  return *t;
}

void need_ndim(const char* op, const char* name, const ac_tensor& t, int lo, int hi) {
  if (t.ndim < lo || t.ndim > hi) {
    if (lo == hi)
      fail(AC_ERR_SHAPE, format("%s: %s has %d dims (%s), expected %d", op, name, t.ndim,
                                shape_string(t).c_str(), lo));
    fail(AC_ERR_SHAPE, format("%s: %s has %d dims (%s), expected %d to %d", op, name, t.ndim,
                              shape_string(t).c_str(), lo, hi));
  }
}

void need_dim(const char* op, const char* name, const ac_tensor& t, int axis, int64_t value) {
  if (axis >= t.ndim || t.shape[axis] != value)
    fail(AC_ERR_SHAPE, format("%s: %s has shape %s, expected dimension %d to be %lld", op, name,
                              shape_string(t).c_str(), axis, static_cast<long long>(value)));
}

void need_same_shape(const char* op, const char* name, const ac_tensor& t, const ac_tensor& ref,
                     const char* ref_name) {
  bool same = t.ndim == ref.ndim;
  for (int i = 0; same && i < t.ndim; ++i) same = t.shape[i] == ref.shape[i];
  if (!same)
    fail(AC_ERR_SHAPE, format("%s: %s has shape %s but %s has shape %s", op, name,
                              shape_string(t).c_str(), ref_name, shape_string(ref).c_str()));
}

void need_count(const char* op, const char* name, const ac_tensor& t, int64_t count) {
  if (t.count() != count)
    fail(AC_ERR_SHAPE, format("%s: %s has %lld elements (%s), expected %lld", op, name,
                              static_cast<long long>(t.count()), shape_string(t).c_str(),
                              static_cast<long long>(count)));
}

void need_finite_param(const char* op, const char* name, float value) {
  if (!std::isfinite(value))
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: %s must be finite", op, name));
}

void need_per_sample(const char* op, const char* name, const ac_tensor& t, int64_t n) {
  need_count(op, name, t, n);
}

}  // namespace ac

namespace ac {

const ac_tensor& need_on(const char* op, const ac_context* ctx, const char* name,
                         const ac_tensor* t, ac_dtype dtype) {
  check_context(ctx);
  const ac_tensor& tensor = need(op, name, t, dtype);
  if (tensor.ctx() != ctx)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: %s belongs to another context", op, name));
  return tensor;
}

void check_labels(const char* op, const ac_tensor& labels, int64_t k) {
  std::vector<int32_t> host(static_cast<size_t>(labels.count()));
  labels.backend().copy_to_host(host.data(), labels.storage->data, host.size() * 4);
  for (size_t i = 0; i < host.size(); ++i)
    if (host[i] < 0 || host[i] >= k)
      fail(AC_ERR_LABEL_RANGE, format("%s: label %d at index %zu is outside [0, %lld)", op,
                                      host[i], i, static_cast<long long>(k)));
}

void check_label_pairs(const char* op, const ac_tensor& labels, int64_t k) {
  std::vector<int32_t> host(static_cast<size_t>(labels.count()));
  labels.backend().copy_to_host(host.data(), labels.storage->data, host.size() * 4);
  for (size_t i = 0; i + 1 < host.size(); i += 2) {
    const int32_t y = host[i], t = host[i + 1];
    if (y < 0 || y >= k || t < 0 || t >= k)
      fail(AC_ERR_LABEL_RANGE,
           format("%s: labels row %zu holds (y = %d, t = %d); both must be in [0, %lld)", op,
                  i / 2, y, t, static_cast<long long>(k)));
    if (t == y)
      fail(AC_ERR_INVALID_ARGUMENT,
           format("%s: labels row %zu has target t = %d equal to its true label y", op, i / 2, t));
  }
}

}  // namespace ac
