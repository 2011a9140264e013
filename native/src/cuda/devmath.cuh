// devmath.cuh — device math and the small helpers every kernel family shares: grid-stride
// indexing, warp and block reductions, and exp/log/sinpi/cospi implemented from basic
// IEEE operations (no libdevice, identical under nvcc and clang).
//
// Accuracy (float, round-to-nearest, no flush-to-zero): ac_expf and ac_logf are within
// 2 ulp over their whole range; ac_sincospif within 2 ulp for |t| < 2^22. That is what the
// CPU reference (double transcendentals rounded to float) is compared against at 1e-4.
#pragma once
#include "compat.cuh"

#define AC_INF_F (ac_i2f(0x7f800000))
#define AC_NAN_F (ac_i2f(0x7fc00000))
#define AC_INF_D (ac_ll2d(0x7ff0000000000000ll))
#define AC_NAN_D (ac_ll2d(0x7ff8000000000000ll))

// ------------------------------------------------------------------------ indexing

AC_DEV long long ac_global_thread() {
  return static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
}
AC_DEV long long ac_grid_threads() {
  return static_cast<long long>(gridDim.x) * blockDim.x;
}

// ------------------------------------------------------------------------ float bits

AC_DEV bool ac_isfinite(float v) { return (ac_f2i(v) & 0x7f800000) != 0x7f800000; }
AC_DEV bool ac_isnan(float v) { return v != v; }

// 2^e for e in [-126, 127] as an exact float.
AC_DEV float ac_pow2i(int e) { return ac_i2f((e + 127) << 23); }

// ------------------------------------------------------------------------ exp / log

// e^x. Cody-Waite reduction x = n ln2 + r with |r| <= ln2/2, a degree-7 Taylor polynomial
// for e^r (truncation < 1e-8 relative) and a two-step exact scaling by 2^n so that
// results in the subnormal range and near overflow are right.
AC_DEV float ac_expf(float x) {
  if (ac_isnan(x)) return x;
  if (x > 88.72283905206835f) return AC_INF_F;
  if (x < -103.97208f) return 0.0f;
  float n = ac_rintf(x * 1.4426950408889634f);
  float r = ac_fmaf(n, -0.693145751953125f, x);  // ln2 high part (exact product)
  r = ac_fmaf(n, -1.428606765330187e-06f, r);    // ln2 low part
  float p = 1.0f / 5040.0f;
  p = ac_fmaf(p, r, 1.0f / 720.0f);
  p = ac_fmaf(p, r, 1.0f / 120.0f);
  p = ac_fmaf(p, r, 1.0f / 24.0f);
  p = ac_fmaf(p, r, 1.0f / 6.0f);
  p = ac_fmaf(p, r, 0.5f);
  p = ac_fmaf(p, r, 1.0f);
  p = ac_fmaf(p, r, 1.0f);
  int ni = static_cast<int>(n);  // in [-150, 128]
  int a = ni / 2, b = ni - a;    // each in [-75, 64]
  return p * ac_pow2i(a) * ac_pow2i(b);
}

// Natural log. x = m 2^e with m in (sqrt(1/2), sqrt(2)]; log m = 2 atanh(s) with
// s = (m-1)/(m+1), |s| < 0.172, summed to s^13 (truncation < 1e-9 relative).
AC_DEV float ac_logf(float x) {
  if (ac_isnan(x) || x < 0.0f) return AC_NAN_F;
  if (x == 0.0f) return -AC_INF_F;
  if (x == AC_INF_F) return x;
  int e = 0;
  if (x < 1.17549435e-38f) {  // subnormal: scale into the normal range
    x *= 8388608.0f;          // 2^23
    e = -23;
  }
  int bits = ac_f2i(x);
  e += ((bits >> 23) & 0xff) - 127;
  float m = ac_i2f((bits & 0x007fffff) | 0x3f800000);  // [1, 2)
  if (m > 1.41421356f) {
    m *= 0.5f;
    e += 1;
  }
  float f = m - 1.0f;  // exact
  float s = f / (2.0f + f);
  float z = s * s;
  float p = 1.0f / 13.0f;
  p = ac_fmaf(p, z, 1.0f / 11.0f);
  p = ac_fmaf(p, z, 1.0f / 9.0f);
  p = ac_fmaf(p, z, 1.0f / 7.0f);
  p = ac_fmaf(p, z, 1.0f / 5.0f);
  p = ac_fmaf(p, z, 1.0f / 3.0f);
  // log m = 2s + 2s z p. Written as f - s (f - 2 z p s ...) would gain a bit; this form is
  // within 2 ulp, which is all the callers need.
  float lm = ac_fmaf(2.0f * s * z, p, 2.0f * s);
  float fe = static_cast<float>(e);
  return ac_fmaf(fe, 0.693145751953125f, ac_fmaf(fe, 1.428606765330187e-06f, lm));
}

// ------------------------------------------------------------------------ double

// e^x in double: the same scheme as ac_expf with a degree-13 polynomial (truncation
// below 1e-17 relative on |r| <= ln2/2).
AC_DEV double ac_exp(double x) {
  if (x != x) return x;
  if (x > 709.782712893384) return AC_INF_D;
  if (x < -745.1332191019412) return 0.0;
  double n = ac_rint(x * 1.4426950408889634);
  double r = ac_fma(n, -6.93147180369123816490e-01, x);  // ln2 high part (fdlibm's split)
  r = ac_fma(n, -1.90821492927058770002e-10, r);         // ln2 low part
  double p = 1.0 / 6227020800.0;                          // 1/13!
  p = ac_fma(p, r, 1.0 / 479001600.0);
  p = ac_fma(p, r, 1.0 / 39916800.0);
  p = ac_fma(p, r, 1.0 / 3628800.0);
  p = ac_fma(p, r, 1.0 / 362880.0);
  p = ac_fma(p, r, 1.0 / 40320.0);
  p = ac_fma(p, r, 1.0 / 5040.0);
  p = ac_fma(p, r, 1.0 / 720.0);
  p = ac_fma(p, r, 1.0 / 120.0);
  p = ac_fma(p, r, 1.0 / 24.0);
  p = ac_fma(p, r, 1.0 / 6.0);
  p = ac_fma(p, r, 0.5);
  p = ac_fma(p, r, 1.0);
  p = ac_fma(p, r, 1.0);
  long long ni = static_cast<long long>(n);  // in [-1075, 1024]
  long long a = ni / 2, b = ni - a;          // each in [-538, 512]
  return p * ac_ll2d((a + 1023) << 52) * ac_ll2d((b + 1023) << 52);
}

// 1 + z/3 + z^2/5 + ... + z^11/23: atanh(s) = s * this(s^2), for s^2 <= 0.03.
AC_DEV double ac_atanh_series(double z) {
  double p = 1.0 / 23.0;
  p = ac_fma(p, z, 1.0 / 21.0);
  p = ac_fma(p, z, 1.0 / 19.0);
  p = ac_fma(p, z, 1.0 / 17.0);
  p = ac_fma(p, z, 1.0 / 15.0);
  p = ac_fma(p, z, 1.0 / 13.0);
  p = ac_fma(p, z, 1.0 / 11.0);
  p = ac_fma(p, z, 1.0 / 9.0);
  p = ac_fma(p, z, 1.0 / 7.0);
  p = ac_fma(p, z, 1.0 / 5.0);
  p = ac_fma(p, z, 1.0 / 3.0);
  return ac_fma(p, z, 1.0);
}

// Natural log in double, as ac_logf: log m = 2 atanh((m-1)/(m+1)) on m in (sqrt(1/2), sqrt(2)].
AC_DEV double ac_log(double x) {
  if (x != x || x < 0.0) return AC_NAN_D;
  if (x == 0.0) return -AC_INF_D;
  if (x == AC_INF_D) return x;
  long long e = 0;
  if (x < 2.2250738585072014e-308) {  // subnormal
    x *= 18014398509481984.0;         // 2^54
    e = -54;
  }
  long long bits = ac_d2ll(x);
  e += ((bits >> 52) & 0x7ff) - 1023;
  double m = ac_ll2d((bits & 0x000fffffffffffffll) | 0x3ff0000000000000ll);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1;
  }
  double f = m - 1.0;
  double s = f / (2.0 + f);
  double lm = 2.0 * s * ac_atanh_series(s * s);
  double fe = static_cast<double>(e);
  return ac_fma(fe, 6.93147180369123816490e-01, ac_fma(fe, 1.90821492927058770002e-10, lm));
}

// atanh in double for |v| < 1: the series directly for small |v| (full relative accuracy),
// else log((1+v)/(1-v)) / 2.
AC_DEV double ac_atanh(double v) {
  double a = v < 0.0 ? -v : v;
  if (a < 0.17) return v * ac_atanh_series(v * v);
  return 0.5 * ac_log((1.0 + v) / (1.0 - v));
}

// tanh of a float, evaluated in double and rounded once: a Taylor series near 0, else
// (1 - e^{-2|w|}) / (1 + e^{-2|w|}), which has no cancellation for |w| >= 1/16.
AC_DEV float ac_tanhf(float wf) {
  double w = static_cast<double>(wf);
  double a = w < 0.0 ? -w : w;
  double t;
  if (a < 0.0625) {
    double z = w * w;
    double p = -1382.0 / 155925.0;
    p = ac_fma(p, z, 62.0 / 2835.0);
    p = ac_fma(p, z, -17.0 / 315.0);
    p = ac_fma(p, z, 2.0 / 15.0);
    p = ac_fma(p, z, -1.0 / 3.0);
    t = ac_fma(w * z, p, w);
  } else if (a > 20.0) {
    t = w < 0.0 ? -1.0 : 1.0;
  } else if (a == a) {
    double e = ac_exp(-2.0 * a);
    t = (1.0 - e) / (1.0 + e);
    if (w < 0.0) t = -t;
  } else {
    t = w;  // NaN
  }
  return static_cast<float>(t);
}

// sin(pi t) and cos(pi t). The reduction t = q/2 + x with |x| <= 1/4 is exact, so the
// only rounding is in pi*x and the Taylor polynomials (degree 11 / 12: truncation below
// 1e-10 on |pi x| <= pi/4).
AC_DEV void ac_sincospif(float t, float* sin_out, float* cos_out) {
  float q = ac_rintf(t * 2.0f);
  float x = ac_fmaf(q, -0.5f, t);  // exact
  int quadrant = static_cast<int>(static_cast<long long>(q) & 3);
  float a = x * 3.14159265358979f;
  float a2 = a * a;
  float sp = -1.0f / 39916800.0f;
  sp = ac_fmaf(sp, a2, 1.0f / 362880.0f);
  sp = ac_fmaf(sp, a2, -1.0f / 5040.0f);
  sp = ac_fmaf(sp, a2, 1.0f / 120.0f);
  sp = ac_fmaf(sp, a2, -1.0f / 6.0f);
  float s = ac_fmaf(a * a2, sp, a);
  float cp = 1.0f / 479001600.0f;
  cp = ac_fmaf(cp, a2, -1.0f / 3628800.0f);
  cp = ac_fmaf(cp, a2, 1.0f / 40320.0f);
  cp = ac_fmaf(cp, a2, -1.0f / 720.0f);
  cp = ac_fmaf(cp, a2, 1.0f / 24.0f);
  cp = ac_fmaf(cp, a2, -0.5f);
  float c = ac_fmaf(a2, cp, 1.0f);
  switch (quadrant) {
    case 0: *sin_out = s; *cos_out = c; break;
    case 1: *sin_out = c; *cos_out = -s; break;
    case 2: *sin_out = -s; *cos_out = -c; break;
    default: *sin_out = -c; *cos_out = s; break;
  }
}

// ------------------------------------------------------------------------ reductions

template <class T>
AC_DEV T ac_warp_sum(T v) {
  for (int d = 16; d > 0; d >>= 1) v += ac_shfl_xor(v, d);
  return v;
}

AC_DEV float ac_warp_max(float v) {
  for (int d = 16; d > 0; d >>= 1) v = ac_fmaxf(v, ac_shfl_xor(v, d));
  return v;
}

// Sum over the block; every thread gets the result. blockDim.x must be a multiple of 32
// (at most 1024). `scratch` holds 32 values in shared memory; the call begins and ends
// with a barrier so it can be reused back to back.
template <class T>
AC_DEV T ac_block_sum(T v, T* scratch) {
  int lane = static_cast<int>(threadIdx.x & 31u), warp = static_cast<int>(threadIdx.x >> 5);
  int warps = static_cast<int>(blockDim.x >> 5);
  v = ac_warp_sum(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  T total = lane < warps ? scratch[lane] : T(0);
  total = ac_warp_sum(total);
  return total;
}

// Max over the block (NaN-free inputs; fmaxf drops a NaN operand).
AC_DEV float ac_block_max(float v, float* scratch) {
  int lane = static_cast<int>(threadIdx.x & 31u), warp = static_cast<int>(threadIdx.x >> 5);
  int warps = static_cast<int>(blockDim.x >> 5);
  v = ac_warp_max(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  float total = lane < warps ? scratch[lane] : -AC_INF_F;
  return ac_warp_max(total);
}
