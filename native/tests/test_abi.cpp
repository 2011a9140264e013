// A few end-to-end checks through the public C ABI (advcore.h): contexts on both CPU
// backends, tensor round trips, the two backends agreeing through the ABI, and the error
// contract (status code plus a message naming the operand).
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "advcore.h"
#include "test_util.h"

using namespace testutil;

namespace {

// An owned tensor handle for the tests.
struct Tensor {
  ac_tensor* t = nullptr;
  Tensor(ac_context* ctx, std::vector<int64_t> shape, ac_dtype dtype = AC_F32) {
    CHECK_STATUS(ac_tensor_create(ctx, dtype, static_cast<int32_t>(shape.size()), shape.data(), &t), AC_OK);
  }
  Tensor(ac_context* ctx, std::vector<int64_t> shape, const fvec& values) : Tensor(ctx, shape) {
    CHECK_STATUS(ac_tensor_copy_from_host(t, values.data(), static_cast<int64_t>(values.size() * 4)), AC_OK);
  }
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  ~Tensor() { ac_tensor_destroy(t); }
  fvec read() const {
    int64_t count = 0;
    ac_tensor_count(t, &count);
    fvec out(static_cast<size_t>(count));
    CHECK_STATUS(ac_tensor_copy_to_host(t, out.data(), count * 4), AC_OK);
    return out;
  }
};

struct Context {
  ac_context* ctx = nullptr;
  explicit Context(uint32_t flags, int32_t threads = 2) {
    CHECK_STATUS(ac_context_create(AC_DEVICE_CPU, threads, 1234, flags, &ctx), AC_OK);
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context() { ac_context_destroy(ctx); }
};

bool last_error_mentions(const char* text) { return std::strstr(ac_last_error(), text) != nullptr; }

}  // namespace

TEST(abi_contexts_and_tensor_round_trip) {
  Context ref(AC_CONTEXT_REFERENCE_KERNELS, 1), fast(0, 3);
  ac_device device = AC_DEVICE_CUDA;
  CHECK_STATUS(ac_context_device(ref.ctx, &device), AC_OK);
  CHECK(device == AC_DEVICE_CPU);
  int32_t threads = 0;
  CHECK_STATUS(ac_context_threads(fast.ctx, &threads), AC_OK);
  CHECK(threads == 3);
  fvec values{1.5f, -2.0f, 3.25f, 0.125f, 7.0f, -0.5f};
  Tensor t(ref.ctx, {2, 3}, values);
  CHECK(t.read() == values);
  int64_t shape[AC_MAX_DIMS] = {};
  int32_t ndim = 0;
  CHECK_STATUS(ac_tensor_ndim(t.t, &ndim), AC_OK);
  CHECK_STATUS(ac_tensor_shape(t.t, shape), AC_OK);
  CHECK(ndim == 2 && shape[0] == 2 && shape[1] == 3);
  Tensor zeros(fast.ctx, {4, 5});
  CHECK(zeros.read() == fvec(20, 0.0f));  // new tensors are zero-filled
}

TEST(abi_reference_and_fast_contexts_agree) {
  Context ref(AC_CONTEXT_REFERENCE_KERNELS), fast(0, 2);
  Rng rng(501);
  fvec x = to_float(rng.vec(3 * 2 * 9 * 9)), w = to_float(rng.vec(4 * 2 * 3 * 3)), b = to_float(rng.vec(4));
  ac_conv2d_params p{2, 2, 0, 0, 0, 0};
  CHECK_STATUS(ac_conv2d_same_padding(9, 3, 2, &p.pad_top, &p.pad_bottom), AC_OK);
  CHECK_STATUS(ac_conv2d_same_padding(9, 3, 2, &p.pad_left, &p.pad_right), AC_OK);
  CHECK(p.pad_top == 1 && p.pad_bottom == 1);  // out = ceil(9 / 2) = 5
  fvec outputs[2];
  Context* contexts[2] = {&ref, &fast};
  for (int i = 0; i < 2; ++i) {
    ac_context* ctx = contexts[i]->ctx;
    Tensor tx(ctx, {3, 2, 9, 9}, x), tw(ctx, {4, 2, 3, 3}, w), tb(ctx, {4}, b), ty(ctx, {3, 4, 5, 5});
    CHECK_STATUS(ac_conv2d_forward(ctx, tx.t, tw.t, tb.t, ty.t, &p), AC_OK);
    outputs[i] = ty.read();
  }
  CHECK_CLOSE(outputs[1], outputs[0], 1e-5);
  int64_t bytes = 0;
  CHECK_STATUS(ac_context_workspace_bytes(fast.ctx, &bytes), AC_OK);
  CHECK(bytes > 0);
  // Same seed and offset: the same normal numbers on both backends.
  Tensor a(ref.ctx, {1001}), c(fast.ctx, {1001});
  CHECK_STATUS(ac_tensor_fill_normal(a.t, 0.0f, 1.0f, 42), AC_OK);
  CHECK_STATUS(ac_tensor_fill_normal(c.t, 0.0f, 1.0f, 42), AC_OK);
  CHECK(a.read() == c.read());
}

TEST(abi_wrong_shapes_name_the_operand) {
  Context ctx(AC_CONTEXT_REFERENCE_KERNELS);
  Tensor x(ctx.ctx, {2, 3, 8, 8}), w_bad(ctx.ctx, {4, 2, 3, 3}), w(ctx.ctx, {4, 3, 3, 3}),
      y_bad(ctx.ctx, {2, 4, 7, 7});
  ac_conv2d_params p{1, 1, 1, 1, 1, 1};
  CHECK_STATUS(ac_conv2d_forward(ctx.ctx, x.t, w_bad.t, nullptr, y_bad.t, &p), AC_ERR_SHAPE);
  CHECK_MSG(last_error_mentions("w has shape"), "message: %s", ac_last_error());
  CHECK_STATUS(ac_conv2d_forward(ctx.ctx, x.t, w.t, nullptr, y_bad.t, &p), AC_ERR_SHAPE);
  CHECK_MSG(last_error_mentions("y has shape"), "message: %s", ac_last_error());
  Tensor lin_x(ctx.ctx, {5, 7}), lin_w(ctx.ctx, {3, 7}), lin_y(ctx.ctx, {5, 4});
  CHECK_STATUS(ac_linear_forward(ctx.ctx, lin_x.t, lin_w.t, nullptr, lin_y.t), AC_ERR_SHAPE);
  CHECK_MSG(last_error_mentions("y"), "message: %s", ac_last_error());
  fvec small(3);
  CHECK_STATUS(ac_tensor_copy_from_host(lin_x.t, small.data(), 12), AC_ERR_SHAPE);
}

TEST(abi_label_range_and_non_finite_logits) {
  Context ctx(0);
  Tensor logits(ctx.ctx, {2, 3}, fvec{1, 2, 3, 4, 5, 6}), labels(ctx.ctx, {2}, AC_I32),
      loss(ctx.ctx, {2}), d(ctx.ctx, {2, 3});
  std::vector<int32_t> bad_labels{0, 3};
  CHECK_STATUS(ac_tensor_copy_from_host(labels.t, bad_labels.data(), 8), AC_OK);
  CHECK_STATUS(ac_loss_forward_backward(ctx.ctx, AC_LOSS_CROSS_ENTROPY, 0.0f, logits.t, labels.t, loss.t, d.t),
               AC_ERR_LABEL_RANGE);
  std::vector<int32_t> good_labels{0, 2};
  CHECK_STATUS(ac_tensor_copy_from_host(labels.t, good_labels.data(), 8), AC_OK);
  CHECK_STATUS(ac_loss_forward_backward(ctx.ctx, AC_LOSS_CROSS_ENTROPY, 0.0f, logits.t, labels.t, loss.t, d.t),
               AC_OK);
  fvec nan_logits{1, std::numeric_limits<float>::quiet_NaN(), 3, 4, 5, 6};
  CHECK_STATUS(ac_tensor_copy_from_host(logits.t, nan_logits.data(), 24), AC_OK);
  CHECK_STATUS(ac_loss_forward_backward(ctx.ctx, AC_LOSS_CW_MARGIN, 0.0f, logits.t, labels.t, loss.t, nullptr),
               AC_ERR_NON_FINITE);
  CHECK_STATUS(ac_tensor_check_finite(logits.t), AC_ERR_NON_FINITE);
}

TEST(abi_invalid_handles_and_sizes) {
  Context ctx(0);
  ac_tensor* t = nullptr;
  int64_t shape[2] = {4, 4};
  CHECK_STATUS(ac_tensor_create(ctx.ctx, AC_F32, 2, shape, &t), AC_OK);
  CHECK_STATUS(ac_tensor_destroy(t), AC_OK);
  int64_t count = 0;
  CHECK_STATUS(ac_tensor_count(t, &count), AC_ERR_INVALID_ARGUMENT);  // destroyed handle
  CHECK_STATUS(ac_tensor_destroy(t), AC_ERR_INVALID_ARGUMENT);        // double destroy
  int64_t absurd[2] = {int64_t{1} << 30, int64_t{1} << 30};
  ac_tensor* huge = nullptr;
  CHECK_STATUS(ac_tensor_create(ctx.ctx, AC_F32, 2, absurd, &huge), AC_ERR_INVALID_ARGUMENT);
  CHECK(huge == nullptr);
  int64_t negative[1] = {-3};
  CHECK_STATUS(ac_tensor_create(ctx.ctx, AC_F32, 1, negative, &huge), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_tensor_create(ctx.ctx, AC_F32, 0, shape, &huge), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_tensor_create(ctx.ctx, AC_F32, 2, shape, nullptr), AC_ERR_INVALID_ARGUMENT);
  CHECK(std::strlen(ac_last_error()) > 0);
}

// Linux grants a block larger than the machine (overcommit) and kills the process when its pages
// are touched; the host allocator refuses such a block up front, with a message, so the caller
// can take a smaller batch. 95 % of physical memory is over the allocator's ceiling of 90 %.
TEST(abi_a_block_larger_than_the_machine_is_out_of_memory) {
  Context ctx(0);
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  CHECK(pages > 0 && page > 0);
  int64_t floats = static_cast<int64_t>(static_cast<double>(pages) * static_cast<double>(page) * 0.95 / 4);
  int64_t shape[1] = {floats};
  ac_tensor* big = nullptr;
  CHECK_STATUS(ac_tensor_create(ctx.ctx, AC_F32, 1, shape, &big), AC_ERR_OUT_OF_MEMORY);
  CHECK(big == nullptr);
  CHECK_MSG(last_error_mentions("does not fit") && last_error_mentions("use a smaller batch"), "%s", ac_last_error());
  // The refusal leaves the context usable.
  int64_t small[1] = {1024};
  CHECK_STATUS(ac_tensor_create(ctx.ctx, AC_F32, 1, small, &big), AC_OK);
  CHECK_STATUS(ac_tensor_destroy(big), AC_OK);
}
