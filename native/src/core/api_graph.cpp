// CUDA-graph capture through the C ABI (advcore.h, "CUDA graphs"). The backend does the
// work (Backend::graph_*); here: the on/off switch, the eager fallback, handle checks.
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "advcore.h"
#include "context.h"
#include "error.h"
#include "registry.h"

struct ac_graph {
  std::shared_ptr<ac_context> ctx;  // the graph's backend must outlive it
  void* handle = nullptr;
};

namespace ac {
namespace {

std::mutex g_graph_mutex;
std::unordered_set<const ac_graph*> g_graphs;

void check_graph(const ac_graph* g) {
  if (!g) fail(AC_ERR_INVALID_ARGUMENT, "graph must not be null");
  std::lock_guard<std::mutex> lock(g_graph_mutex);
  if (!g_graphs.count(g)) fail(AC_ERR_INVALID_ARGUMENT, "graph handle is not live (already destroyed?)");
}

// Empty when ac_graph_begin would capture, else why not.
std::string capture_off_reason(const ac_context& ctx) {
  if (const char* why = ctx.backend->graph_unsupported_reason())
    return std::string("graph capture is not available: ") + why;
  if (!ctx.graph_capture) return "graph capture is switched off (ac_context_set_graph_capture)";
  return std::string();
}

}  // namespace
}  // namespace ac

using namespace ac;

extern "C" {

AC_API ac_status ac_context_set_graph_capture(ac_context* ctx, int32_t enabled) {
  return guard([&] {
    check_context(ctx);
    if (ctx->capturing) fail(AC_ERR_INVALID_ARGUMENT, "set_graph_capture: a capture is in progress");
    ctx->graph_capture = enabled != 0;
  });
}

AC_API ac_status ac_context_graph_capture(const ac_context* ctx, int32_t* active, char* reason,
                                          int32_t reason_size) {
  return guard([&] {
    check_context(ctx);
    if (!active) fail(AC_ERR_INVALID_ARGUMENT, "active must not be null");
    std::string why = capture_off_reason(*ctx);
    *active = why.empty() ? 1 : 0;
    if (reason && reason_size > 0) {
      std::strncpy(reason, why.c_str(), static_cast<size_t>(reason_size) - 1);
      reason[reason_size - 1] = '\0';
    }
  });
}

AC_API ac_status ac_graph_begin(ac_context* ctx, int32_t* capturing) {
  return guard([&] {
    check_context(ctx);
    if (!capturing) fail(AC_ERR_INVALID_ARGUMENT, "capturing must not be null");
    *capturing = 0;
    if (ctx->capturing) fail(AC_ERR_INVALID_ARGUMENT, "graph_begin: a capture is already in progress");
    if (!capture_off_reason(*ctx).empty()) return;  // the calls will run at once
    ctx->backend->graph_begin();
    ctx->capturing = true;
    *capturing = 1;
  });
}

AC_API ac_status ac_graph_end(ac_context* ctx, ac_graph** out) {
  return guard([&] {
    auto shared = shared_context(ctx);
    if (!out) fail(AC_ERR_INVALID_ARGUMENT, "out must not be null");
    *out = nullptr;
    if (!ctx->capturing) return;
    ctx->capturing = false;
    auto g = std::make_unique<ac_graph>();
    g->ctx = std::move(shared);
    g->handle = ctx->backend->graph_end();
    std::lock_guard<std::mutex> lock(g_graph_mutex);
    try {
      g_graphs.insert(g.get());
    } catch (...) {
      ctx->backend->graph_destroy(g->handle);
      throw;
    }
    *out = g.release();
  });
}

AC_API ac_status ac_graph_launch(ac_context* ctx, const ac_graph* graph) {
  return guard([&] {
    check_context(ctx);
    check_graph(graph);
    if (graph->ctx.get() != ctx) fail(AC_ERR_INVALID_ARGUMENT, "graph_launch: the graph belongs to another context");
    if (ctx->capturing) fail(AC_ERR_INVALID_ARGUMENT, "graph_launch: a capture is in progress");
    ctx->backend->graph_launch(graph->handle);
  });
}

AC_API ac_status ac_graph_destroy(ac_graph* graph) {
  return guard([&] {
    if (!graph) return;
    {
      std::lock_guard<std::mutex> lock(g_graph_mutex);
      if (g_graphs.erase(graph) == 0)
        fail(AC_ERR_INVALID_ARGUMENT, "graph handle is not live (already destroyed?)");
    }
    graph->ctx->backend->graph_destroy(graph->handle);
    delete graph;
  });
}

}  // extern "C"
