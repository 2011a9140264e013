// C ABI: tensor creation, views, copies and fills.
#include <cstring>

#include "check.h"

namespace ac {

Storage::~Storage() {
  if (data) ctx->backend->free(data);
}

namespace {

constexpr int64_t kMaxElements = int64_t{1} << 40;

std::array<int64_t, AC_MAX_DIMS> read_shape(const char* op, int32_t ndim, const int64_t* shape,
                                            int64_t* count) {
  if (ndim < 1 || ndim > AC_MAX_DIMS)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: ndim %d is outside 1..%d", op, ndim, AC_MAX_DIMS));
  if (!shape) fail(AC_ERR_INVALID_ARGUMENT, format("%s: shape must not be null", op));
  std::array<int64_t, AC_MAX_DIMS> dims{};
  int64_t c = 1;
  for (int i = 0; i < ndim; ++i) {
    if (shape[i] < 1)
      fail(AC_ERR_INVALID_ARGUMENT, format("%s: dimension %d is %lld; every dimension must be >= 1",
                                           op, i, static_cast<long long>(shape[i])));
    if (shape[i] > kMaxElements || c > kMaxElements / shape[i])
      fail(AC_ERR_INVALID_ARGUMENT,
           format("%s: more than 2^40 elements requested; refusing an absurd size", op));
    c *= shape[i];
    dims[i] = shape[i];
  }
  *count = c;
  return dims;
}

size_t tensor_bytes(const ac_tensor& t) { return static_cast<size_t>(t.count()) * 4; }

}  // namespace
}  // namespace ac

using namespace ac;

extern "C" {

AC_API ac_status ac_tensor_create(ac_context* ctx, ac_dtype dtype, int32_t ndim,
                                  const int64_t* shape, ac_tensor** out) {
  return guard([&] {
    if (!out) fail(AC_ERR_INVALID_ARGUMENT, "tensor_create: out must not be null");
    *out = nullptr;
    auto owner = shared_context(ctx);
    if (dtype != AC_F32 && dtype != AC_I32)
      fail(AC_ERR_INVALID_ARGUMENT, format("tensor_create: unknown dtype %d", static_cast<int>(dtype)));
    int64_t count = 0;
    auto dims = read_shape("tensor_create", ndim, shape, &count);
    auto storage = std::make_shared<Storage>();
    storage->ctx = owner;
    storage->bytes = static_cast<size_t>(count) * dtype_size(dtype);
    storage->data = owner->backend->alloc(storage->bytes);
    owner->backend->fill(static_cast<float*>(storage->data), count, 0.0f);  // 0 bits for i32 too
    auto t = std::make_unique<ac_tensor>();
    t->storage = std::move(storage);
    t->dtype = dtype;
    t->ndim = ndim;
    t->shape = dims;
    *out = register_tensor(std::move(t));
  });
}

AC_API ac_status ac_tensor_view(ac_tensor* src, int32_t ndim, const int64_t* shape,
                                ac_tensor** out) {
  return guard([&] {
    if (!out) fail(AC_ERR_INVALID_ARGUMENT, "tensor_view: out must not be null");
    *out = nullptr;
    check_tensor(src, "src");
    int64_t count = 0;
    auto dims = read_shape("tensor_view", ndim, shape, &count);
    if (count != src->count())
      fail(AC_ERR_SHAPE, format("tensor_view: %lld elements cannot view a tensor of shape %s",
                                static_cast<long long>(count), shape_string(*src).c_str()));
    auto t = std::make_unique<ac_tensor>();
    t->storage = src->storage;
    t->dtype = src->dtype;
    t->ndim = ndim;
    t->shape = dims;
    *out = register_tensor(std::move(t));
  });
}

AC_API ac_status ac_tensor_destroy(ac_tensor* t) {
  return guard([&] {
    if (t) release_tensor(t);
  });
}

AC_API ac_status ac_tensor_dtype(const ac_tensor* t, ac_dtype* dtype) {
  return guard([&] {
    check_tensor(t, "tensor");
    if (!dtype) fail(AC_ERR_INVALID_ARGUMENT, "dtype must not be null");
    *dtype = t->dtype;
  });
}

AC_API ac_status ac_tensor_ndim(const ac_tensor* t, int32_t* ndim) {
  return guard([&] {
    check_tensor(t, "tensor");
    if (!ndim) fail(AC_ERR_INVALID_ARGUMENT, "ndim must not be null");
    *ndim = t->ndim;
  });
}

AC_API ac_status ac_tensor_shape(const ac_tensor* t, int64_t* shape) {
  return guard([&] {
    check_tensor(t, "tensor");
    if (!shape) fail(AC_ERR_INVALID_ARGUMENT, "shape must not be null");
    for (int i = 0; i < t->ndim; ++i) shape[i] = t->shape[i];
  });
}

AC_API ac_status ac_tensor_count(const ac_tensor* t, int64_t* count) {
  return guard([&] {
    check_tensor(t, "tensor");
    if (!count) fail(AC_ERR_INVALID_ARGUMENT, "count must not be null");
    *count = t->count();
  });
}

AC_API ac_status ac_tensor_copy_from_host(ac_tensor* t, const void* src, int64_t bytes) {
  return guard([&] {
    check_tensor(t, "tensor");
    if (!src) fail(AC_ERR_INVALID_ARGUMENT, "copy_from_host: src must not be null");
    if (bytes < 0 || static_cast<size_t>(bytes) != tensor_bytes(*t))
      fail(AC_ERR_SHAPE, format("copy_from_host: %lld bytes given, tensor %s holds %zu",
                                static_cast<long long>(bytes), shape_string(*t).c_str(),
                                tensor_bytes(*t)));
    t->backend().copy_from_host(t->storage->data, src, tensor_bytes(*t));
  });
}

AC_API ac_status ac_tensor_copy_to_host(const ac_tensor* t, void* dst, int64_t bytes) {
  return guard([&] {
    check_tensor(t, "tensor");
    if (!dst) fail(AC_ERR_INVALID_ARGUMENT, "copy_to_host: dst must not be null");
    if (bytes < 0 || static_cast<size_t>(bytes) != tensor_bytes(*t))
      fail(AC_ERR_SHAPE, format("copy_to_host: %lld bytes asked, tensor %s holds %zu",
                                static_cast<long long>(bytes), shape_string(*t).c_str(),
                                tensor_bytes(*t)));
    t->backend().copy_to_host(dst, t->storage->data, tensor_bytes(*t));
  });
}

AC_API ac_status ac_tensor_copy(ac_tensor* dst, const ac_tensor* src) {
  return guard([&] {
    const char* op = "tensor_copy";
    need(op, "src", src, src ? src->dtype : AC_F32);
    need(op, "dst", dst, src->dtype, src);
    need_count(op, "dst", *dst, src->count());
    if (dst->storage->data != src->storage->data)
      dst->backend().copy(dst->storage->data, src->storage->data, tensor_bytes(*src));
  });
}

AC_API ac_status ac_tensor_fill(ac_tensor* t, float value) {
  return guard([&] {
    need("tensor_fill", "tensor", t);
    t->backend().fill(t->f32(), t->count(), value);
  });
}

AC_API ac_status ac_tensor_copy_samples(ac_tensor* dst, int64_t dst_start, const ac_tensor* src,
                                        int64_t src_start, int64_t count) {
  return guard([&] {
    const char* op = "tensor_copy_samples";
    need(op, "src", src, src ? src->dtype : AC_F32);
    need(op, "dst", dst, src->dtype, src);
    if (dst->per_sample() != src->per_sample())
      fail(AC_ERR_SHAPE, format("%s: per-sample sizes differ (%s vs %s)", op,
                                shape_string(*dst).c_str(), shape_string(*src).c_str()));
    if (count < 0 || src_start < 0 || dst_start < 0 || src_start + count > src->batch() ||
        dst_start + count > dst->batch())
      fail(AC_ERR_INVALID_ARGUMENT,
           format("%s: range [%lld, +%lld) -> [%lld, +%lld) is outside the tensors (%lld, %lld samples)",
                  op, static_cast<long long>(src_start), static_cast<long long>(count),
                  static_cast<long long>(dst_start), static_cast<long long>(count),
                  static_cast<long long>(src->batch()), static_cast<long long>(dst->batch())));
    size_t sample_bytes = static_cast<size_t>(src->per_sample()) * 4;
    if (count == 0) return;
    dst->backend().copy(static_cast<char*>(dst->storage->data) + dst_start * sample_bytes,
                        static_cast<const char*>(src->storage->data) + src_start * sample_bytes,
                        static_cast<size_t>(count) * sample_bytes);
  });
}

AC_API ac_status ac_tensor_check_finite(const ac_tensor* t) {
  return guard([&] {
    need("check_finite", "tensor", t);
    if (!t->backend().all_finite(t->f32(), t->count()))
      fail(AC_ERR_NON_FINITE, format("tensor %s holds NaN or infinite values",
                                     shape_string(*t).c_str()));
  });
}

AC_API ac_status ac_tensor_fill_normal(ac_tensor* t, float mean, float std, uint64_t offset) {
  return guard([&] {
    need("fill_normal", "tensor", t);
    need_finite_param("fill_normal", "mean", mean);
    need_finite_param("fill_normal", "std", std);
    if (std < 0) fail(AC_ERR_INVALID_ARGUMENT, "fill_normal: std must be >= 0");
    t->backend().fill_normal(t->f32(), t->count(), mean, std, t->ctx()->seed, offset);
  });
}

AC_API ac_status ac_tensor_fill_uniform(ac_tensor* t, float lo, float hi, uint64_t offset) {
  return guard([&] {
    need("fill_uniform", "tensor", t);
    need_finite_param("fill_uniform", "lo", lo);
    need_finite_param("fill_uniform", "hi", hi);
    if (!(lo <= hi)) fail(AC_ERR_INVALID_ARGUMENT, "fill_uniform: lo must be <= hi");
    t->backend().fill_uniform(t->f32(), t->count(), lo, hi, t->ctx()->seed, offset);
  });
}

}  // extern "C"
