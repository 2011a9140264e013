// Optimiser steps of both CPU backends against the update rules written out by hand
// (PyTorch's Adam with bias correction and L2 weight decay; SGD with momentum, optionally
// Nesterov), over a few steps with changing gradients.
#include <cmath>

#include "test_backends.h"
#include "test_util.h"

using namespace testutil;

TEST(adam_matches_hand_formula) {
  const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, wd = 0.01f;
  for (auto& be : cpu_backends()) {
    fvec p{0.5f, -1.0f, 2.0f}, m(3, 0.0f), v(3, 0.0f);
    double hp[3] = {0.5, -1.0, 2.0}, hm[3] = {0, 0, 0}, hv[3] = {0, 0, 0};
    for (int64_t t = 1; t <= 4; ++t) {
      fvec g{0.1f * static_cast<float>(t), -0.3f, 0.05f};
      // Step 1 has a closed form: mhat = g', vhat = g'^2, p -= lr * g' / (|g'| + eps).
      double g0 = static_cast<double>(g[0]) + static_cast<double>(wd) * static_cast<double>(p[0]);
      double want_first = static_cast<double>(p[0]) - static_cast<double>(lr) * g0 / (std::abs(g0) + static_cast<double>(eps));
      be->adam_update(3, p.data(), g.data(), m.data(), v.data(), lr, b1, b2, eps, wd, t);
      for (int i = 0; i < 3; ++i) {
        double gi = static_cast<double>(g[static_cast<size_t>(i)]) + static_cast<double>(wd) * hp[i];
        hm[i] = static_cast<double>(b1) * hm[i] + (1 - static_cast<double>(b1)) * gi;
        hv[i] = static_cast<double>(b2) * hv[i] + (1 - static_cast<double>(b2)) * gi * gi;
        double mhat = hm[i] / (1 - std::pow(static_cast<double>(b1), static_cast<double>(t)));
        double vhat = hv[i] / (1 - std::pow(static_cast<double>(b2), static_cast<double>(t)));
        hp[i] -= static_cast<double>(lr) * mhat / (std::sqrt(vhat) + static_cast<double>(eps));
        CHECK_NEAR(p[static_cast<size_t>(i)], hp[i], 1e-6);
        CHECK_NEAR(m[static_cast<size_t>(i)], hm[i], 1e-7);
        CHECK_NEAR(v[static_cast<size_t>(i)], hv[i], 1e-9);
      }
      if (t == 1) CHECK_NEAR(p[0], want_first, 1e-6);
    }
  }
}

TEST(sgd_momentum_matches_hand_formula) {
  const float lr = 0.1f, mom = 0.9f, wd = 0.001f;
  for (auto& be : cpu_backends())
    for (bool nesterov : {false, true}) {
      fvec p{1.0f, -2.0f}, vel(2, 0.0f);
      double hp[2] = {1.0, -2.0}, hb[2] = {0, 0};
      for (int t = 1; t <= 4; ++t) {
        fvec g{0.5f / static_cast<float>(t), 0.25f};
        be->sgd_update(2, p.data(), g.data(), vel.data(), lr, mom, wd, nesterov);
        for (int i = 0; i < 2; ++i) {
          double d = static_cast<double>(g[static_cast<size_t>(i)]) + static_cast<double>(wd) * hp[i];
          hb[i] = static_cast<double>(mom) * hb[i] + d;  // first step: buf = d (vel starts at 0)
          double step = nesterov ? d + static_cast<double>(mom) * hb[i] : hb[i];
          hp[i] -= static_cast<double>(lr) * step;
          CHECK_NEAR(p[static_cast<size_t>(i)], hp[i], 1e-6);
          CHECK_NEAR(vel[static_cast<size_t>(i)], hb[i], 1e-6);
        }
      }
    }
}
