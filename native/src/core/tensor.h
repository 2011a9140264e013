// Tensors: a shape and a dtype over reference-counted storage owned by a backend. Views
// share storage; the storage keeps its context alive, so handles may be released in any
// order.
#pragma once
#include <array>
#include <memory>

#include "advcore.h"
#include "context.h"

namespace ac {

struct Storage {
  std::shared_ptr<ac_context> ctx;
  void* data = nullptr;
  size_t bytes = 0;
  ~Storage();
};

}  // namespace ac

struct ac_tensor {
  std::shared_ptr<ac::Storage> storage;
  ac_dtype dtype = AC_F32;
  int32_t ndim = 0;
  std::array<int64_t, AC_MAX_DIMS> shape{};

  int64_t count() const {
    int64_t c = 1;
    for (int i = 0; i < ndim; ++i) c *= shape[i];
    return c;
  }
  int64_t batch() const { return shape[0]; }
  int64_t per_sample() const { return count() / shape[0]; }
  ac_context* ctx() const { return storage->ctx.get(); }
  ac::Backend& backend() const { return *storage->ctx->backend; }
  float* f32() const { return static_cast<float*>(storage->data); }
  int32_t* i32() const { return static_cast<int32_t*>(storage->data); }
};

namespace ac {

inline size_t dtype_size(ac_dtype) { return 4; }  // both dtypes are 32-bit

// "2x3x4" for messages.
std::string shape_string(const ac_tensor& t);

}  // namespace ac
