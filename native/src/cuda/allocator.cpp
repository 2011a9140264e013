#include "allocator.h"

#include <cstdint>

namespace ac::cuda {

namespace {
constexpr size_t kMiB = size_t{1} << 20;

std::string human(size_t bytes) {
  double b = static_cast<double>(bytes);
  if (bytes >= (size_t{1} << 30)) return format("%.2f GiB", b / (1024.0 * 1024.0 * 1024.0));
  if (bytes >= kMiB) return format("%.1f MiB", b / (1024.0 * 1024.0));
  return format("%zu bytes", bytes);
}
}  // namespace

DeviceAllocator::DeviceAllocator(std::function<void()> synchronize, std::string device_name)
    : synchronize_(std::move(synchronize)), device_name_(std::move(device_name)) {}

DeviceAllocator::~DeviceAllocator() {
  trim();
  // Live blocks at this point belong to tensors that outlived their context's backend,
  // which the registry prevents; free them anyway rather than leak device memory.
  const DriverApi& api = driver().api;
  for (auto& [p, bytes] : live_) api.cuMemFree(p);
  live_.clear();
}

size_t DeviceAllocator::size_class(size_t bytes) {
  if (bytes <= 512) return 512;
  if (bytes <= kMiB) {
    size_t c = 1024;
    while (c < bytes) c <<= 1;
    return c;
  }
  if (bytes > SIZE_MAX - kMiB) return bytes;  // absurd; let cuMemAlloc refuse it
  return (bytes + kMiB - 1) / kMiB * kMiB;
}

CUdeviceptr DeviceAllocator::raw_alloc(size_t bytes) {
  const DriverApi& api = driver().api;
  CUdeviceptr p = 0;
  CUresult r = api.cuMemAlloc(&p, bytes);
  if (r == CUDA_ERROR_OUT_OF_MEMORY) {
    size_t released = cached_bytes();
    if (synchronize_) synchronize_();
    trim();
    r = api.cuMemAlloc(&p, bytes);
    if (r == CUDA_ERROR_OUT_OF_MEMORY) {
      size_t free_b = 0, total_b = 0;
      api.cuMemGetInfo(&free_b, &total_b);
      fail_cuda(r, "cuMemAlloc",
                format("%s requested on %s; %s free of %s, this context holds %s "
                       "(%s of cached blocks were released first). Use smaller batches.",
                       human(bytes).c_str(), device_name_.c_str(), human(free_b).c_str(),
                       human(total_b).c_str(), human(live_bytes()).c_str(),
                       human(released).c_str()));
    }
  }
  check(r, "cuMemAlloc", format("%s requested on %s", human(bytes).c_str(), device_name_.c_str()));
  return p;
}

void* DeviceAllocator::allocate(size_t bytes) {
  size_t cls = size_class(bytes);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find(cls);
    if (it != free_.end() && !it->second.empty()) {
      CUdeviceptr p = it->second.back();
      it->second.pop_back();
      cached_ -= cls;
      live_[p] = cls;
      live_total_ += cls;
      return reinterpret_cast<void*>(static_cast<uintptr_t>(p));
    }
  }
  CUdeviceptr p = raw_alloc(cls);
  std::lock_guard<std::mutex> lock(mu_);
  live_[p] = cls;
  live_total_ += cls;
  return reinterpret_cast<void*>(static_cast<uintptr_t>(p));
}

void DeviceAllocator::release(void* ptr) noexcept {
  if (!ptr) return;
  CUdeviceptr p = static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(ptr));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(p);
  if (it == live_.end()) return;
  size_t cls = it->second;
  live_.erase(it);
  live_total_ -= cls;
  try {
    free_[cls].push_back(p);
    cached_ += cls;
  } catch (...) {
    driver().api.cuMemFree(p);  // no memory for the free list: give the block back
  }
}

void* DeviceAllocator::allocate_uncached(size_t bytes) {
  CUdeviceptr p = raw_alloc(bytes == 0 ? 1 : bytes);
  return reinterpret_cast<void*>(static_cast<uintptr_t>(p));
}

void DeviceAllocator::release_uncached(void* ptr) noexcept {
  if (ptr) driver().api.cuMemFree(static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(ptr)));
}

void DeviceAllocator::trim() noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  const DriverApi& api = driver().api;
  for (auto& [cls, blocks] : free_)
    for (CUdeviceptr p : blocks) api.cuMemFree(p);
  free_.clear();
  cached_ = 0;
}

size_t DeviceAllocator::cached_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cached_;
}

size_t DeviceAllocator::live_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return live_total_;
}

}  // namespace ac::cuda
