// libFuzzer harness over the C ABI's entry points (clang-19 -fsanitize=fuzzer,address,undefined;
// ./build.sh fuzz native SECONDS). The input is a little program: each op byte picks an entry
// point, the bytes after it its shapes, sizes and parameters. Any status is fine -- the ABI must
// refuse bad shapes with an error code -- but a crash, an ASan/UBSan report or a leak is a finding.
#include <advcore.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

// Reads the fuzzer's bytes as small integers; zeros once they run out.
struct Input {
  const uint8_t* data;
  size_t size;
  size_t at = 0;
  uint8_t byte() { return at < size ? data[at++] : 0; }
  int64_t small(int64_t lo, int64_t hi) { return lo + byte() % (hi - lo + 1); }
  int64_t raw64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | byte();
    return static_cast<int64_t>(v);
  }
  bool done() const { return at >= size; }
};

constexpr int64_t kMaxElements = int64_t{1} << 16;  // what the harness lets through as "valid"

// A tensor of fuzzed rank and small dims filled with fuzzed finite values, or null.
ac_tensor* small_tensor(ac_context* ctx, Input& in, ac_dtype dtype = AC_F32) {
  int32_t ndim = static_cast<int32_t>(in.small(1, 5));
  int64_t shape[AC_MAX_DIMS];
  int64_t count = 1;
  for (int32_t i = 0; i < ndim; i++) {
    shape[i] = in.small(1, 12);
    count *= shape[i];
  }
  ac_tensor* t = nullptr;
  if (ac_tensor_create(ctx, dtype, ndim, shape, &t) != AC_OK) return nullptr;
  if (dtype == AC_F32) {
    std::vector<float> values(static_cast<size_t>(count));
    for (auto& v : values) v = static_cast<float>(in.small(-64, 64)) / 16.0f;
    ac_tensor_copy_from_host(t, values.data(), count * static_cast<int64_t>(sizeof(float)));
  } else {
    std::vector<int32_t> values(static_cast<size_t>(count));
    for (auto& v : values) v = static_cast<int32_t>(in.small(-2, 12));
    ac_tensor_copy_from_host(t, values.data(), count * static_cast<int64_t>(sizeof(int32_t)));
  }
  return t;
}

// Creation with raw 64-bit dims: negative, zero, overflowing products. Requests the library
// would accept but that are merely big (between the harness cap and 2^40) are skipped.
void absurd_create(ac_context* ctx, Input& in) {
  int32_t ndim = static_cast<int32_t>(in.small(-1, AC_MAX_DIMS + 1));
  int64_t shape[AC_MAX_DIMS + 2];
  bool positive = true, overflow = false;
  int64_t count = 1;
  for (int32_t i = 0; i < ndim && i < AC_MAX_DIMS + 2; i++) {
    shape[i] = in.byte() < 128 ? in.small(1, 9) : in.raw64();
    if (shape[i] < 1) positive = false;
    else if (__builtin_mul_overflow(count, shape[i], &count)) overflow = true;
  }
  if (positive && !overflow && ndim >= 1 && ndim <= AC_MAX_DIMS && count > kMaxElements && count <= (int64_t{1} << 40)) return;
  ac_tensor* t = nullptr;
  if (ac_tensor_create(ctx, in.byte() % 2 ? AC_I32 : AC_F32, ndim, shape, &t) == AC_OK) ac_tensor_destroy(t);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in{data, size};
  ac_context* ctx = nullptr;
  if (ac_context_create(AC_DEVICE_CPU, 1, 7, in.byte() % 2u, &ctx) != AC_OK) return 0;
  std::vector<ac_tensor*> live;
  auto pick = [&]() -> ac_tensor* { return live.empty() || in.byte() % 8 == 0 ? nullptr : live[in.byte() % live.size()]; };
  for (int step = 0; step < 16 && !in.done(); step++) {
    switch (in.byte() % 12) {
      case 0: if (auto* t = small_tensor(ctx, in)) live.push_back(t); break;
      case 1: if (auto* t = small_tensor(ctx, in, AC_I32)) live.push_back(t); break;
      case 2: absurd_create(ctx, in); break;
      case 3: {
        ac_conv2d_params p{static_cast<int32_t>(in.small(-1, 3)), static_cast<int32_t>(in.small(-1, 3)),
                           static_cast<int32_t>(in.small(-1, 3)), static_cast<int32_t>(in.small(-1, 3)),
                           static_cast<int32_t>(in.small(-1, 3)), static_cast<int32_t>(in.small(-1, 3))};
        auto* x = pick(); auto* w = pick(); auto* b = pick(); auto* y = pick();
        ac_conv2d_forward(ctx, x, w, b, y, &p);
        break;
      }
      case 4: { auto* x = pick(); auto* w = pick(); auto* b = pick(); auto* y = pick(); ac_linear_forward(ctx, x, w, b, y); break; }
      case 5: {
        ac_pool_params p{static_cast<int32_t>(in.small(-1, 4)), static_cast<int32_t>(in.small(-1, 4)), static_cast<int32_t>(in.small(-1, 3)),
                         static_cast<int32_t>(in.small(-1, 3)), static_cast<int32_t>(in.small(-1, 3)), static_cast<int32_t>(in.small(-1, 3))};
        auto* x = pick(); auto* y = pick();
        if (in.byte() % 2) ac_maxpool_forward(ctx, x, y, &p); else ac_avgpool_forward(ctx, x, y, &p);
        break;
      }
      case 6: { auto* x = pick(); auto* y = pick(); ac_activation_forward(ctx, static_cast<ac_activation>(in.small(-1, 3)), static_cast<float>(in.small(-2, 4)), x, y); break; }
      case 7: { auto* d = pick(); auto* s = pick(); ac_tensor_copy_samples(d, in.small(-2, 12), s, in.small(-2, 12), in.small(-2, 12)); break; }
      case 8: {
        auto* t = pick();
        int64_t bytes = in.byte() % 2 ? in.small(-8, 4096) : in.raw64();
        std::vector<uint8_t> buffer(4096 + 64);
        if (t && bytes >= 0 && bytes <= 4096) {
          if (in.byte() % 2) ac_tensor_copy_to_host(t, buffer.data(), bytes); else ac_tensor_copy_from_host(t, buffer.data(), bytes);
        }
        break;
      }
      case 9: {
        auto* t = pick();
        int32_t ndim = static_cast<int32_t>(in.small(0, 4));
        int64_t shape[4] = {in.small(-1, 40), in.small(-1, 40), in.small(-1, 40), in.small(-1, 40)};
        ac_tensor* v = nullptr;
        if (t && ac_tensor_view(t, ndim, shape, &v) == AC_OK) live.push_back(v);
        break;
      }
      case 10: { auto* a = pick(); auto* b = pick(); auto* y = pick(); ac_add(ctx, a, b, y); break; }
      case 11: { auto* l = pick(); auto* p = pick(); ac_argmax(ctx, l, p); ac_tensor_check_finite(l); break; }
    }
  }
  for (auto* t : live) ac_tensor_destroy(t);
  ac_context_destroy(ctx);
  return 0;
}
