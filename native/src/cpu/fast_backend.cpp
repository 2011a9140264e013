// CpuFastBackend: construction, memory, fills and the factory. The kernels live in
// fast_conv.cpp, fast_linear.cpp, fast_elementwise.cpp, fast_pool.cpp, fast_batchnorm.cpp
// and fast_per_sample.cpp.
#include "fast_backend.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "blas.h"
#include "core/context.h"
#include "parallel.h"
#include "reference.h"

namespace ac {

CpuFastBackend::CpuFastBackend(int threads, size_t column_budget_bytes)
    : threads_(std::max(threads, 1)),
      column_budget_(std::max<size_t>(column_budget_bytes, 1)),
      thread_columns_(new Workspace[static_cast<size_t>(std::max(threads, 1))]),
      thread_staging_(new Workspace[static_cast<size_t>(std::max(threads, 1))]) {
  use_single_threaded_blas();  // GEMMs are split over our own OpenMP team (see blas.h)
}

int64_t CpuFastBackend::workspace_bytes() const {
  std::lock_guard<std::mutex> lock(workspace_mutex_);
  size_t bytes = columns_.bytes() + staging_.bytes();
  for (int t = 0; t < threads_; ++t) bytes += thread_columns_[t].bytes() + thread_staging_[t].bytes();
  return static_cast<int64_t>(bytes);
}

void* CpuFastBackend::alloc(size_t bytes) { return host_alloc(bytes); }
void CpuFastBackend::free(void* p) noexcept { host_free(p); }
// The counters count logical transfers (host memory is device memory here), so that "no
// device read in this loop" can be tested on every backend.
void CpuFastBackend::copy_from_host(void* dst, const void* src, size_t bytes) {
  ++transfers.host_to_device;
  std::memcpy(dst, src, bytes);
}
void CpuFastBackend::copy_to_host(void* dst, const void* src, size_t bytes) {
  ++transfers.device_to_host;
  std::memcpy(dst, src, bytes);
}
void CpuFastBackend::copy(void* dst, const void* src, size_t bytes) { std::memmove(dst, src, bytes); }

void CpuFastBackend::fill(float* x, int64_t count, float value) {
  parallel_ranges(threads_, count, kParallelGrain, [&](int64_t b, int64_t e) {
    std::fill(x + b, x + e, value);
  });
}

bool CpuFastBackend::all_finite(const float* x, int64_t count) {
  ++transfers.device_to_host;  // the verdict is a device read on a GPU
  // Exponent bits all ones means infinity or NaN; the integer test vectorises.
  int bad = 0;
  const int parts = count >= 4 * kParallelGrain ? threads_ : 1;
#pragma omp parallel for num_threads(parts) reduction(| : bad) schedule(static)
  for (int64_t i = 0; i < count; ++i)
    bad |= (std::bit_cast<uint32_t>(x[i]) & 0x7f800000u) == 0x7f800000u;
  return bad == 0;
}

// Fills split at multiples of 4 elements, so each range starts on a Philox counter.
void CpuFastBackend::fill_normal(float* x, int64_t count, float mean, float std, uint64_t seed,
                                 uint64_t offset) {
  parallel_ranges(threads_, count, kParallelGrain / 8, [&](int64_t b, int64_t e) {
    ref::fill_normal(x + b, e - b, mean, std, seed, offset + static_cast<uint64_t>(b / 4));
  }, 4);
}

void CpuFastBackend::fill_uniform(float* x, int64_t count, float lo, float hi, uint64_t seed,
                                  uint64_t offset) {
  parallel_ranges(threads_, count, kParallelGrain / 8, [&](int64_t b, int64_t e) {
    ref::fill_uniform(x + b, e - b, lo, hi, seed, offset + static_cast<uint64_t>(b / 4));
  }, 4);
}

std::unique_ptr<Backend> make_cpu_fast_backend(int threads) {
  return std::make_unique<CpuFastBackend>(threads);
}

}  // namespace ac
