// Philox streams on both CPU backends: the generator against the published known-answer
// vector, uniform fills in [0, 1), normal fills with mean 0 and std 1 (within 5 standard
// errors on 10^6 samples), dropout masks in {0, 1/(1-p)} keeping a 1-p fraction, and the
// same seed and offset always giving the same numbers (and another offset other numbers).
#include <cmath>

#include "core/philox.h"
#include "test_backends.h"
#include "test_util.h"

using namespace testutil;

TEST(philox_known_answer) {
  // Random123 kat_vectors: philox4x32_10, counter {0,0,0,0}, key {0,0}.
  ac::Philox4 r = ac::philox4x32_10(0, 0);
  CHECK(r.v[0] == 0x6627e8d5u && r.v[1] == 0xe169c58du && r.v[2] == 0xbc57ac4cu &&
        r.v[3] == 0x9b00dbd8u);
}

TEST(uniform_fill_is_in_unit_interval) {
  const int64_t n = 1000000;
  for (auto& be : cpu_backends()) {
    fvec u(static_cast<size_t>(n));
    be->fill_uniform(u.data(), n, 0.0f, 1.0f, 2024, 0);
    double sum = 0, sq = 0;
    bool in_range = true;
    for (float v : u) {
      in_range = in_range && v >= 0.0f && v < 1.0f;
      sum += static_cast<double>(v);
      sq += static_cast<double>(v) * static_cast<double>(v);
    }
    CHECK(in_range);
    double mean = sum / static_cast<double>(n), var = sq / static_cast<double>(n) - mean * mean;
    CHECK_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12 / static_cast<double>(n)));
    CHECK_NEAR(var, 1.0 / 12, 1e-3);
    fvec w(1001);
    be->fill_uniform(w.data(), 1001, -0.25f, 0.75f, 2024, 17);
    for (float v : w) CHECK(v >= -0.25f && v <= 0.75f);
  }
}

TEST(normal_fill_has_unit_moments) {
  const int64_t n = 1000000;
  for (auto& be : cpu_backends()) {
    fvec g(static_cast<size_t>(n));
    be->fill_normal(g.data(), n, 0.0f, 1.0f, 77, 3);
    double sum = 0, sq = 0, within = 0;
    for (float v : g) {
      double dv = static_cast<double>(v);
      sum += dv;
      sq += dv * dv;
      within += std::abs(dv) < 1 ? 1 : 0;
      CHECK(std::isfinite(v));
    }
    double mean = sum / static_cast<double>(n), var = sq / static_cast<double>(n) - mean * mean;
    double se = 1 / std::sqrt(static_cast<double>(n));
    CHECK_NEAR(mean, 0.0, 5 * se);
    CHECK_NEAR(std::sqrt(var), 1.0, 5 * se);
    CHECK_NEAR(within / static_cast<double>(n), 0.682689, 5 * std::sqrt(0.2166 / static_cast<double>(n)));
    fvec h(5);
    be->fill_normal(h.data(), 5, 3.0f, 0.0f, 77, 3);  // std 0: exactly the mean
    CHECK(h == fvec(5, 3.0f));
  }
}

TEST(dropout_mask_values_and_determinism) {
  const int64_t n = 200000;
  const float p = 0.3f;
  for (auto& be : cpu_backends()) {
    Rng rng(401);
    fvec x = to_float(rng.vec(static_cast<size_t>(n)));
    fvec mask(x.size()), y(x.size()), mask2(x.size()), y2(x.size()), mask3(x.size());
    be->dropout_forward(n, x.data(), mask.data(), y.data(), p, 9, 100);
    const float keep = 1.0f / (1.0f - p);
    int64_t kept = 0;
    bool values_ok = true, product_ok = true;
    for (size_t i = 0; i < mask.size(); ++i) {
      values_ok = values_ok && (mask[i] == 0.0f || mask[i] == keep);
      product_ok = product_ok && y[i] == x[i] * mask[i];
      kept += mask[i] != 0.0f;
    }
    CHECK(values_ok);
    CHECK(product_ok);
    double frac = static_cast<double>(kept) / static_cast<double>(n);
    CHECK_NEAR(frac, 1 - p, 5 * std::sqrt(0.21 / static_cast<double>(n)));
    be->dropout_forward(n, x.data(), mask2.data(), y2.data(), p, 9, 100);
    CHECK(mask2 == mask && y2 == y);
    be->dropout_forward(n, x.data(), mask3.data(), y2.data(), p, 9, 101);
    CHECK(mask3 != mask);
    be->dropout_forward(n, x.data(), mask3.data(), y2.data(), p, 10, 100);  // another seed
    CHECK(mask3 != mask);
    be->dropout_forward(n, x.data(), mask3.data(), y2.data(), 0.0f, 9, 100);  // p = 0 keeps all
    CHECK(mask3 == fvec(mask3.size(), 1.0f) && y2 == x);
  }
}

TEST(fills_are_reproducible_and_offset_shifts_by_counters) {
  for (auto& be : cpu_backends()) {
    fvec a(64), b(64), c(60);
    be->fill_normal(a.data(), 64, 0.0f, 1.0f, 5, 10);
    be->fill_normal(b.data(), 64, 0.0f, 1.0f, 5, 10);
    CHECK(a == b);
    // Offset counts 4-element counters: offset 11 starts at element 4 of offset 10.
    be->fill_normal(c.data(), 60, 0.0f, 1.0f, 5, 11);
    CHECK(std::equal(c.begin(), c.end(), a.begin() + 4));
  }
}
