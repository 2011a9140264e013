#include "context.h"

#include <cstring>
#include <thread>

#include "error.h"
#include "registry.h"

namespace ac {

std::shared_ptr<ac_context> make_context(ac_device device, int32_t threads, uint64_t seed,
                                         uint32_t flags) {
  if (device != AC_DEVICE_CPU && device != AC_DEVICE_CUDA)
    fail(AC_ERR_INVALID_ARGUMENT, format("unknown device %d", static_cast<int>(device)));
  if (flags & ~static_cast<uint32_t>(AC_CONTEXT_REFERENCE_KERNELS))
    fail(AC_ERR_INVALID_ARGUMENT, format("unknown context flags 0x%x", flags));
  auto ctx = std::make_shared<ac_context>();
  ctx->device = device;
  ctx->seed = seed;
  ctx->flags = flags;
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  ctx->threads = threads > 0 ? threads : (cores > 0 ? cores : 1);
  if (device == AC_DEVICE_CUDA) {
    std::string reason;
    ctx->backend = make_cuda_backend(&reason);
  } else if (flags & AC_CONTEXT_REFERENCE_KERNELS) {
    ctx->backend = make_cpu_reference_backend();
  } else {
    ctx->backend = make_cpu_fast_backend(ctx->threads);
  }
  return ctx;
}

}  // namespace ac

using namespace ac;

extern "C" {

AC_API const char* ac_version(void) { return "0.1.0"; }

AC_API ac_status ac_device_available(ac_device device, int32_t* available, char* reason,
                                     int32_t reason_size) {
  return guard([&] {
    if (!available) fail(AC_ERR_INVALID_ARGUMENT, "available must not be null");
    std::string why;
    bool ok = true;
    if (device == AC_DEVICE_CUDA) ok = cuda_available(&why);
    else if (device != AC_DEVICE_CPU)
      fail(AC_ERR_INVALID_ARGUMENT, format("unknown device %d", static_cast<int>(device)));
    *available = ok ? 1 : 0;
    if (reason && reason_size > 0) {
      std::strncpy(reason, why.c_str(), static_cast<size_t>(reason_size) - 1);
      reason[reason_size - 1] = '\0';
    }
  });
}

AC_API ac_status ac_context_create(ac_device device, int32_t threads, uint64_t seed,
                                   uint32_t flags, ac_context** out) {
  return guard([&] {
    if (!out) fail(AC_ERR_INVALID_ARGUMENT, "out must not be null");
    *out = nullptr;
    auto ctx = make_context(device, threads, seed, flags);
    *out = ctx.get();
    register_context(std::move(ctx));
  });
}

AC_API ac_status ac_context_destroy(ac_context* ctx) {
  return guard([&] {
    if (ctx) release_context(ctx);
  });
}

AC_API ac_status ac_context_device(const ac_context* ctx, ac_device* device) {
  return guard([&] {
    check_context(ctx);
    if (!device) fail(AC_ERR_INVALID_ARGUMENT, "device must not be null");
    *device = ctx->device;
  });
}

AC_API ac_status ac_context_threads(const ac_context* ctx, int32_t* threads) {
  return guard([&] {
    check_context(ctx);
    if (!threads) fail(AC_ERR_INVALID_ARGUMENT, "threads must not be null");
    *threads = ctx->threads;
  });
}

AC_API ac_status ac_context_synchronize(ac_context* ctx) {
  return guard([&] {
    check_context(ctx);
    ctx->backend->synchronize();
  });
}

AC_API ac_status ac_context_workspace_bytes(const ac_context* ctx, int64_t* bytes) {
  return guard([&] {
    check_context(ctx);
    if (!bytes) fail(AC_ERR_INVALID_ARGUMENT, "bytes must not be null");
    *bytes = ctx->backend->workspace_bytes();
  });
}

AC_API ac_status ac_context_set_value_checks(ac_context* ctx, int32_t enabled) {
  return guard([&] {
    check_context(ctx);
    ctx->value_checks = enabled != 0;
  });
}

AC_API ac_status ac_context_get_value_checks(const ac_context* ctx, int32_t* enabled) {
  return guard([&] {
    check_context(ctx);
    if (!enabled) fail(AC_ERR_INVALID_ARGUMENT, "enabled must not be null");
    *enabled = ctx->value_checks ? 1 : 0;
  });
}

AC_API ac_status ac_context_transfer_counts(ac_context* ctx, ac_transfer_counts* out) {
  return guard([&] {
    check_context(ctx);
    if (!out) fail(AC_ERR_INVALID_ARGUMENT, "out must not be null");
    const TransferCounts& c = ctx->backend->transfers;
    *out = ac_transfer_counts{c.host_to_device, c.device_to_host, c.synchronizations};
  });
}

AC_API ac_status ac_context_reset_transfer_counts(ac_context* ctx) {
  return guard([&] {
    check_context(ctx);
    ctx->backend->transfers = TransferCounts{};
  });
}

}  // extern "C"
