// Live-handle registry. Every handle given out is recorded, so a stale or foreign pointer
// coming back through the ABI is refused with a clear error instead of being dereferenced.
#pragma once
#include <memory>

#include "advcore.h"
#include "context.h"

namespace ac {

void register_context(std::shared_ptr<ac_context> ctx);
void release_context(ac_context* ctx);
std::shared_ptr<ac_context> shared_context(const ac_context* ctx);  // throws if not live
void check_context(const ac_context* ctx);

ac_tensor* register_tensor(std::unique_ptr<ac_tensor> t);
void release_tensor(ac_tensor* t);
// Throws AC_ERR_INVALID_ARGUMENT naming `what` if t is null or not a live tensor.
void check_tensor(const ac_tensor* t, const char* what);

// Live contexts, tensors and tensor storage bytes (storage shared by views counted once per tensor).
void live_counts(int64_t* contexts, int64_t* tensors, int64_t* tensor_bytes);

}  // namespace ac
