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
