// C ABI: graph-Laplacian smoothing (advcore.h, "Graph-Laplacian smoothing"). The handle owns
// the stencil, s(1), the CG work buffer and the report buffers, all in the context's device
// memory and sized once for the batch; the backend does the work (Backend::smoothing_*).
#include <cmath>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "check.h"

namespace ac {
namespace {

// A block of device memory of the graph's context (freed by Storage's destructor).
std::shared_ptr<Storage> device_block(const std::shared_ptr<ac_context>& ctx, int64_t count) {
  auto s = std::make_shared<Storage>();
  s->ctx = ctx;
  s->bytes = static_cast<size_t>(count) * 4;
  s->data = ctx->backend->alloc(s->bytes);
  return s;
}

float* f32(const std::shared_ptr<Storage>& s) { return static_cast<float*>(s->data); }
int32_t* i32(const std::shared_ptr<Storage>& s) { return static_cast<int32_t*>(s->data); }

}  // namespace
}  // namespace ac

struct ac_smoothing_graph {
  std::shared_ptr<ac_context> ctx;
  int64_t n = 0, c = 0, h = 0, w = 0;
  ac_smoothing_params params{};
  std::shared_ptr<ac::Storage> weights;     // f32 [n][k][h*w]
  std::shared_ptr<ac::Storage> s1;          // f32 [n][h*w]
  std::shared_ptr<ac::Storage> work;        // f32 [n*c][cg_work_per_system]
  std::shared_ptr<ac::Storage> iterations;  // i32 [n*c], the last solve's
  std::shared_ptr<ac::Storage> residuals;   // f32 [n*c]
  std::shared_ptr<ac::Storage> ones_iterations, ones_residuals;  // [n], the s(1) solve's
  bool solved = false;
  std::mutex mu;  // one call at a time: the work buffer and the report are shared

  int64_t hw() const { return h * w; }
  ac::CgProblem problem(int64_t systems, int64_t per_graph) const {
    ac::CgProblem p;
    p.systems = systems;
    p.per_graph = per_graph;
    p.h = h;
    p.w = w;
    p.k = params.neighbours;
    p.max_iter = params.max_iterations;
    p.alpha = params.alpha;
    p.tol = params.tolerance;
    p.weights = ac::f32(weights);
    p.s1 = ac::f32(s1);
    p.work = ac::f32(work);
    return p;
  }
};

namespace ac {
namespace {

std::mutex g_smoothing_mutex;
std::unordered_set<const ac_smoothing_graph*> g_smoothing_graphs;

void check_graph(const ac_smoothing_graph* g) {
  if (!g) fail(AC_ERR_INVALID_ARGUMENT, "smoothing graph must not be null");
  std::lock_guard<std::mutex> lock(g_smoothing_mutex);
  if (!g_smoothing_graphs.count(g))
    fail(AC_ERR_INVALID_ARGUMENT, "smoothing graph handle is not live (already destroyed?)");
}

void check_graph_on(const char* op, const ac_context* ctx, const ac_smoothing_graph* g) {
  check_context(ctx);
  check_graph(g);
  if (g->ctx.get() != ctx)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: the graph belongs to another context", op));
}

void check_params(const ac_smoothing_params* p) {
  const char* op = "smoothing_graph_create";
  if (!p) fail(AC_ERR_INVALID_ARGUMENT, format("%s: params must not be null", op));
  if (p->neighbours != 4 && p->neighbours != 8)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: neighbours must be 4 or 8 (got %d)", op, p->neighbours));
  if (p->kernel != AC_FEATURE_KERNEL_LAPLACIAN && p->kernel != AC_FEATURE_KERNEL_GAUSSIAN)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: kernel must be 0 (Laplacian) or 1 (Gaussian) (got %d)", op, p->kernel));
  if (!(p->sigma_feature > 0) || !std::isfinite(p->sigma_feature))
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: sigma_feature must be a finite number > 0 (got %g)", op,
                                         static_cast<double>(p->sigma_feature)));
  if (!(p->sigma_spatial > 0) || !std::isfinite(p->sigma_spatial))
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: sigma_spatial must be a finite number > 0 (got %g)", op,
                                         static_cast<double>(p->sigma_spatial)));
  if (!(p->alpha > 0 && p->alpha < 1))
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: alpha must be in (0, 1) (got %g)", op, static_cast<double>(p->alpha)));
  if (!(p->tolerance >= 0) || !std::isfinite(p->tolerance))
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: tolerance must be a finite number >= 0 (got %g)", op,
                                         static_cast<double>(p->tolerance)));
  if (p->max_iterations < 1)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: max_iterations must be >= 1 (got %d)", op, p->max_iterations));
}

// A live f32 tensor on the graph's context with the images' shape [N, C, H, W].
const ac_tensor& need_image_shaped(const char* op, const char* name, const ac_tensor* t,
                                   const ac_smoothing_graph& g) {
  check_tensor(t, name);
  if (t->dtype != AC_F32) fail(AC_ERR_SHAPE, format("%s: %s must be f32", op, name));
  if (t->ctx() != g.ctx.get()) fail(AC_ERR_INVALID_ARGUMENT, format("%s: %s belongs to another context", op, name));
  const int64_t want[4] = {g.n, g.c, g.h, g.w};
  bool same = t->ndim == 4;
  for (int i = 0; same && i < 4; ++i) same = t->shape[i] == want[i];
  if (!same)
    fail(AC_ERR_SHAPE, format("%s: %s has shape %s, expected the graph's images' shape %lldx%lldx%lldx%lld",
                              op, name, shape_string(*t).c_str(), static_cast<long long>(g.n),
                              static_cast<long long>(g.c), static_cast<long long>(g.h),
                              static_cast<long long>(g.w)));
  return *t;
}

void need_distinct(const char* op, const char* in, const ac_tensor& a, const char* out,
                   const ac_tensor& b) {
  const char* pa = static_cast<const char*>(a.storage->data);
  const char* pb = static_cast<const char*>(b.storage->data);
  const size_t na = static_cast<size_t>(a.count()) * 4, nb = static_cast<size_t>(b.count()) * 4;
  if (pa < pb + nb && pb < pa + na)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: %s and %s must not share storage", op, in, out));
}

// The N*C solves of one call: b (input), x (output, in/out with a warm start).
void solve(const char* op, ac_context* ctx, ac_smoothing_graph* g, const ac_tensor* b,
           const char* b_name, ac_tensor* x, const char* x_name, int32_t mode, int32_t warm) {
  check_graph_on(op, ctx, g);
  auto& bt = need_image_shaped(op, b_name, b, *g);
  auto& xt = need_image_shaped(op, x_name, x, *g);
  need_distinct(op, b_name, bt, x_name, xt);
  std::lock_guard<std::mutex> lock(g->mu);
  CgProblem p = g->problem(g->n * g->c, g->c);
  p.mode = mode;
  p.warm = warm != 0;
  p.b = bt.f32();
  p.x = xt.f32();
  p.iterations = i32(g->iterations);
  p.residuals = f32(g->residuals);
  ctx->backend->smoothing_cg(p);
  g->solved = true;
}

void read_report(const char* op, ac_smoothing_graph* g, const std::shared_ptr<Storage>& its,
                 const std::shared_ptr<Storage>& res, int64_t expected, int32_t* iterations,
                 float* residuals, int64_t count) {
  if (count != expected)
    fail(AC_ERR_SHAPE, format("%s: count is %lld, expected %lld", op, static_cast<long long>(count),
                              static_cast<long long>(expected)));
  Backend& be = *g->ctx->backend;
  if (iterations) be.copy_to_host(iterations, its->data, static_cast<size_t>(count) * 4);
  if (residuals) be.copy_to_host(residuals, res->data, static_cast<size_t>(count) * 4);
}

}  // namespace

// The defaults of the Backend interface: a backend that has no smoothing kernels says so.
void Backend::smoothing_graph_build(const SmoothingGraphShape&, const float*, float*) {
  not_implemented("smoothing_graph_build");
}
void Backend::smoothing_apply(const CgProblem&, const float*, float*) {
  not_implemented("smoothing_apply");
}
void Backend::smoothing_cg(const CgProblem&) { not_implemented("smoothing_cg"); }

}  // namespace ac

using namespace ac;

extern "C" {

AC_API ac_status ac_smoothing_params_default(ac_smoothing_params* out) {
  return guard([&] {
    if (!out) fail(AC_ERR_INVALID_ARGUMENT, "smoothing_params_default: out must not be null");
    *out = ac_smoothing_params{4, AC_FEATURE_KERNEL_LAPLACIAN, 0.1f, 1.0f, 0.95f, 1e-5f, 50};
  });
}

AC_API ac_status ac_smoothing_graph_create(ac_context* ctx, const ac_tensor* images,
                                           const ac_smoothing_params* params,
                                           ac_smoothing_graph** out) {
  return guard([&] {
    const char* op = "smoothing_graph_create";
    if (!out) fail(AC_ERR_INVALID_ARGUMENT, format("%s: out must not be null", op));
    *out = nullptr;
    auto owner = shared_context(ctx);
    auto& xt = need_on(op, ctx, "images", images);
    need_ndim(op, "images", xt, 4, 4);
    check_params(params);
    if (xt.shape[0] * xt.shape[1] > INT32_MAX)
      fail(AC_ERR_INVALID_ARGUMENT, format("%s: more than 2^31 systems (N*C)", op));
    Backend& be = *ctx->backend;
    if (!be.all_finite(xt.f32(), xt.count()))
      fail(AC_ERR_NON_FINITE, format("%s: images hold NaN or infinity", op));

    auto g = std::make_unique<ac_smoothing_graph>();
    g->ctx = owner;
    g->n = xt.shape[0];
    g->c = xt.shape[1];
    g->h = xt.shape[2];
    g->w = xt.shape[3];
    g->params = *params;
    const int64_t hw = g->hw(), systems = g->n * g->c;
    g->weights = device_block(owner, g->n * params->neighbours * hw);
    g->s1 = device_block(owner, g->n * hw);
    g->work = device_block(owner, systems * cg_work_per_system(g->h, g->w));
    g->iterations = device_block(owner, systems);
    g->residuals = device_block(owner, systems);
    g->ones_iterations = device_block(owner, g->n);
    g->ones_residuals = device_block(owner, g->n);

    SmoothingGraphShape s;
    s.n = g->n;
    s.c = g->c;
    s.h = g->h;
    s.w = g->w;
    s.k = params->neighbours;
    s.kernel = params->kernel;
    s.sigma_f = params->sigma_feature;
    s.sigma_s = params->sigma_spatial;
    be.smoothing_graph_build(s, xt.f32(), f32(g->weights));

    // s(1): one system per image (the graph does not depend on the channel).
    auto ones = device_block(owner, g->n * hw);
    be.fill(f32(ones), g->n * hw, 1.0f);
    CgProblem p = g->problem(g->n, 1);
    p.s1 = nullptr;
    p.b = f32(ones);
    p.x = f32(g->s1);
    p.iterations = i32(g->ones_iterations);
    p.residuals = f32(g->ones_residuals);
    be.smoothing_cg(p);
    // s(1) = (1 - alpha) sum_k alpha^k W'^k 1 >= 1 - alpha; the smoothing divides by it.
    std::vector<float> host(static_cast<size_t>(g->n * hw));
    be.copy_to_host(host.data(), g->s1->data, host.size() * 4);
    for (size_t i = 0; i < host.size(); ++i)
      if (!(host[i] > 0) || !std::isfinite(host[i]))
        fail(AC_ERR_INTERNAL, format("%s: s(1) of image %lld has the value %g at pixel %lld; "
                                     "raise max_iterations (%d)", op,
                                     static_cast<long long>(static_cast<int64_t>(i) / hw),
                                     static_cast<double>(host[i]),
                                     static_cast<long long>(static_cast<int64_t>(i) % hw),
                                     params->max_iterations));

    std::lock_guard<std::mutex> lock(g_smoothing_mutex);
    g_smoothing_graphs.insert(g.get());
    *out = g.release();
  });
}

AC_API ac_status ac_smoothing_graph_destroy(ac_smoothing_graph* graph) {
  return guard([&] {
    if (!graph) return;
    {
      std::lock_guard<std::mutex> lock(g_smoothing_mutex);
      if (g_smoothing_graphs.erase(graph) == 0)
        fail(AC_ERR_INVALID_ARGUMENT, "smoothing graph handle is not live (already destroyed?)");
    }
    delete graph;
  });
}

AC_API ac_status ac_smoothing_graph_shape(const ac_smoothing_graph* graph, int64_t* shape) {
  return guard([&] {
    check_graph(graph);
    if (!shape) fail(AC_ERR_INVALID_ARGUMENT, "smoothing_graph_shape: shape must not be null");
    shape[0] = graph->n;
    shape[1] = graph->c;
    shape[2] = graph->h;
    shape[3] = graph->w;
  });
}

AC_API ac_status ac_smoothing_graph_weights(ac_context* ctx, const ac_smoothing_graph* graph,
                                            ac_tensor* weights) {
  return guard([&] {
    const char* op = "smoothing_graph_weights";
    check_graph_on(op, ctx, graph);
    auto& wt = need_on(op, ctx, "weights", weights);
    const int64_t want[4] = {graph->n, graph->params.neighbours, graph->h, graph->w};
    for (int i = 0; i < 4; ++i) need_dim(op, "weights", wt, i, want[i]);
    need_ndim(op, "weights", wt, 4, 4);
    ctx->backend->copy(wt.f32(), graph->weights->data, static_cast<size_t>(wt.count()) * 4);
  });
}

AC_API ac_status ac_smoothing_graph_ones_response(ac_context* ctx, const ac_smoothing_graph* graph,
                                                  ac_tensor* s1) {
  return guard([&] {
    const char* op = "smoothing_graph_ones_response";
    check_graph_on(op, ctx, graph);
    auto& st = need_on(op, ctx, "s1", s1);
    const int64_t want[4] = {graph->n, 1, graph->h, graph->w};
    for (int i = 0; i < 4; ++i) need_dim(op, "s1", st, i, want[i]);
    need_ndim(op, "s1", st, 4, 4);
    ctx->backend->copy(st.f32(), graph->s1->data, static_cast<size_t>(st.count()) * 4);
  });
}

AC_API ac_status ac_smoothing_apply(ac_context* ctx, const ac_smoothing_graph* graph,
                                    const ac_tensor* v, ac_tensor* y) {
  return guard([&] {
    const char* op = "smoothing_apply";
    check_graph_on(op, ctx, graph);
    auto& vt = need_image_shaped(op, "v", v, *graph);
    auto& yt = need_image_shaped(op, "y", y, *graph);
    need_distinct(op, "v", vt, "y", yt);
    CgProblem p = graph->problem(graph->n * graph->c, graph->c);
    ctx->backend->smoothing_apply(p, vt.f32(), yt.f32());
  });
}

AC_API ac_status ac_smoothing_solve(ac_context* ctx, ac_smoothing_graph* graph, const ac_tensor* b,
                                    ac_tensor* x, int32_t warm_start) {
  return guard([&] { solve("smoothing_solve", ctx, graph, b, "b", x, "x", 0, warm_start); });
}

AC_API ac_status ac_smoothing_smooth(ac_context* ctx, ac_smoothing_graph* graph, const ac_tensor* z,
                                     ac_tensor* r, int32_t warm_start) {
  return guard([&] { solve("smoothing_smooth", ctx, graph, z, "z", r, "r", 1, warm_start); });
}

AC_API ac_status ac_smoothing_smooth_adjoint(ac_context* ctx, ac_smoothing_graph* graph,
                                             const ac_tensor* g, ac_tensor* gz,
                                             int32_t warm_start) {
  return guard([&] { solve("smoothing_smooth_adjoint", ctx, graph, g, "g", gz, "gz", 2, warm_start); });
}

AC_API ac_status ac_smoothing_last_report(ac_smoothing_graph* graph, int32_t* iterations,
                                          float* residuals, int64_t count) {
  return guard([&] {
    const char* op = "smoothing_last_report";
    check_graph(graph);
    std::lock_guard<std::mutex> lock(graph->mu);
    if (!graph->solved) fail(AC_ERR_INVALID_ARGUMENT, format("%s: no solve has run on this graph yet", op));
    read_report(op, graph, graph->iterations, graph->residuals, graph->n * graph->c, iterations,
                residuals, count);
  });
}

AC_API ac_status ac_smoothing_ones_report(ac_smoothing_graph* graph, int32_t* iterations,
                                          float* residuals, int64_t count) {
  return guard([&] {
    check_graph(graph);
    std::lock_guard<std::mutex> lock(graph->mu);
    read_report("smoothing_ones_report", graph, graph->ones_iterations, graph->ones_residuals,
                graph->n, iterations, residuals, count);
  });
}

}  // extern "C"
