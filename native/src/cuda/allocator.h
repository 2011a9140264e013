// A caching device allocator: freed blocks go to a free list keyed by their size class and
// are handed out again without a driver call. All work of one backend runs on one stream,
// so a block freed while kernels that use it are still queued can be reused at once: the
// next user's work is queued behind them. When cuMemAlloc runs out of memory the cache is
// returned to the driver (after synchronising the stream) and the allocation retried.
#pragma once
#include <cstddef>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "driver.h"

namespace ac::cuda {

class DeviceAllocator {
 public:
  // `synchronize` waits for the owner's stream; `device_name` goes into OOM messages.
  DeviceAllocator(std::function<void()> synchronize, std::string device_name);
  DeviceAllocator(const DeviceAllocator&) = delete;
  DeviceAllocator& operator=(const DeviceAllocator&) = delete;
  ~DeviceAllocator();

  // A block of at least `bytes` bytes (never null). Throws ac::Error, AC_ERR_OUT_OF_MEMORY
  // when the device is full even after the cache was released.
  void* allocate(size_t bytes);
  // Back to the cache. Unknown pointers are ignored.
  void release(void* p) noexcept;
  // Blocks that bypass the cache (large, long-lived scratch such as the im2col workspace).
  void* allocate_uncached(size_t bytes);
  void release_uncached(void* p) noexcept;
  // Return every cached block to the driver. The caller has synchronised the stream.
  void trim() noexcept;

  size_t cached_bytes() const;
  size_t live_bytes() const;

  // The size class of a request: powers of two from 512 B to 1 MiB, then multiples of 1 MiB.
  static size_t size_class(size_t bytes);

 private:
  CUdeviceptr raw_alloc(size_t bytes);  // cuMemAlloc, with one trim-and-retry on OOM

  std::function<void()> synchronize_;
  std::string device_name_;
  mutable std::mutex mu_;
  std::unordered_map<size_t, std::vector<CUdeviceptr>> free_;
  std::unordered_map<CUdeviceptr, size_t> live_;
  size_t cached_ = 0, live_total_ = 0;
};

}  // namespace ac::cuda
