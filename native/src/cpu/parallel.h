// OpenMP helper for the fast CPU kernels: split [0, count) into contiguous ranges and run
// them on up to `threads` threads. Small jobs stay on the calling thread, because waking a
// team costs more than a few thousand element operations.
#pragma once
#include <algorithm>
#include <cstdint>

namespace ac {

// Items per thread below which splitting does not pay (element-wise float ops).
constexpr int64_t kParallelGrain = 16384;

// Rows of `row_size` items that make one grain (at least 1).
inline int64_t rows_per_grain(int64_t row_size) {
  return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(row_size, 1));
}

// body(begin, end) on disjoint ranges covering [0, count); each range holds at least
// `grain` items (except when count < grain) and every boundary but `count` is a multiple
// of `align` (Philox fills need boundaries on 4-element counters). body must not throw.
template <class F>
void parallel_ranges(int threads, int64_t count, int64_t grain, F&& body, int64_t align = 1) {
  if (count <= 0) return;
  int64_t parts = std::min<int64_t>(threads, count / std::max<int64_t>(grain, 1));
  if (parts <= 1) {
    body(int64_t{0}, count);
    return;
  }
#pragma omp parallel for num_threads(static_cast<int>(parts)) schedule(static, 1)
  for (int64_t t = 0; t < parts; ++t) {
    int64_t begin = count * t / parts / align * align;
    int64_t end = t + 1 == parts ? count : count * (t + 1) / parts / align * align;
    if (begin < end) body(begin, end);
  }
}

}  // namespace ac
