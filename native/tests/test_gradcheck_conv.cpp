// Conv2d: the reference forward against hand-computed values, and the reference backward
// (float64) against central finite differences of L = <r, conv(x, w) + b>, over shapes with
// odd sizes, stride 2, asymmetric padding, batch 1 and batch > 64.
#include "cpu/reference.h"
#include "test_util.h"

using namespace testutil;
using ac::ConvShape;

namespace {

void gradcheck_conv(const ConvShape& s, bool bias, uint64_t seed) {
  Rng rng(seed);
  dvec x = rng.vec(static_cast<size_t>(s.n * s.c * s.h * s.w));
  dvec w = rng.vec(static_cast<size_t>(s.o * s.c * s.kh * s.kw));
  dvec b = rng.vec(static_cast<size_t>(s.o));
  dvec r = rng.vec(static_cast<size_t>(s.n * s.o * s.oh * s.ow));
  dvec y(r.size());
  auto loss = [&] {
    ac::ref::conv2d_forward<double>(s, x.data(), w.data(), bias ? b.data() : nullptr, y.data());
    return dot(y, r);
  };
  dvec dx(x.size()), dw(w.size()), db(b.size());
  ac::ref::conv2d_backward<double>(s, x.data(), w.data(), r.data(), dx.data(), dw.data(), db.data());
  check_gradient("conv dx", x, dx, loss, rng);
  check_gradient("conv dw", w, dw, loss, rng);
  if (bias) check_gradient("conv db", b, db, loss, rng);
  else {
    // db is the gradient wrt a bias even when the forward had none: sum of dy per channel.
    for (int64_t o = 0; o < s.o; ++o) {
      double sum = 0;
      for (int64_t n = 0; n < s.n; ++n)
        for (int64_t p = 0; p < s.oh * s.ow; ++p) sum += r[static_cast<size_t>((n * s.o + o) * s.oh * s.ow + p)];
      CHECK_NEAR(db[static_cast<size_t>(o)], sum, 1e-12);
    }
  }
}

}  // namespace

TEST(ref_conv2d_forward_matches_hand_values) {
  // x = 1..9 as 3x3, w = [[1,2],[3,4]], one row of padding on top and one column on the
  // left only (bottom/right padding 0): output 3x3.
  dvec x{1, 2, 3, 4, 5, 6, 7, 8, 9}, w{1, 2, 3, 4}, b{0.5};
  ConvShape s = conv_shape(1, 1, 3, 3, 1, 2, 2, 1, 1, 1, 0, 1, 0);
  CHECK(s.oh == 3 && s.ow == 3);
  dvec y(9);
  ac::ref::conv2d_forward<double>(s, x.data(), w.data(), b.data(), y.data());
  // y[0,0] sees only x[0,0] at tap (1,1): 4*1; y[1,1] = 1*1 + 2*2 + 4*3 + 5*4 = 37;
  // y[0,2] = taps (1,0),(1,1) on x[0,1],x[0,2]: 3*2 + 4*3 = 18; y[2,0] = 2*4 + 4*7 = 36.
  CHECK_NEAR(y[0], 4 + 0.5, 1e-12);
  CHECK_NEAR(y[4], 37 + 0.5, 1e-12);
  CHECK_NEAR(y[2], 18 + 0.5, 1e-12);
  CHECK_NEAR(y[6], 36 + 0.5, 1e-12);
  // Stride 2, no padding, 2 channels, 2 filters: one output pixel each.
  ConvShape t = conv_shape(1, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0);
  dvec x2{1, 2, 3, 4, 10, 20, 30, 40}, w2{1, 0, 0, 1, 0, 0, 0, 1, /*o=1*/ 1, 1, 1, 1, 0, 0, 0, 0};
  dvec y2(2);
  ac::ref::conv2d_forward<double>(t, x2.data(), w2.data(), nullptr, y2.data());
  CHECK_NEAR(y2[0], 1 + 4 + 40, 1e-12);
  CHECK_NEAR(y2[1], 1 + 2 + 3 + 4, 1e-12);
}

TEST(ref_conv2d_backward_matches_finite_differences) {
  // n, c, h, w, o, kh, kw, sh, sw, pt, pb, pl, pr
  gradcheck_conv(conv_shape(2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1), true, 1);     // 'same'
  gradcheck_conv(conv_shape(1, 2, 9, 8, 3, 4, 3, 2, 2, 1, 2, 0, 2), true, 2);     // asymmetric, s2
  gradcheck_conv(conv_shape(1, 1, 28, 28, 3, 8, 8, 2, 2, 3, 3, 3, 3), true, 3);   // C4 layer 1
  gradcheck_conv(conv_shape(3, 2, 6, 7, 2, 2, 3, 2, 1, 0, 0, 0, 0), false, 4);    // rect stride
  gradcheck_conv(conv_shape(65, 2, 5, 4, 3, 3, 3, 2, 2, 0, 1, 1, 0), true, 5);    // batch > 64
  gradcheck_conv(conv_shape(2, 5, 3, 3, 4, 1, 1, 1, 1, 0, 0, 0, 0), true, 6);     // 1x1
  gradcheck_conv(conv_shape(2, 2, 5, 5, 3, 5, 5, 1, 1, 0, 0, 0, 0), false, 7);    // kernel = input
  gradcheck_conv(conv_shape(1, 3, 11, 10, 2, 3, 3, 2, 2, 1, 1, 1, 0), true, 8);   // odd, s2 'same'
}
