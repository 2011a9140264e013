// A tiny test harness in the spirit of llm.c's test programs: no framework, named tests
// registered at static-initialisation time, CHECK macros that report file:line and keep
// going, one summary line "N passed, N failed" and a non-zero exit status on failure.
//
//   TEST(conv2d_backward_matches_finite_differences) {
//     CHECK(ok);
//     CHECK_NEAR(got, want, 1e-6);
//     CHECK_CLOSE(got_vec, want_vec, 1e-4);   // max |got - want| <= tol * max |want|
//     CHECK_STATUS(ac_argmax(...), AC_OK);
//   }
//
// A test may call SKIP("reason") (e.g. no GPU here); skipped tests count as neither.
// Run a subset with: advcore_native_tests <substring>.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace harness {

using TestFn = void (*)();

// Registers a test; returns true so it can initialise a static.
bool register_test(const char* name, TestFn fn);

// Records a failed check for the running test and prints it.
void report_failure(const char* file, int line, const std::string& message);

// Thrown by SKIP; caught by the runner.
struct Skipped {
  std::string reason;
};

std::string printf_string(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Max |got - want| and max |want| over two arrays of equal length.
template <class A, class B>
bool close_arrays(const A& got, const B& want, double tol, std::string* why) {
  if (got.size() != want.size()) {
    *why = printf_string("sizes differ: %zu vs %zu", got.size(), want.size());
    return false;
  }
  double max_err = 0, scale = 0;
  size_t worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double g = static_cast<double>(got[i]), w = static_cast<double>(want[i]);
    double err = std::abs(g - w);
    if (!(err <= max_err)) {  // also catches NaN
      max_err = std::isnan(err) ? INFINITY : err;
      worst = i;
    }
    scale = std::max(scale, std::abs(w));
  }
  double limit = tol * std::max(scale, 1e-30);
  if (max_err <= limit) return true;
  *why = printf_string("max error %.3g at [%zu] (got %.9g, want %.9g) > %.3g = tol %.1g * max|want| %.3g",
                       max_err, worst, static_cast<double>(got[worst]),
                       static_cast<double>(want[worst]), limit, tol, scale);
  return false;
}

}  // namespace harness

#define TEST(name)                                                              \
  static void name();                                                           \
  [[maybe_unused]] static const bool name##_registered =                        \
      ::harness::register_test(#name, name);                                    \
  static void name()

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) ::harness::report_failure(__FILE__, __LINE__, "CHECK(" #cond ")"); \
  } while (0)

// Like CHECK, with a printf-style explanation.
#define CHECK_MSG(cond, ...)                                                    \
  do {                                                                          \
    if (!(cond))                                                                \
      ::harness::report_failure(__FILE__, __LINE__,                             \
                                "CHECK(" #cond "): " + ::harness::printf_string(__VA_ARGS__)); \
  } while (0)

#define CHECK_NEAR(got, want, tol)                                              \
  do {                                                                          \
    double g_ = static_cast<double>(got), w_ = static_cast<double>(want);       \
    double t_ = static_cast<double>(tol);                                       \
    if (!(std::abs(g_ - w_) <= t_))                                             \
      ::harness::report_failure(__FILE__, __LINE__,                             \
          ::harness::printf_string("CHECK_NEAR(%s, %s): %.9g vs %.9g, |diff| %.3g > %.3g", \
                                   #got, #want, g_, w_, std::abs(g_ - w_), t_)); \
  } while (0)

// Arrays (anything with size() and operator[]) agree within tol relative to max |want|.
#define CHECK_CLOSE(got, want, tol)                                             \
  do {                                                                          \
    std::string why_;                                                           \
    if (!::harness::close_arrays((got), (want), (tol), &why_))                  \
      ::harness::report_failure(__FILE__, __LINE__,                             \
                                "CHECK_CLOSE(" #got ", " #want "): " + why_);   \
  } while (0)

// An AdvCore call returns the expected status; prints ac_last_error() when it does not.
#define CHECK_STATUS(expr, want)                                                \
  do {                                                                          \
    int got_ = static_cast<int>(expr);                                          \
    if (got_ != static_cast<int>(want))                                         \
      ::harness::report_failure(__FILE__, __LINE__,                             \
          ::harness::printf_string("%s returned %d, expected %s = %d (last error: %s)", \
                                   #expr, got_, #want, static_cast<int>(want), ac_last_error())); \
  } while (0)

#define SKIP(reason) throw ::harness::Skipped{reason}
