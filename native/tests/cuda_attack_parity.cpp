// CUDA fused attack steps (src/cuda/attack.cu) against the reference backend, on the same
// random batches as test_attack_steps.cpp: half the rows adversarial, a third of them with a
// small best already, both BP stages, every rounding mode, all DeepFool/JSMA branches.
// SKIPs with "CUDA is not available: <reason>" where no GPU answers.
//
// Comparison: flags and stages exactly; continuous outputs within 1e-6 relative to the
// largest |reference| or 1.0, whichever is larger (row sums are reduced in another order, in double, then rounded);
// outputs on the 8-bit grid may differ by one level on at most 0.2% of the elements (a
// rounding tie decided by the last ulp), as in the CPU tests. Infinite best norms must
// stay infinite in the same places.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/context.h"
#include "cpu/attack_steps.h"
#include "cpu/reference.h"
#include "attack_ops.h"
#include "test_util.h"

using namespace testutil;

namespace {

std::unique_ptr<ac::Backend> cuda_backend_or_skip() {
  std::string reason;
  if (!ac::cuda_available(&reason)) SKIP(reason);
  return ac::make_cuda_backend(&reason);
}

// The batch of test_attack_steps.cpp (x on the grid, y = Q(x + noise), distinct logits,
// labels raised to the top on every other row).
struct Batch {
  int64_t n, d, k;
  fvec x, y, grad, logits;
  std::vector<int32_t> labels;
  Batch(int64_t n_, int64_t d_, int64_t k_, uint64_t seed) : n(n_), d(d_), k(k_) {
    Rng rng(seed);
    x = to_float(rng.vec(static_cast<size_t>(n * d), 0.0, 1.0));
    for (auto& e : x) e = ac::ref::quantize_level(e);
    y = x;
    dvec noise = rng.away_from_zero(static_cast<size_t>(n * d), 0.01, 0.2);
    for (size_t j = 0; j < y.size(); ++j) y[j] = ac::ref::quantize_level(static_cast<float>(y[j] + noise[j]));
    grad = to_float(rng.away_from_zero(static_cast<size_t>(n * d), 0.01, 1.0));
    logits.resize(static_cast<size_t>(n * k));
    for (int64_t i = 0; i < n; ++i) {
      dvec row = rng.distinct(static_cast<size_t>(k), 0.5);
      for (int64_t c = 0; c < k; ++c) logits[static_cast<size_t>(i * k + c)] = static_cast<float>(row[static_cast<size_t>(c)]);
    }
    labels = rng.labels(static_cast<size_t>(n), static_cast<int32_t>(k));
    for (int64_t i = 0; i < n; i += 2) logits[static_cast<size_t>(i * k + labels[static_cast<size_t>(i)])] = 100.0f;
  }
};

// Host vectors mirrored on the device for one call.
template <class T>
class Mirror {
 public:
  Mirror(ac::Backend& b, const std::vector<T>& h) : b_(&b), n_(std::max<size_t>(h.size(), 1)) {
    p_ = b.alloc(n_ * sizeof(T));
    if (!h.empty()) b.copy_from_host(p_, h.data(), h.size() * sizeof(T));
  }
  ~Mirror() { b_->free(p_); }
  Mirror(const Mirror&) = delete;
  Mirror& operator=(const Mirror&) = delete;
  T* p() const { return static_cast<T*>(p_); }
  void get(std::vector<T>& h) const {
    if (!h.empty()) b_->copy_to_host(h.data(), p_, h.size() * sizeof(T));
  }

 private:
  ac::Backend* b_;
  void* p_;
  size_t n_;
};

// got vs want as described at the top; `grid`: values live on the 8-bit grid.
void check_values(const fvec& got, const fvec& want, bool grid, const std::string& what) {
  CHECK_MSG(got.size() == want.size(), "%s: sizes", what.c_str());
  if (got.size() != want.size()) return;
  double scale = 0;
  for (float w : want)
    if (std::isfinite(w)) scale = std::max(scale, std::abs(static_cast<double>(w)));
  // Relative to the largest |value|, but never finer than 1e-6 absolute: pixel values and
  // distances are O(1), and a distance made of ulp-level differences (C&W's y - x right after
  // cw_init) would otherwise be held to ulps of ulps.
  const double tol = 1e-6 * std::max(scale, 1.0);
  size_t flips = 0, bad = 0;
  for (size_t j = 0; j < got.size(); ++j) {
    if (got[j] == want[j]) continue;
    double e = std::abs(static_cast<double>(got[j]) - static_cast<double>(want[j]));
    if (e <= tol) continue;
    if (grid && e <= 1.0 / 255 + tol) {
      ++flips;
      continue;
    }
    if (++bad <= 3)
      harness::report_failure(__FILE__, __LINE__,
                              harness::printf_string("%s[%zu]: %.9g vs %.9g", what.c_str(), j,
                                                     static_cast<double>(got[j]), static_cast<double>(want[j])));
  }
  CHECK_MSG(bad == 0, "%s: %zu elements off", what.c_str(), bad);
  CHECK_MSG(flips <= got.size() / 500 + 1, "%s: %zu of %zu elements differ by a grid level",
            what.c_str(), flips, got.size());
}

}  // namespace

TEST(cuda_attack_steps_match_reference) {
  auto gpu = cuda_backend_or_skip();
  auto ref = ac::make_cpu_reference_backend();
  // The original configurations under the untargeted argmax criterion, then one smaller batch
  // per other criterion (margin 0.7 sits inside the Batch's ~0.5-spaced logit gaps, so rows
  // fall on both sides; DeepFool takes the untargeted form of each, as the ABI demands).
  struct Config {
    int64_t n, d;
    ac::Criterion crit;
  };
  for (auto [n, d, crit] : {Config{1, 784, {0, 0.0f}}, Config{70, 784, {0, 0.0f}},
                            Config{5, 3072, {0, 0.0f}}, Config{9, 120, {0, 0.7f}},
                            Config{9, 120, {1, 0.0f}}, Config{9, 120, {1, 0.7f}}}) {
    const int64_t k = 10;
    const ac::Criterion df_crit{0, crit.margin};
    Batch b(n, d, k, 81 + static_cast<uint64_t>(n));
    const size_t nn = static_cast<size_t>(n);
    Rng rng(8);
    fvec eps = to_float(rng.vec(nn, 0.5, 3.0)), alpha = to_float(rng.vec(nn, 0.1, 1.0));
    fvec best_y0(b.x.size(), 0.5f), best_norm0(nn, std::numeric_limits<float>::infinity());
    for (size_t i = 0; i < nn; i += 3) best_norm0[i] = 0.01f;
    Mirror<float> gx(*gpu, b.x), ggrad(*gpu, b.grad), glogits(*gpu, b.logits), geps(*gpu, eps),
        galpha(*gpu, alpha);
    Mirror<int32_t> glabels(*gpu, b.labels);

    // Runs `call` on the reference (host pointers) and on the GPU (device pointers) with the
    // same state: y, best_y, best_norm, a per-sample float s (1.5) and flags (1 on even rows).
    // `extra` receives more float outputs to compare (e.g. w, r_total, domain).
    struct State {
      fvec y, by, bn, s;
      std::vector<int32_t> flags;
    };
    auto both = [&](const char* name, bool grid, auto&& call) {
      State h{b.y, best_y0, best_norm0, fvec(nn, 1.5f), std::vector<int32_t>(nn, 0)};
      for (size_t i = 0; i < nn; i += 2) h.flags[i] = 1;
      State g = h;
      Mirror<float> dy(*gpu, g.y), dby(*gpu, g.by), dbn(*gpu, g.bn), ds(*gpu, g.s);
      Mirror<int32_t> dflags(*gpu, g.flags);
      fvec extra_ref, extra_gpu;
      call(*ref, b.x.data(), h.y.data(), b.grad.data(), b.logits.data(), b.labels.data(),
           h.by.data(), h.bn.data(), h.s.data(), h.flags.data(), eps.data(), alpha.data(), extra_ref, false);
      call(*gpu, gx.p(), dy.p(), ggrad.p(), glogits.p(), glabels.p(), dby.p(), dbn.p(), ds.p(),
           dflags.p(), geps.p(), galpha.p(), extra_gpu, true);
      dy.get(g.y);
      dby.get(g.by);
      dbn.get(g.bn);
      ds.get(g.s);
      dflags.get(g.flags);
      std::string tag = std::string(name) + " n=" + std::to_string(n) + " d=" + std::to_string(d) +
                        " criterion=" + std::to_string(crit.kind) + "/" + std::to_string(crit.margin);
      check_values(g.y, h.y, grid, tag + " y");
      check_values(g.by, h.by, grid, tag + " best_y");
      check_values(g.bn, h.bn, false, tag + " best_norm");
      check_values(g.s, h.s, false, tag + " per-sample");
      CHECK_MSG(g.flags == h.flags, "%s: flags differ", tag.c_str());
      check_values(extra_gpu, extra_ref, false, tag + " extra");
    };
    // Device scratch for calls with more state; `on_gpu` picks where it lives.
    auto scratch = [&](ac::Backend& be, const fvec& init, bool on_gpu) {
      return on_gpu ? std::make_unique<Mirror<float>>(be, init) : nullptr;
    };

    both("keep_best", true, [&](ac::Backend& be, const float* x, float* y, const float*, const float* z,
                                const int32_t* l, float* by, float* bn, float*, int32_t* flags,
                                const float*, const float*, fvec&, bool) {
      be.attack_keep_best(rows(n, d, k, x, y, nullptr, z, l, by, bn, crit), flags);
    });
    for (int norm : {0, 1})
      for (bool quantize : {false, true})
        both(norm ? "pgd_linf" : "pgd_l2", quantize,
             [&](ac::Backend& be, const float* x, float* y, const float* g, const float* z,
                 const int32_t* l, float* by, float* bn, float*, int32_t*, const float* e,
                 const float* a, fvec&, bool) {
               be.pgd_step(rows(n, d, k, x, y, g, z, l, by, bn, crit), e, a, norm, -1.0f, quantize);
             });
    both("pgd_untracked", false, [&](ac::Backend& be, const float* x, float* y, const float* g,
                                     const float*, const int32_t*, float*, float*, float*, int32_t*,
                                     const float* e, const float* a, fvec&, bool) {
      be.pgd_step(rows(n, d, k, x, y, g, nullptr, nullptr, nullptr, nullptr, crit), e, a, 0, 1.0f, false);
    });
    for (bool quantize : {false, true})
      both("ddn", quantize, [&](ac::Backend& be, const float* x, float* y, const float* g, const float* z,
                                const int32_t* l, float* by, float* bn, float* radius, int32_t*,
                                const float*, const float*, fvec&, bool) {
        be.ddn_step(rows(n, d, k, x, y, g, z, l, by, bn, crit), radius, 0.5f, 0.05f, -1.0f, quantize);
      });
    for (int rounding : {0, 1, 2})
      both("bp", rounding != 0, [&](ac::Backend& be, const float* x, float* y, const float* g,
                                    const float* z, const int32_t* l, float* by, float* bn, float*,
                                    int32_t* stage, const float*, const float*, fvec&, bool) {
        be.bp_step(rows(n, d, k, x, y, g, z, l, by, bn, crit), stage, 0.85f, 2.0f, 0.1f, 1.0f, rounding);
      });
    both("line_search", true, [&](ac::Backend& be, const float* x, float* out, const float*,
                                  const float*, const int32_t*, float*, float*, float* beta, int32_t*,
                                  const float*, const float*, fvec&, bool on_gpu) {
      fvec z = b.y;
      for (size_t j = 0; j < z.size(); ++j) z[j] += 0.003f * b.grad[j] + 0.5f * (b.x[j] - b.y[j]);
      auto dz = scratch(be, z, on_gpu);
      auto dyy = scratch(be, b.y, on_gpu);
      be.quantized_line_search(n, d, x, on_gpu ? dyy->p() : b.y.data(), on_gpu ? dz->p() : z.data(), out, beta);
    });
    both("cw", false, [&](ac::Backend& be, const float* x, float* y, const float* g, const float* z,
                          const int32_t* l, float* by, float* bn, float* lambda, int32_t* found,
                          const float*, const float*, fvec& extra, bool on_gpu) {
      fvec w(b.x.size()), m(b.x.size(), 0.01f), v(b.x.size(), 0.02f);
      auto dw = scratch(be, w, on_gpu), dm = scratch(be, m, on_gpu), dv = scratch(be, v, on_gpu);
      float* pw = on_gpu ? dw->p() : w.data();
      be.cw_init(n, d, x, pw, y);
      be.cw_step(rows(n, d, k, x, y, g, z, l, by, bn, crit), pw, lambda, on_gpu ? dm->p() : m.data(), on_gpu ? dv->p() : v.data(), found, 0.1f, 0.9f, 0.999f, 1e-8f, 2);
      if (on_gpu) {
        dw->get(w);
        dm->get(m);
        dv->get(v);
      }
      // One sized copy instead of vector::insert, which trips GCC 12's -Wfree-nonheap-object
      // false positive once this lambda is inlined.
      extra.assign(3 * w.size(), 0.0f);
      std::copy(w.begin(), w.end(), extra.begin());
      std::copy(m.begin(), m.end(), extra.begin() + static_cast<std::ptrdiff_t>(w.size()));
      std::copy(v.begin(), v.end(), extra.begin() + static_cast<std::ptrdiff_t>(2 * w.size()));
    });
    both("deepfool", false, [&](ac::Backend& be, const float* x, float* y, const float*, const float* z,
                                const int32_t* l, float*, float*, float*, int32_t* active,
                                const float*, const float*, fvec& extra, bool on_gpu) {
      // Class-major [k, n, d].
      fvec jac = to_float(Rng(9).vec(static_cast<size_t>(n * k * d))), r(b.x.size(), 0.01f);
      auto dj = scratch(be, jac, on_gpu), dr = scratch(be, r, on_gpu);
      be.deepfool_step(rows(n, d, k, x, y, nullptr, z, l, nullptr, nullptr, df_crit), on_gpu ? dr->p() : r.data(), on_gpu ? dj->p() : jac.data(), active, 0.02f);
      if (on_gpu) dr->get(r);
      extra = r;
    });
    for (float theta : {1.0f, -0.5f})
      for (int64_t max_changed : {int64_t{1}, int64_t{100}})
        both("jsma", false, [&](ac::Backend& be, const float*, float* y, const float* g, const float* z,
                                const int32_t* l, float*, float*, float*, int32_t* active,
                                const float*, const float*, fvec& extra, bool on_gpu) {
          fvec domain(b.x.size(), 1.0f), go = b.grad;
          std::reverse(go.begin(), go.end());
          for (size_t j = 0; j < domain.size(); j += 7) domain[j] = 0.0f;
          std::vector<int32_t> changed(nn, 0);
          for (size_t i = 0; i < nn; i += 3) changed[i] = 1;
          auto ddom = scratch(be, domain, on_gpu), dgo = scratch(be, go, on_gpu);
          auto dchanged = on_gpu ? std::make_unique<Mirror<int32_t>>(be, changed) : nullptr;
          // Two iterations: the second sees domain values of 2 and a grown `changed`.
          for (int it = 0; it < 2; ++it)
            be.jsma_step(rows(n, d, k, nullptr, y, nullptr, z, l, nullptr, nullptr, crit), g, on_gpu ? dgo->p() : go.data(), on_gpu ? ddom->p() : domain.data(), on_gpu ? dchanged->p() : changed.data(), active, theta, max_changed);
          if (on_gpu) {
            ddom->get(domain);
            dchanged->get(changed);
          }
          extra = domain;
          for (int32_t c : changed) extra.push_back(static_cast<float>(c));
        });
  }
}
