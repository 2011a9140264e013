// C ABI: exact k-NN against a codebook, squared row norms, row gathers (advcore.h, "Nearest
// neighbours").
#include <vector>

#include "check.h"

using namespace ac;

namespace {

// t is exactly [rows, cols] (2 dims).
void need_matrix(const char* op, const char* name, const ac_tensor& t, int64_t rows, int64_t cols,
                 const char* rows_from, const char* cols_from) {
  bool ok = t.ndim == 2 && t.shape[0] == rows && t.shape[1] == cols;
  if (!ok)
    fail(AC_ERR_SHAPE, format("%s: %s has shape %s, expected %lldx%lld (%s x %s)", op, name,
                              shape_string(t).c_str(), static_cast<long long>(rows),
                              static_cast<long long>(cols), rows_from, cols_from));
}

void need_vector(const char* op, const char* name, const ac_tensor& t, int64_t n, const char* from) {
  if (t.ndim != 1 || t.shape[0] != n)
    fail(AC_ERR_SHAPE, format("%s: %s has shape %s, expected [%lld] (%s)", op, name,
                              shape_string(t).c_str(), static_cast<long long>(n), from));
}

void need_distinct(const char* op, const char* out_name, const ac_tensor& out, const char* in_name,
                   const ac_tensor& in) {
  if (out.storage == in.storage)
    fail(AC_ERR_INVALID_ARGUMENT,
         format("%s: %s must not share memory with %s", op, out_name, in_name));
}

void need_finite(const char* op, const char* name, const ac_tensor& t) {
  if (!t.backend().all_finite(t.f32(), t.count()))
    fail(AC_ERR_NON_FINITE, format("%s: %s holds NaN or infinite values", op, name));
}

}  // namespace

extern "C" {

AC_API ac_status ac_knn(ac_context* ctx, const ac_tensor* queries, const ac_tensor* codebook,
                        const ac_tensor* codebook_sq_norms, int32_t k, ac_tensor* indices,
                        ac_tensor* distances) {
  return guard([&] {
    const char* op = "knn";
    auto& qt = need_on(op, ctx, "queries", queries);
    need_ndim(op, "queries", qt, 2, 2);
    auto& ct = need(op, "codebook", codebook, AC_F32, queries);
    need_ndim(op, "codebook", ct, 2, 2);
    const int64_t n = qt.shape[0], d = qt.shape[1], K = ct.shape[0];
    if (ct.shape[1] != d)
      fail(AC_ERR_SHAPE, format("%s: codebook has shape %s but queries have %lld columns (%s); "
                                "both must have d columns", op, shape_string(ct).c_str(),
                                static_cast<long long>(d), shape_string(qt).c_str()));
    auto& nt = need(op, "codebook_sq_norms", codebook_sq_norms, AC_F32, queries);
    need_vector(op, "codebook_sq_norms", nt, K, "one per codebook row");
    const int64_t k_max = K < kKnnMaxK ? K : kKnnMaxK;
    if (k < 1 || k > k_max)
      fail(AC_ERR_INVALID_ARGUMENT,
           format("%s: k = %d, but it must be in 1..%lld (min(codebook rows %lld, %d))", op, k,
                  static_cast<long long>(k_max), static_cast<long long>(K), kKnnMaxK));
    auto& it = need(op, "indices", indices, AC_I32, queries);
    need_matrix(op, "indices", it, n, k, "queries", "k");
    auto& dt = need(op, "distances", distances, AC_F32, queries);
    need_matrix(op, "distances", dt, n, k, "queries", "k");
    need_distinct(op, "distances", dt, "queries", qt);
    need_distinct(op, "distances", dt, "codebook", ct);
    need_distinct(op, "distances", dt, "codebook_sq_norms", nt);
    if (it.storage == qt.storage || it.storage == ct.storage || it.storage == nt.storage ||
        it.storage == dt.storage)
      fail(AC_ERR_INVALID_ARGUMENT, format("%s: indices must not share memory with another operand", op));
    if (ctx->device_value_checks()) {
      need_finite(op, "queries", qt);
      need_finite(op, "codebook", ct);
    }
    ctx->backend->knn(n, K, d, k, qt.f32(), ct.f32(), nt.f32(), it.i32(), dt.f32());
  });
}

AC_API ac_status ac_row_sq_norms(ac_context* ctx, const ac_tensor* x, ac_tensor* out) {
  return guard([&] {
    const char* op = "row_sq_norms";
    auto& xt = need_on(op, ctx, "x", x);
    need_ndim(op, "x", xt, 2, 2);
    auto& ot = need(op, "out", out, AC_F32, x);
    need_vector(op, "out", ot, xt.shape[0], "one per row of x");
    need_distinct(op, "out", ot, "x", xt);
    ctx->backend->row_sq_norms(xt.shape[0], xt.shape[1], xt.f32(), ot.f32());
  });
}

AC_API ac_status ac_gather_rows(ac_context* ctx, const ac_tensor* table, const ac_tensor* indices,
                                ac_tensor* out) {
  return guard([&] {
    const char* op = "gather_rows";
    auto& tt = need_on(op, ctx, "table", table);
    need_ndim(op, "table", tt, 2, 2);
    auto& it = need(op, "indices", indices, AC_I32, table);
    need_ndim(op, "indices", it, 1, 1);
    const int64_t n = it.shape[0], K = tt.shape[0], d = tt.shape[1];
    auto& ot = need(op, "out", out, AC_F32, table);
    need_matrix(op, "out", ot, n, d, "indices", "table columns");
    need_distinct(op, "out", ot, "table", tt);
    if (ot.storage == it.storage)
      fail(AC_ERR_INVALID_ARGUMENT, format("%s: out must not share memory with indices", op));
    if (ctx->device_value_checks()) {
      std::vector<int32_t> host(static_cast<size_t>(n));
      it.backend().copy_to_host(host.data(), it.storage->data, host.size() * sizeof(int32_t));
      for (size_t i = 0; i < host.size(); ++i)
        if (host[i] < 0 || host[i] >= K)
          fail(AC_ERR_LABEL_RANGE,
               format("%s: indices[%zu] = %d is outside 0..%lld (the table has %lld rows)", op, i,
                      host[i], static_cast<long long>(K - 1), static_cast<long long>(K)));
    }
    ctx->backend->gather_rows(n, K, d, tt.f32(), it.i32(), ot.f32());
  });
}

}  // extern "C"
