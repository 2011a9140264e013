#include "registry.h"

#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "error.h"
#include "tensor.h"

namespace ac {
namespace {

std::mutex g_mutex;
std::unordered_map<const ac_context*, std::shared_ptr<ac_context>> g_contexts;
std::unordered_set<const ac_tensor*> g_tensors;

}  // namespace

void register_context(std::shared_ptr<ac_context> ctx) {
  std::lock_guard<std::mutex> lock(g_mutex);
  const ac_context* key = ctx.get();
  g_contexts.emplace(key, std::move(ctx));
}

void release_context(ac_context* ctx) {
  std::shared_ptr<ac_context> keep;  // destroyed outside the lock
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_contexts.find(ctx);
    if (it == g_contexts.end())
      fail(AC_ERR_INVALID_ARGUMENT, "context handle is not live (already destroyed?)");
    keep = std::move(it->second);
    g_contexts.erase(it);
  }
}

std::shared_ptr<ac_context> shared_context(const ac_context* ctx) {
  if (!ctx) fail(AC_ERR_INVALID_ARGUMENT, "context must not be null");
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = g_contexts.find(ctx);
  if (it == g_contexts.end())
    fail(AC_ERR_INVALID_ARGUMENT, "context handle is not live (already destroyed?)");
  return it->second;
}

void check_context(const ac_context* ctx) { (void)shared_context(ctx); }

ac_tensor* register_tensor(std::unique_ptr<ac_tensor> t) {
  std::lock_guard<std::mutex> lock(g_mutex);
  ac_tensor* raw = t.release();
  g_tensors.insert(raw);
  return raw;
}

void release_tensor(ac_tensor* t) {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_tensors.erase(t) == 0)
      fail(AC_ERR_INVALID_ARGUMENT, "tensor handle is not live (already destroyed?)");
  }
  delete t;
}

void check_tensor(const ac_tensor* t, const char* what) {
  if (!t) fail(AC_ERR_INVALID_ARGUMENT, format("%s must not be null", what));
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_tensors.count(t))
    fail(AC_ERR_INVALID_ARGUMENT, format("%s is not a live tensor (already destroyed?)", what));
}

}  // namespace ac

namespace ac {

void live_counts(int64_t* contexts, int64_t* tensors, int64_t* tensor_bytes) {
  std::lock_guard<std::mutex> lock(g_mutex);
  std::unordered_set<const Storage*> storages;
  int64_t bytes = 0;
  for (const ac_tensor* t : g_tensors)
    if (storages.insert(t->storage.get()).second) bytes += static_cast<int64_t>(t->storage->bytes);
  *contexts = static_cast<int64_t>(g_contexts.size());
  *tensors = static_cast<int64_t>(g_tensors.size());
  *tensor_bytes = bytes;
}

}  // namespace ac

AC_API ac_status ac_live_handles(int64_t* contexts, int64_t* tensors, int64_t* tensor_bytes) {
  return ac::guard([&] {
    if (!contexts || !tensors || !tensor_bytes) ac::fail(AC_ERR_INVALID_ARGUMENT, "contexts, tensors and tensor_bytes must not be null");
    ac::live_counts(contexts, tensors, tensor_bytes);
  });
}
