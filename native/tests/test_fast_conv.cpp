// Fast CPU conv2d (im2col + sgemm, chunked over samples) against reference<double> on the
// same float inputs, for every combination of requested gradients, with chunk sizes of 1
// sample (direct GEMM into y/dy), 3 samples (partial last chunk) and the default budget.
// Tolerance: max |fast - ref| <= 1e-5 * max |ref| (float GEMM over K <= 400 terms).
#include "cpu/fast_backend.h"
#include "cpu/reference.h"
#include "test_util.h"

using namespace testutil;
using ac::ConvShape;
using ac::CpuFastBackend;

namespace {

constexpr double kConvTol = 1e-5;

void compare_conv(CpuFastBackend& fast, const ConvShape& s, bool bias, uint64_t seed) {
  Rng rng(seed);
  const size_t nx = static_cast<size_t>(s.n * s.c * s.h * s.w),
               nw = static_cast<size_t>(s.o * s.c * s.kh * s.kw),
               ny = static_cast<size_t>(s.n * s.o * s.oh * s.ow), no = static_cast<size_t>(s.o);
  fvec x = to_float(rng.vec(nx)), w = to_float(rng.vec(nw)), b = to_float(rng.vec(no)),
       dy = to_float(rng.vec(ny));
  dvec xd = to_double(x), wd = to_double(w), bd = to_double(b), dyd = to_double(dy);

  dvec y_ref(ny);
  ac::ref::conv2d_forward<double>(s, xd.data(), wd.data(), bias ? bd.data() : nullptr, y_ref.data());
  fvec y(ny, 123.0f);  // garbage: the output must be overwritten, not accumulated
  fast.conv2d_forward(s, x.data(), w.data(), bias ? b.data() : nullptr, y.data());
  CHECK_CLOSE(y, y_ref, kConvTol);

  dvec dx_ref(nx), dw_ref(nw), db_ref(no);
  ac::ref::conv2d_backward<double>(s, xd.data(), wd.data(), dyd.data(), dx_ref.data(), dw_ref.data(), db_ref.data());
  for (int want = 0; want < 8; ++want) {  // bit 0: dx, bit 1: dw, bit 2: db
    fvec dx(nx, 123.0f), dw(nw, 123.0f), db(no, 123.0f);
    fast.conv2d_backward(s, x.data(), w.data(), dy.data(), want & 1 ? dx.data() : nullptr,
                         want & 2 ? dw.data() : nullptr, want & 4 ? db.data() : nullptr);
    if (want & 1) CHECK_CLOSE(dx, dx_ref, kConvTol);
    if (want & 2) CHECK_CLOSE(dw, dw_ref, kConvTol);
    if (want & 4) CHECK_CLOSE(db, db_ref, kConvTol);
    if (!(want & 1)) CHECK(dx[0] == 123.0f);
    if (!(want & 2)) CHECK(dw[0] == 123.0f);
  }
}

// Every shape on three backends: chunks of 1 sample, of 3 samples, and the default budget.
void compare_conv_all_chunkings(const ConvShape& s, bool bias, uint64_t seed) {
  const size_t per_sample = static_cast<size_t>(s.c * s.kh * s.kw * s.oh * s.ow) * sizeof(float);
  CpuFastBackend one(3, 1), three(2, 3 * per_sample), standard(3);
  compare_conv(one, s, bias, seed);
  compare_conv(three, s, bias, seed);
  compare_conv(standard, s, bias, seed);
}

}  // namespace

TEST(fast_conv2d_matches_reference) {
  // n, c, h, w, o, kh, kw, sh, sw, pt, pb, pl, pr
  compare_conv_all_chunkings(conv_shape(1, 3, 32, 32, 8, 3, 3, 1, 1, 1, 1, 1, 1), true, 101);
  compare_conv_all_chunkings(conv_shape(70, 1, 28, 28, 4, 8, 8, 2, 2, 3, 3, 3, 3), true, 102);
  compare_conv_all_chunkings(conv_shape(70, 4, 14, 14, 6, 6, 6, 2, 2, 0, 0, 0, 0), false, 103);
  compare_conv_all_chunkings(conv_shape(5, 16, 16, 16, 8, 5, 5, 1, 1, 2, 2, 2, 2), true, 104);
  compare_conv_all_chunkings(conv_shape(3, 2, 9, 8, 3, 4, 3, 2, 2, 1, 2, 0, 2), true, 105);
  compare_conv_all_chunkings(conv_shape(2, 7, 5, 5, 3, 1, 1, 1, 1, 0, 0, 0, 0), false, 106);
  compare_conv_all_chunkings(conv_shape(65, 3, 7, 6, 5, 3, 3, 2, 1, 1, 1, 0, 2), true, 107);
  compare_conv_all_chunkings(conv_shape(4, 2, 5, 5, 3, 5, 5, 1, 1, 0, 0, 0, 0), true, 108);
  // A kernel covering the whole input (the linear-layer path), batches on both thread paths.
  compare_conv_all_chunkings(conv_shape(70, 8, 5, 5, 16, 5, 5, 1, 1, 0, 0, 0, 0), true, 110);
  compare_conv_all_chunkings(conv_shape(9, 3, 4, 6, 5, 4, 6, 2, 1, 0, 1, 0, 0), false, 111);
}

TEST(fast_conv2d_workspace_is_reused) {
  CpuFastBackend fast(2);
  ConvShape s = conv_shape(8, 3, 16, 16, 4, 3, 3, 1, 1, 1, 1, 1, 1);
  Rng rng(109);
  fvec x = to_float(rng.vec(static_cast<size_t>(8 * 3 * 16 * 16))), w = to_float(rng.vec(4 * 3 * 9));
  fvec y(static_cast<size_t>(8 * 4 * 16 * 16)), dx(x.size()), dw(w.size());
  CHECK(fast.workspace_bytes() == 0);
  fast.conv2d_forward(s, x.data(), w.data(), nullptr, y.data());
  fast.conv2d_backward(s, x.data(), w.data(), y.data(), dx.data(), dw.data(), nullptr);
  const int64_t held = fast.workspace_bytes();
  CHECK(held > 0);
  for (int i = 0; i < 3; ++i) {
    fast.conv2d_forward(s, x.data(), w.data(), nullptr, y.data());
    fast.conv2d_backward(s, x.data(), w.data(), y.data(), dx.data(), dw.data(), nullptr);
  }
  CHECK(fast.workspace_bytes() == held);  // steady state: no growth, no reallocation
}
