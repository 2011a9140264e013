// Pooling on the fast CPU backend: planes (one channel of one sample) are independent, so
// x is viewed as [1, N*C, H, W] and ranges of planes go to the reference kernels.
#include "fast_backend.h"
#include "parallel.h"
#include "reference.h"

namespace ac {
namespace {

// A run of `count` planes as a PoolShape of its own.
PoolShape planes(const PoolShape& s, int64_t count) {
  PoolShape sub = s;
  sub.n = 1;
  sub.c = count;
  return sub;
}

}  // namespace

void CpuFastBackend::maxpool_forward(const PoolShape& s, const float* x, float* y) {
  const int64_t in = s.h * s.w, out = s.oh * s.ow;
  parallel_ranges(threads_, s.n * s.c, rows_per_grain(in), [&](int64_t b, int64_t e) {
    ref::maxpool_forward(planes(s, e - b), x + b * in, y + b * out);
  });
}

void CpuFastBackend::maxpool_backward(const PoolShape& s, const float* x, const float* dy,
                                      float* dx) {
  const int64_t in = s.h * s.w, out = s.oh * s.ow;
  parallel_ranges(threads_, s.n * s.c, rows_per_grain(in), [&](int64_t b, int64_t e) {
    ref::maxpool_backward(planes(s, e - b), x + b * in, dy + b * out, dx + b * in);
  });
}

void CpuFastBackend::avgpool_forward(const PoolShape& s, const float* x, float* y) {
  const int64_t in = s.h * s.w, out = s.oh * s.ow;
  parallel_ranges(threads_, s.n * s.c, rows_per_grain(in), [&](int64_t b, int64_t e) {
    ref::avgpool_forward(planes(s, e - b), x + b * in, y + b * out);
  });
}

void CpuFastBackend::avgpool_backward(const PoolShape& s, const float* dy, float* dx) {
  const int64_t in = s.h * s.w, out = s.oh * s.ow;
  parallel_ranges(threads_, s.n * s.c, rows_per_grain(in), [&](int64_t b, int64_t e) {
    ref::avgpool_backward(planes(s, e - b), dy + b * out, dx + b * in);
  });
}

void CpuFastBackend::global_avgpool_forward(int64_t nc, int64_t hw, const float* x, float* y) {
  parallel_ranges(threads_, nc, rows_per_grain(hw), [&](int64_t b, int64_t e) {
    ref::global_avgpool_forward(e - b, hw, x + b * hw, y + b);
  });
}

void CpuFastBackend::global_avgpool_backward(int64_t nc, int64_t hw, const float* dy, float* dx) {
  parallel_ranges(threads_, nc, rows_per_grain(hw), [&](int64_t b, int64_t e) {
    ref::global_avgpool_backward(e - b, hw, dy + b, dx + b * hw);
  });
}

}  // namespace ac
