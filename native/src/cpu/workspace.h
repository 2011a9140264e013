// A grow-only scratch buffer: it reallocates only when a call needs more than it holds, so
// a training or attack loop with fixed shapes allocates nothing after its first step.
#pragma once
#include <cstddef>

#include "host_memory.h"

namespace ac {

class Workspace {
 public:
  Workspace() = default;
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  ~Workspace() { host_free(data_); }

  // At least `count` floats; the contents are unspecified.
  float* floats(size_t count) {
    if (count > capacity_) {
      float* grown = static_cast<float*>(host_alloc(count * sizeof(float)));
      host_free(data_);
      data_ = grown;
      capacity_ = count;
    }
    return data_;
  }
  size_t bytes() const { return capacity_ * sizeof(float); }

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace ac
