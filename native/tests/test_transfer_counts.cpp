// Transfer counters (ac_context_transfer_counts) and the value-checks switch
// (ac_context_set_value_checks): an attack loop -- linear forward, loss, linear backward to the
// input, a fused step -- makes no device->host transfer and no synchronisation per iteration
// once value checks are off, on the CPU backends (logical counts) and on the CUDA backend
// (real cuMemcpy/cuStreamSynchronize calls; the emulator stands in for a GPU here). With value
// checks on, the same loop must show reads (labels, logits finiteness), or the counters count
// nothing at all.
#include <cstring>
#include <vector>

#include "advcore.h"
#include "attack_ops.h"
#include "test_util.h"

using namespace testutil;

namespace {

struct Loop {
  ac_context* ctx = nullptr;
  std::vector<ac_tensor*> owned;
  ac_tensor *x, *y, *w, *b, *logits, *labels, *loss, *dlogits, *grad, *best_y, *best_norm, *stage,
      *radius, *eps, *alpha;
  const int64_t n = 6, d = 20, k = 4;

  ac_tensor* make(ac_dtype dt, std::vector<int64_t> shape, const void* data, size_t bytes) {
    ac_tensor* t = nullptr;
    CHECK_STATUS(ac_tensor_create(ctx, dt, static_cast<int32_t>(shape.size()), shape.data(), &t), AC_OK);
    CHECK_STATUS(ac_tensor_copy_from_host(t, data, static_cast<int64_t>(bytes)), AC_OK);
    owned.push_back(t);
    return t;
  }
  ac_tensor* f32(std::vector<int64_t> shape, const fvec& v) { return make(AC_F32, shape, v.data(), v.size() * 4); }

  explicit Loop(ac_context* c) : ctx(c) {
    Rng rng(77);
    fvec xs = to_float(rng.vec(static_cast<size_t>(n * d), 0.1, 0.9));
    x = f32({n, d}, xs);
    y = f32({n, d}, xs);
    w = f32({k, d}, to_float(rng.vec(static_cast<size_t>(k * d))));
    b = f32({k}, to_float(rng.vec(static_cast<size_t>(k))));
    logits = f32({n, k}, fvec(static_cast<size_t>(n * k)));
    std::vector<int32_t> ls = rng.labels(static_cast<size_t>(n), static_cast<int32_t>(k));
    labels = make(AC_I32, {n}, ls.data(), ls.size() * 4);
    loss = f32({n}, fvec(static_cast<size_t>(n)));
    dlogits = f32({n, k}, fvec(static_cast<size_t>(n * k)));
    grad = f32({n, d}, fvec(static_cast<size_t>(n * d)));
    best_y = f32({n, d}, fvec(static_cast<size_t>(n * d)));
    best_norm = f32({n}, fvec(static_cast<size_t>(n), INFINITY));
    std::vector<int32_t> zeros(static_cast<size_t>(n), 0);
    stage = make(AC_I32, {n}, zeros.data(), zeros.size() * 4);
    radius = f32({n}, fvec(static_cast<size_t>(n), 1.0f));
    eps = f32({n}, fvec(static_cast<size_t>(n), 0.5f));
    alpha = f32({n}, fvec(static_cast<size_t>(n), 0.05f));
  }
  ~Loop() {
    for (auto* t : owned) ac_tensor_destroy(t);
  }

  // One gradient evaluation and one fused step of each of BP, DDN and PGD.
  void iterate() {
    CHECK_STATUS(ac_linear_forward(ctx, y, w, b, logits), AC_OK);
    CHECK_STATUS(ac_loss_forward_backward(ctx, AC_LOSS_CROSS_ENTROPY, 0.0f, logits, labels, loss, dlogits), AC_OK);
    CHECK_STATUS(ac_linear_backward(ctx, y, w, dlogits, grad, nullptr, nullptr), AC_OK);
    CHECK_STATUS(ac_bp_step(ctx, abi_ops(x, y, grad, logits, labels, best_y, best_norm), stage, 0.8f, 0.5f, 0.1f, -1.0f, AC_BP_ROUND_EACH), AC_OK);
    CHECK_STATUS(ac_ddn_step(ctx, abi_ops(x, y, grad, logits, labels, best_y, best_norm), radius, 0.1f, 0.05f, -1.0f, 1), AC_OK);
    CHECK_STATUS(ac_pgd_step(ctx, abi_ops(x, y, grad, logits, labels, best_y, best_norm), eps, alpha, AC_NORM_L2, -1.0f, 0), AC_OK);
  }

  ac_transfer_counts counts() {
    ac_transfer_counts c{};
    CHECK_STATUS(ac_context_transfer_counts(ctx, &c), AC_OK);
    return c;
  }
};

// Runs K and 2K iterations with value checks off and on; returns the per-run deltas.
void check_loop(ac_context* ctx, const char* what) {
  const int K = 3;
  Loop loop(ctx);
  int32_t enabled = -1;
  CHECK_STATUS(ac_context_get_value_checks(ctx, &enabled), AC_OK);
  CHECK_MSG(enabled == 1, "%s: value checks are on by default", what);

  CHECK_STATUS(ac_context_set_value_checks(ctx, 0), AC_OK);
  CHECK_STATUS(ac_context_get_value_checks(ctx, &enabled), AC_OK);
  CHECK(enabled == 0);
  CHECK_STATUS(ac_context_reset_transfer_counts(ctx), AC_OK);
  for (int i = 0; i < K; ++i) loop.iterate();
  ac_transfer_counts a = loop.counts();
  for (int i = 0; i < K; ++i) loop.iterate();
  ac_transfer_counts b = loop.counts();
  CHECK_MSG(b.device_to_host == a.device_to_host && a.device_to_host == 0, "%s: %lld, %lld device->host reads",
            what, static_cast<long long>(a.device_to_host), static_cast<long long>(b.device_to_host));
  CHECK_MSG(b.synchronizations == a.synchronizations && a.synchronizations == 0, "%s: %lld, %lld synchronisations",
            what, static_cast<long long>(a.synchronizations), static_cast<long long>(b.synchronizations));
  CHECK_MSG(b.host_to_device == 0, "%s: %lld host->device copies", what, static_cast<long long>(b.host_to_device));

  // Checks on: labels are read back by the loss and by each of the three steps, and the loss
  // reads its finiteness flag: at least 5 reads per iteration.
  CHECK_STATUS(ac_context_set_value_checks(ctx, 1), AC_OK);
  CHECK_STATUS(ac_context_reset_transfer_counts(ctx), AC_OK);
  for (int i = 0; i < K; ++i) loop.iterate();
  ac_transfer_counts on = loop.counts();
  CHECK_MSG(on.device_to_host >= 5 * K, "%s: only %lld device->host reads with value checks on", what,
            static_cast<long long>(on.device_to_host));

  // A plain download counts one read; reset clears everything.
  fvec host(static_cast<size_t>(loop.n * loop.d));
  CHECK_STATUS(ac_context_reset_transfer_counts(ctx), AC_OK);
  CHECK_STATUS(ac_tensor_copy_to_host(loop.y, host.data(), static_cast<int64_t>(host.size() * 4)), AC_OK);
  CHECK(loop.counts().device_to_host == 1);
  CHECK_STATUS(ac_tensor_copy_from_host(loop.y, host.data(), static_cast<int64_t>(host.size() * 4)), AC_OK);
  CHECK(loop.counts().host_to_device == 1);
}

}  // namespace

TEST(attack_loop_makes_no_transfers_with_value_checks_off_cpu) {
  for (uint32_t flags : {0u, static_cast<uint32_t>(AC_CONTEXT_REFERENCE_KERNELS)}) {
    ac_context* ctx = nullptr;
    CHECK_STATUS(ac_context_create(AC_DEVICE_CPU, 2, 1, flags, &ctx), AC_OK);
    check_loop(ctx, flags ? "cpu-reference" : "cpu-fast");
    ac_context_destroy(ctx);
  }
}

TEST(cuda_attack_loop_makes_no_transfers_with_value_checks_off) {
  int32_t available = 0;
  char reason[256] = {0};
  CHECK_STATUS(ac_device_available(AC_DEVICE_CUDA, &available, reason, sizeof reason), AC_OK);
  if (!available) SKIP(reason);
  ac_context* ctx = nullptr;
  CHECK_STATUS(ac_context_create(AC_DEVICE_CUDA, 1, 1, 0, &ctx), AC_OK);
  check_loop(ctx, "cuda");
  // A synchronize is one cuStreamSynchronize.
  CHECK_STATUS(ac_context_reset_transfer_counts(ctx), AC_OK);
  CHECK_STATUS(ac_context_synchronize(ctx), AC_OK);
  ac_transfer_counts c{};
  CHECK_STATUS(ac_context_transfer_counts(ctx, &c), AC_OK);
  CHECK(c.synchronizations == 1 && c.device_to_host == 0);
  ac_context_destroy(ctx);
}

TEST(abi_value_checks_and_counters_refuse_null_arguments) {
  ac_context* ctx = nullptr;
  CHECK_STATUS(ac_context_create(AC_DEVICE_CPU, 1, 1, 0, &ctx), AC_OK);
  CHECK_STATUS(ac_context_get_value_checks(ctx, nullptr), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_context_transfer_counts(ctx, nullptr), AC_ERR_INVALID_ARGUMENT);
  int32_t enabled = 0;
  CHECK_STATUS(ac_context_get_value_checks(nullptr, &enabled), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_context_set_value_checks(nullptr, 0), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_context_reset_transfer_counts(nullptr), AC_ERR_INVALID_ARGUMENT);
  // Any non-zero value switches them on.
  CHECK_STATUS(ac_context_set_value_checks(ctx, 7), AC_OK);
  CHECK_STATUS(ac_context_get_value_checks(ctx, &enabled), AC_OK);
  CHECK(enabled == 1);
  ac_context_destroy(ctx);
}
