// Convolution on the fast CPU backend: im2col + sgemm forward, sgemm + col2im backward.
//
// Samples are processed in chunks of nb (conv_chunk): the column matrix of a chunk is
// [K = C*KH*KW rows, nb*P columns] with P = OH*OW and the samples side by side, so one GEMM
// covers the chunk:   out[O, nb*P] = W[O, K] * col[K, nb*P].
// Backward per chunk, with g = dy of the chunk laid out as [O, nb*P]:
//   dW += g * col^T          (GEMM over the chunk's columns, accumulated across chunks)
//   dcol = W^T * g,          then col2im scatters dcol back onto dx.
// With nb = 1 the GEMMs read and write y / dy in place, skipping the staging copies.
//
// Two ways to use the threads. Large batches (n >= 4 threads) run sample-parallel: each
// thread owns a contiguous block of samples and runs im2col, a single-threaded GEMM and the
// unstaging (or the staging, GEMM and col2im) on its own chunks with its own buffers, so a
// whole layer costs one OpenMP fork/join instead of three per chunk (hundreds per pass on
// C4 at batch 1000; each join waits for the slowest thread, which hurts most on a loaded
// machine). Small batches split each chunk's work and GEMM across the team instead.
// Weight gradients (training) stay on the split path: they sum over every sample.
#include <algorithm>
#include <cstring>

#include "blas.h"
#include "fast_backend.h"
#include "parallel.h"

namespace ac {
namespace {

// Output columns j whose input column j*stride - pad + k lies in [0, size): [*lo, *hi).
void valid_range(int64_t out, int64_t size, int32_t stride, int64_t pad, int64_t k, int64_t* lo,
                 int64_t* hi) {
  int64_t first = pad - k;  // need j*stride >= first
  int64_t l = first <= 0 ? 0 : (first + stride - 1) / stride;
  int64_t last = size - 1 + pad - k;  // need j*stride <= last
  int64_t h = last < 0 ? 0 : last / stride + 1;
  *lo = std::min(l, out);
  *hi = std::max(*lo, std::min(h, out));
}

// col[r, s*P + i*OW + j] = x[n0+s, c, i*sh - pt + ki, j*sw - pl + kj] (0 in the padding)
// for r = (c*KH + ki)*KW + kj and the nb samples starting at n0.
void im2col(const ConvShape& s, const float* x, int64_t n0, int64_t nb, float* col, int threads) {
  const int64_t P = s.oh * s.ow, cols = nb * P, khw = s.kh * s.kw;
  parallel_ranges(threads, s.c * khw * nb, rows_per_grain(P), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t r = t / nb, sample = t % nb;
      const int64_t c = r / khw, ki = (r / s.kw) % s.kh, kj = r % s.kw;
      const float* plane = x + ((n0 + sample) * s.c + c) * s.h * s.w;
      float* dst = col + r * cols + sample * P;
      int64_t j0, j1;
      valid_range(s.ow, s.w, s.sw, s.pl, kj, &j0, &j1);
      for (int64_t i = 0; i < s.oh; ++i, dst += s.ow) {
        const int64_t hi = i * s.sh - s.pt + ki;
        if (hi < 0 || hi >= s.h || j0 == j1) {
          std::fill(dst, dst + s.ow, 0.0f);
          continue;
        }
        const float* row = plane + hi * s.w;
        const int64_t shift = kj - s.pl;
        std::fill(dst, dst + j0, 0.0f);
        for (int64_t j = j0; j < j1; ++j) dst[j] = row[j * s.sw + shift];
        std::fill(dst + j1, dst + s.ow, 0.0f);
      }
    }
  });
}

// dx[n0+s, c] = sum over taps of dcol, the adjoint of im2col. Each (sample, channel) plane is
// owned by one thread, so the scatter needs no atomics.
void col2im(const ConvShape& s, const float* dcol, int64_t n0, int64_t nb, float* dx, int threads) {
  const int64_t P = s.oh * s.ow, cols = nb * P;
  parallel_ranges(threads, nb * s.c, rows_per_grain(s.kh * s.kw * P), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t sample = t / s.c, c = t % s.c;
      float* plane = dx + ((n0 + sample) * s.c + c) * s.h * s.w;
      std::fill(plane, plane + s.h * s.w, 0.0f);
      for (int64_t ki = 0; ki < s.kh; ++ki)
        for (int64_t kj = 0; kj < s.kw; ++kj) {
          const float* src = dcol + ((c * s.kh + ki) * s.kw + kj) * cols + sample * P;
          int64_t j0, j1;
          valid_range(s.ow, s.w, s.sw, s.pl, kj, &j0, &j1);
          for (int64_t i = 0; i < s.oh; ++i, src += s.ow) {
            const int64_t hi = i * s.sh - s.pt + ki;
            if (hi < 0 || hi >= s.h) continue;
            float* row = plane + hi * s.w;
            const int64_t shift = kj - s.pl;
            for (int64_t j = j0; j < j1; ++j) row[j * s.sw + shift] += src[j];
          }
        }
    }
  });
}

// y[n0 + sample, o] = the GEMM output dst [O, m*P] (+ bias) for pairs t = sample*O + o in
// [lo, hi). When m == 1 the GEMM wrote y itself and only the bias is added.
void finish_forward(const ConvShape& s, const float* dst, int64_t n0, int64_t m, const float* b,
                    float* y, int64_t lo, int64_t hi) {
  const int64_t P = s.oh * s.ow, cols = m * P;
  for (int64_t t = lo; t < hi; ++t) {
    const int64_t sample = t / s.o, o = t % s.o;
    const float* src = dst + o * cols + sample * P;
    float* yo = y + ((n0 + sample) * s.o + o) * P;
    const float bias = b ? b[o] : 0.0f;
    if (m == 1) {
      if (b)
        for (int64_t p = 0; p < P; ++p) yo[p] += bias;
    } else {
      for (int64_t p = 0; p < P; ++p) yo[p] = src[p] + bias;
    }
  }
}

// staged [O, m*P] = dy of samples n0 .. n0+m-1, for pairs t = sample*O + o in [lo, hi).
void stage_dy(const ConvShape& s, const float* dy, int64_t n0, int64_t m, float* staged,
              int64_t lo, int64_t hi) {
  const int64_t P = s.oh * s.ow, cols = m * P;
  for (int64_t t = lo; t < hi; ++t) {
    const int64_t sample = t / s.o, o = t % s.o;
    std::memcpy(staged + o * cols + sample * P, dy + ((n0 + sample) * s.o + o) * P,
                static_cast<size_t>(P) * sizeof(float));
  }
}

}  // namespace

int64_t CpuFastBackend::conv_chunk(const ConvShape& s, size_t budget) const {
  const int64_t per_sample = s.c * s.kh * s.kw * s.oh * s.ow * static_cast<int64_t>(sizeof(float));
  const int64_t nb = static_cast<int64_t>(budget) / std::max<int64_t>(per_sample, 1);
  return std::clamp<int64_t>(nb, 1, s.n);
}

// A kernel that covers the whole unpadded input once (e.g. C4's last conv, 128x5x5 -> 128x1x1)
// is a linear layer: the im2col column of a sample is the sample itself.
static bool conv_is_linear(const ConvShape& s) {
  return s.oh == 1 && s.ow == 1 && s.pt == 0 && s.pl == 0 && s.kh == s.h && s.kw == s.w;
}

int CpuFastBackend::conv_sample_threads(const ConvShape& s) const {
  return threads_ > 1 && s.n >= 4 * static_cast<int64_t>(threads_) ? threads_ : 1;
}

// Every thread's buffers are sized before the fork: nothing inside the team may throw.
template <class ChunkBody>
void CpuFastBackend::for_each_sample_chunk(const ConvShape& s, int team, ChunkBody body) {
  const int64_t P = s.oh * s.ow, K = s.c * s.kh * s.kw;
  const int64_t nb = conv_chunk(s, std::max<size_t>(column_budget_ / static_cast<size_t>(team), 1));
  blas_dim("conv2d", nb * P, "GEMM columns");
  for (int t = 0; t < team; ++t) {
    thread_columns_[t].floats(static_cast<size_t>(K * nb * P));
    if (nb > 1) thread_staging_[t].floats(static_cast<size_t>(s.o * nb * P));
  }
#pragma omp parallel for num_threads(team) schedule(static, 1)
  for (int t = 0; t < team; ++t) {
    float* col = thread_columns_[t].floats(static_cast<size_t>(K * nb * P));
    float* staging = nb > 1 ? thread_staging_[t].floats(static_cast<size_t>(s.o * nb * P)) : nullptr;
    const int64_t end = s.n * (t + 1) / team;
    for (int64_t n0 = s.n * t / team; n0 < end; n0 += nb) body(n0, std::min(nb, end - n0), col, staging);
  }
}

void CpuFastBackend::conv2d_forward(const ConvShape& s, const float* x, const float* w,
                                    const float* b, float* y) {
  const int64_t P = s.oh * s.ow, K = s.c * s.kh * s.kw;
  if (conv_is_linear(s)) {
    linear_forward(s.n, K, s.o, x, w, b, y);  // y[n, O] = x[n, K] w[O, K]^T + b
    return;
  }
  std::lock_guard<std::mutex> lock(workspace_mutex_);
  if (const int team = conv_sample_threads(s); team > 1) {
    const blasint bo = blas_dim("conv2d", s.o, "GEMM rows"), bk = blas_dim("conv2d", K, "GEMM depth");
    for_each_sample_chunk(s, team, [&](int64_t n0, int64_t m, float* col, float* staging) {
      const blasint cols = static_cast<blasint>(m * P);
      im2col(s, x, n0, m, col, 1);
      float* dst = m == 1 ? y + n0 * s.o * P : staging;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, bo, cols, bk, 1.0f, w, bk, col, cols,
                  0.0f, dst, cols);
      if (m > 1 || b) finish_forward(s, dst, n0, m, b, y, 0, m * s.o);
    });
    return;
  }
  const int64_t nb = conv_chunk(s);
  float* col = columns_.floats(static_cast<size_t>(K * nb * P));
  float* out = nb > 1 ? staging_.floats(static_cast<size_t>(s.o * nb * P)) : nullptr;
  for (int64_t n0 = 0; n0 < s.n; n0 += nb) {
    const int64_t m = std::min(nb, s.n - n0), cols = m * P;
    im2col(s, x, n0, m, col, threads_);
    float* dst = m == 1 ? y + n0 * s.o * P : out;
    parallel_sgemm("conv2d", threads_, CblasNoTrans, CblasNoTrans, s.o, cols, K, 1.0f, w, K,
                   col, cols, 0.0f, dst, cols);
    if (m == 1 && !b) continue;  // the GEMM wrote y directly and there is no bias
    // Unstage [O, m*P] into y's [m, O, P] layout, adding the bias on the way.
    parallel_ranges(threads_, m * s.o, rows_per_grain(P), [&](int64_t lo, int64_t hi) {
      finish_forward(s, dst, n0, m, b, y, lo, hi);
    });
  }
}

void CpuFastBackend::conv2d_backward(const ConvShape& s, const float* x, const float* w,
                                     const float* dy, float* dx, float* dw, float* db) {
  const int64_t P = s.oh * s.ow, K = s.c * s.kh * s.kw;
  if (db)
    parallel_ranges(threads_, s.o, rows_per_grain(s.n * P), [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; ++o) {
        double sum = 0;
        for (int64_t n = 0; n < s.n; ++n) {
          const float* g = dy + (n * s.o + o) * P;
          float part = 0;  // a float sum per plane vectorises; planes add up in double
          for (int64_t p = 0; p < P; ++p) part += g[p];
          sum += static_cast<double>(part);
        }
        db[o] = static_cast<float>(sum);
      }
    });
  if (!dx && !dw) return;
  if (conv_is_linear(s)) {
    linear_backward(s.n, K, s.o, x, w, dy, dx, dw, nullptr);
    return;
  }

  std::lock_guard<std::mutex> lock(workspace_mutex_);
  if (const int team = dw ? 1 : conv_sample_threads(s); team > 1) {
    // Input gradient only (e.g. an attack's gradient evaluation): sample-parallel.
    const blasint bo = blas_dim("conv2d", s.o, "GEMM depth"), bk = blas_dim("conv2d", K, "GEMM rows");
    for_each_sample_chunk(s, team, [&](int64_t n0, int64_t m, float* col, float* staging) {
      const blasint cols = static_cast<blasint>(m * P);
      const float* g = dy + n0 * s.o * P;
      if (m > 1) {
        stage_dy(s, dy, n0, m, staging, 0, m * s.o);
        g = staging;
      }
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, bk, cols, bo, 1.0f, w, bk, g, cols,
                  0.0f, col, cols);
      col2im(s, col, n0, m, dx, 1);
    });
    return;
  }
  const int64_t nb = conv_chunk(s);
  float* col = columns_.floats(static_cast<size_t>(K * nb * P));
  float* staged = nb > 1 ? staging_.floats(static_cast<size_t>(s.o * nb * P)) : nullptr;
  for (int64_t n0 = 0; n0 < s.n; n0 += nb) {
    const int64_t m = std::min(nb, s.n - n0), cols = m * P;
    // g = this chunk's dy as [O, m*P].
    const float* g = dy + n0 * s.o * P;
    if (m > 1) {
      parallel_ranges(threads_, m * s.o, rows_per_grain(P), [&](int64_t lo, int64_t hi) {
        stage_dy(s, dy, n0, m, staged, lo, hi);
      });
      g = staged;
    }
    if (dw) {
      im2col(s, x, n0, m, col, threads_);
      parallel_sgemm("conv2d", threads_, CblasNoTrans, CblasTrans, s.o, K, cols, 1.0f, g, cols,
                     col, cols, n0 == 0 ? 0.0f : 1.0f, dw, K);
    }
    if (dx) {
      // The column buffer is free again once dW has used it: reuse it for dcol.
      parallel_sgemm("conv2d", threads_, CblasTrans, CblasNoTrans, K, cols, s.o, 1.0f, w, K, g,
                     cols, 0.0f, col, cols);
      col2im(s, col, n0, m, dx, threads_);
    }
  }
}

}  // namespace ac
