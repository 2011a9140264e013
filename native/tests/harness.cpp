// The test runner: runs every registered test (or those whose name contains argv[1]),
// prints one line per test and the summary line "N passed, N failed".
#include "harness.h"

#include <chrono>
#include <cstdarg>
#include <cstring>
#include <exception>

namespace harness {
namespace {

struct Test {
  const char* name;
  TestFn fn;
};

// Function-local static: registration order across files does not matter.
std::vector<Test>& registry() {
  static std::vector<Test> tests;
  return tests;
}

int g_failures_in_test = 0;

}  // namespace

bool register_test(const char* name, TestFn fn) {
  registry().push_back({name, fn});
  return true;
}

void report_failure(const char* file, int line, const std::string& message) {
  ++g_failures_in_test;
  if (g_failures_in_test <= 10) std::printf("    %s:%d: %s\n", file, line, message.c_str());
  if (g_failures_in_test == 10) std::printf("    (further failures of this test not shown)\n");
}

std::string printf_string(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char buffer[1024];
  std::vsnprintf(buffer, sizeof buffer, fmt, args);
  va_end(args);
  return buffer;
}

}  // namespace harness

int main(int argc, char** argv) {
  using namespace harness;
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0, skipped = 0;
  auto start_all = std::chrono::steady_clock::now();
  for (const Test& t : registry()) {
    if (filter && !std::strstr(t.name, filter)) continue;
    g_failures_in_test = 0;
    auto start = std::chrono::steady_clock::now();
    std::string skip_reason;
    bool is_skipped = false;
    try {
      t.fn();
    } catch (const Skipped& s) {
      is_skipped = true;
      skip_reason = s.reason;
    } catch (const std::exception& e) {
      report_failure(t.name, 0, std::string("uncaught exception: ") + e.what());
    } catch (...) {
      report_failure(t.name, 0, "uncaught non-standard exception");
    }
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (is_skipped && g_failures_in_test == 0) {
      ++skipped;
      std::printf("[SKIP] %s: %s\n", t.name, skip_reason.c_str());
    } else if (g_failures_in_test == 0) {
      ++passed;
      std::printf("[ OK ] %s (%.0f ms)\n", t.name, ms);
    } else {
      ++failed;
      std::printf("[FAIL] %s (%d failed checks)\n", t.name, g_failures_in_test);
    }
    std::fflush(stdout);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_all).count();
  if (skipped) std::printf("%d skipped\n", skipped);
  std::printf("total %.1f s\n", secs);
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed + skipped > 0 ? 0 : 1;
}
