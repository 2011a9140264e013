#include "host_memory.h"

#include <cstdlib>

#include "core/error.h"

namespace ac {

void* host_alloc(size_t bytes) {
  constexpr size_t kAlign = 64;
  if (bytes > SIZE_MAX - kAlign)
    fail(AC_ERR_OUT_OF_MEMORY, format("out of host memory: %zu bytes requested", bytes));
  // aligned_alloc needs a size that is a multiple of the alignment (and > 0).
  size_t rounded = bytes == 0 ? kAlign : (bytes + kAlign - 1) / kAlign * kAlign;
  void* p = std::aligned_alloc(kAlign, rounded);
  if (!p)
    fail(AC_ERR_OUT_OF_MEMORY,
         format("out of host memory: could not allocate %zu bytes (%.1f MiB)", bytes,
                static_cast<double>(bytes) / (1024.0 * 1024.0)));
  return p;
}

void host_free(void* p) noexcept { std::free(p); }

}  // namespace ac
