// Fast CPU linear layer (sgemm) against reference<double>, with and without bias, batch 1
// and > 64, every combination of requested gradients.
// Tolerance: max |fast - ref| <= 1e-5 * max |ref|.
#include "cpu/fast_backend.h"
#include "cpu/reference.h"
#include "test_util.h"

using namespace testutil;

TEST(fast_linear_matches_reference) {
  struct Case { int64_t n, in, out; bool bias; };
  ac::CpuFastBackend fast(3);
  for (Case c : {Case{1, 7, 3, true}, Case{70, 784, 10, true}, Case{65, 33, 17, false},
                 Case{128, 512, 10, true}, Case{2, 1, 1, false}}) {
    Rng rng(static_cast<uint64_t>(c.n + c.in));
    const size_t nx = static_cast<size_t>(c.n * c.in), nw = static_cast<size_t>(c.out * c.in),
                 ny = static_cast<size_t>(c.n * c.out), no = static_cast<size_t>(c.out);
    fvec x = to_float(rng.vec(nx)), w = to_float(rng.vec(nw)), b = to_float(rng.vec(no)),
         dy = to_float(rng.vec(ny));
    dvec xd = to_double(x), wd = to_double(w), bd = to_double(b), dyd = to_double(dy);
    dvec y_ref(ny), dx_ref(nx), dw_ref(nw), db_ref(no);
    ac::ref::linear_forward<double>(c.n, c.in, c.out, xd.data(), wd.data(), c.bias ? bd.data() : nullptr, y_ref.data());
    ac::ref::linear_backward<double>(c.n, c.in, c.out, xd.data(), wd.data(), dyd.data(), dx_ref.data(), dw_ref.data(), db_ref.data());
    fvec y(ny, 123.0f);
    fast.linear_forward(c.n, c.in, c.out, x.data(), w.data(), c.bias ? b.data() : nullptr, y.data());
    CHECK_CLOSE(y, y_ref, 1e-5);
    for (int want = 0; want < 8; ++want) {
      fvec dx(nx, 123.0f), dw(nw, 123.0f), db(no, 123.0f);
      fast.linear_backward(c.n, c.in, c.out, x.data(), w.data(), dy.data(),
                           want & 1 ? dx.data() : nullptr, want & 2 ? dw.data() : nullptr,
                           want & 4 ? db.data() : nullptr);
      if (want & 1) CHECK_CLOSE(dx, dx_ref, 1e-5);
      if (want & 2) CHECK_CLOSE(dw, dw_ref, 1e-5);
      if (want & 4) CHECK_CLOSE(db, db_ref, 1e-5);
    }
  }
}
