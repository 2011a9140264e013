// Host memory shared by the CPU backends: 64-byte aligned blocks (one cache line, the width
// of an AVX-512 vector), so kernels never straddle a line on their first element.
#pragma once
#include <cstddef>

namespace ac {

// Throws ac::Error(AC_ERR_OUT_OF_MEMORY) naming the size when the allocation fails.
void* host_alloc(size_t bytes);
void host_free(void* p) noexcept;

}  // namespace ac
