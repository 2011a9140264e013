// Patch replacement on the fast CPU backend (contract: advcore.h "Patch replacement",
// reference kernels in reference_patches.h). Extraction splits the patch rows across threads,
// each copying its rows pixel by pixel (d contiguous values per pixel in a patch row).
// Reconstruction is a gather instead of the reference's scatter: each output value sums, in
// double, the patch values covering it in the same patch-index order the scatter visits them,
// so the result is bit-identical; planes (image, channel) are split across threads. The
// strategies and the E8 quantizer are the reference kernels over ranges of rows / blocks.
#include <vector>

#include "fast_backend.h"
#include "parallel.h"
#include "reference_patches.h"

namespace ac {

namespace {

// For every coordinate y of an extent, the patch positions covering it in ascending order,
// as (position index, offset of y inside that patch): entries [start[y], start[y + 1]).
struct Cover {
  std::vector<int64_t> start, index, offset;
  Cover(int64_t extent, int64_t positions, int64_t p, int64_t c)
      : start(static_cast<size_t>(extent + 1), 0) {
    for (int64_t y = 0; y < extent; ++y) {
      start[static_cast<size_t>(y)] = static_cast<int64_t>(index.size());
      for (int64_t i = 0; i < positions; ++i) {
        const int64_t o = patch_origin(i, positions, c, extent, p);
        if (o <= y && y < o + p) {
          index.push_back(i);
          offset.push_back(y - o);
        }
      }
    }
    start[static_cast<size_t>(extent)] = static_cast<int64_t>(index.size());
  }
};

}  // namespace

void CpuFastBackend::patches_extract(const PatchShape& s, const float* features, float* patches) {
  const int64_t per = s.per_image(), dim = s.dim(), total = s.slices() * s.n * per;
  parallel_ranges(threads_, total, rows_per_grain(dim), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t k = r / (s.n * per), n = (r / per) % s.n, ij = r % per;
      const int64_t y0 = patch_origin(ij / s.cols, s.rows, s.c, s.h, s.p);
      const int64_t x0 = patch_origin(ij % s.cols, s.cols, s.c, s.w, s.p);
      const float* plane = features + (n * s.depth + k * s.d) * s.h * s.w;
      float* row = patches + r * dim;
      for (int64_t dy = 0; dy < s.p; ++dy)
        for (int64_t dx = 0; dx < s.p; ++dx) {
          const float* src = plane + (y0 + dy) * s.w + x0 + dx;
          float* dst = row + (dy * s.p + dx) * s.d;
          for (int64_t ch = 0; ch < s.d; ++ch) dst[ch] = src[ch * s.h * s.w];
        }
    }
  });
}

void CpuFastBackend::patches_rebuild(const PatchShape& s, const float* patches, float* features) {
  const Cover ys(s.h, s.rows, s.p, s.c), xs(s.w, s.cols, s.p, s.c);
  const int64_t per = s.per_image(), dim = s.dim(), hw = s.h * s.w;
  parallel_ranges(threads_, s.n * s.depth, rows_per_grain(hw), [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      const int64_t n = plane / s.depth, channel = plane % s.depth;
      const int64_t k = channel / s.d, ch = channel % s.d;
      const float* slice = patches + (k * s.n + n) * per * dim;
      float* out = features + plane * hw;
      for (int64_t y = 0; y < s.h; ++y)
        for (int64_t x = 0; x < s.w; ++x) {
          double sum = 0.0;
          int64_t count = 0;
          for (int64_t a = ys.start[static_cast<size_t>(y)]; a < ys.start[static_cast<size_t>(y + 1)]; ++a)
            for (int64_t q = xs.start[static_cast<size_t>(x)]; q < xs.start[static_cast<size_t>(x + 1)]; ++q) {
              const int64_t i = ys.index[static_cast<size_t>(a)], j = xs.index[static_cast<size_t>(q)];
              const int64_t dy = ys.offset[static_cast<size_t>(a)], dx = xs.offset[static_cast<size_t>(q)];
              sum += static_cast<double>(slice[(i * s.cols + j) * dim + (dy * s.p + dx) * s.d + ch]);
              ++count;
            }
          out[y * s.w + x] = static_cast<float>(sum / static_cast<double>(count));
        }
    }
  });
}

void CpuFastBackend::patch_strategy_apply(int64_t rows, int64_t dim, int32_t strategy, float eps,
                                          float* patches, const float* quantized) {
  parallel_ranges(threads_, rows, rows_per_grain(dim), [&](int64_t b, int64_t e) {
    ref::patch_strategy_apply(e - b, dim, strategy, eps, patches + b * dim, quantized + b * dim);
  });
}

void CpuFastBackend::e8_quantize(int64_t blocks, float scale, const float* x, float* out) {
  // ~60 flops per value: a grain of a quarter of the element-wise one.
  parallel_ranges(threads_, blocks, std::max<int64_t>(1, kParallelGrain / 32), [&](int64_t b, int64_t e) {
    ref::e8_quantize(e - b, scale, x + b * 8, out + b * 8);
  });
}

}  // namespace ac
