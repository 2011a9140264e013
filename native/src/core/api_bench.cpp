// C ABI: the SGEMM rate the benchmarks quote their convolution throughput against.
#include <algorithm>
#include <chrono>
#include <vector>

#include "context.h"
#include "cpu/blas.h"
#include "cpu/host_memory.h"
#include "registry.h"

using namespace ac;

extern "C" {

AC_API ac_status ac_bench_sgemm_gflops(ac_context* ctx, int64_t size, int32_t reps,
                                       double* gflops) {
  return guard([&] {
    const char* op = "bench_sgemm_gflops";
    check_context(ctx);
    if (!gflops) fail(AC_ERR_INVALID_ARGUMENT, format("%s: gflops is NULL", op));
    if (ctx->device != AC_DEVICE_CPU)
      fail(AC_ERR_INVALID_ARGUMENT, format("%s: needs a CPU context (it times OpenBLAS)", op));
    if (size < 16 || size > 8192 || reps < 1 || reps > 1000)
      fail(AC_ERR_INVALID_ARGUMENT,
           format("%s: size %lld must be in [16, 8192] and reps %d in [1, 1000]", op,
                  static_cast<long long>(size), reps));
    const auto count = static_cast<size_t>(size * size);
    struct Buffer {
      float* p;
      explicit Buffer(size_t n) : p(static_cast<float*>(host_alloc(n * sizeof(float)))) {}
      ~Buffer() { host_free(p); }
    } a(count), b(count), c(count);
    // Values of order 1 with no denormals or zeros (OpenBLAS has no data-dependent paths).
    for (size_t i = 0; i < count; ++i) {
      a.p[i] = 0.5f + static_cast<float>(i % 13) / 16.0f;
      b.p[i] = 0.25f + static_cast<float>(i % 7) / 8.0f;
    }
    auto run = [&] {
      parallel_sgemm(op, ctx->threads, CblasNoTrans, CblasNoTrans, size, size, size, 1.0f, a.p,
                     size, b.p, size, 0.0f, c.p, size);
    };
    run();  // warm-up: pages, caches, the OpenMP team
    std::vector<double> seconds;
    for (int32_t r = 0; r < reps; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      run();
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(seconds.begin(), seconds.end());
    const double median = seconds[seconds.size() / 2];
    *gflops = 2.0 * static_cast<double>(size) * static_cast<double>(size) *
              static_cast<double>(size) / median / 1e9;
  });
}

}  // extern "C"
