/*
 * exprsim-blas: the products that dominate a training step (convolutions and matrix
 * products, forward and both gradients) on a native BLAS (OpenBLAS's sgemm, AVX2/FMA here),
 * for tfjs's wasm backend, plus the loops wasm runs slowly next to them (depthwise gradients,
 * batch norm, sums over leading axes), compiled with -O3 so they vectorise. tfjs-wasm's XNNPACK is limited to 128-bit wasm SIMD (~17 GFLOP/s on
 * one core of this machine); OpenBLAS reaches ~80 on the same core.
 *
 * Every function works in place on Float32Arrays that view the wasm heap (inputs and the
 * already allocated output), so no tensor is copied in or out. Convolutions are NHWC with HWIO
 * filters, lowered to one sgemm per block of output rows through an im2col buffer (skipped for
 * 1x1, stride 1, unpadded convolutions, whose input already is the matrix).
 *
 * Built by scripts/build-native.mjs against node-api-headers (Node-API, no node-gyp: nothing is
 * downloaded). Loaded by src/engine/native/load.ts; never required: without it, wasm runs alone.
 */
#include <cblas.h>
#include <math.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* im2col blocks are at most this many floats (16 MiB), so memory stays bounded for big batches. */
#define COL_BLOCK_FLOATS (4u * 1024u * 1024u)

#define NATIVE_NAME "exprsim-blas"
#include "napi-args.h"

/* ---- convolution lowering ------------------------------------------------------------- */

static int is_pointwise(const conv_shape *s) {
  return s->kh == 1 && s->kw == 1 && s->sh == 1 && s->sw == 1 && s->pad_top == 0 &&
         s->pad_left == 0 && s->oh == s->h && s->ow == s->w;
}

/* Rows (output positions) per im2col block. */
static int64_t block_rows(const conv_shape *s) {
  int64_t k = s->kh * s->kw * s->cin;
  int64_t rows = (int64_t)COL_BLOCK_FLOATS / k;
  int64_t total = s->n * s->oh * s->ow;
  if (rows < 1) rows = 1;
  return rows < total ? rows : total;
}

/* col[r - r0, (ky*kw + kx)*cin + c] = x[b, oy*sh - top + ky*dh, ox*sw - left + kx*dw, c] or 0. */
static void im2col(const conv_shape *s, const float *x, int64_t r0, int64_t rows, float *col) {
  const int64_t k = s->kh * s->kw * s->cin;
  for (int64_t r = 0; r < rows; r++) {
    int64_t q = r0 + r, ox = q % s->ow, oy = (q / s->ow) % s->oh, b = q / (s->ow * s->oh);
    float *dst = col + r * k;
    for (int64_t ky = 0; ky < s->kh; ky++) {
      int64_t iy = oy * s->sh - s->pad_top + ky * s->dh;
      for (int64_t kx = 0; kx < s->kw; kx++) {
        int64_t ix = ox * s->sw - s->pad_left + kx * s->dw;
        float *d = dst + (ky * s->kw + kx) * s->cin;
        if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
          memset(d, 0, sizeof(float) * s->cin);
        else
          memcpy(d, x + ((b * s->h + iy) * s->w + ix) * s->cin, sizeof(float) * s->cin);
      }
    }
  }
}

/* The adjoint of im2col: dx[...] += col[...] (dx zeroed by the caller). */
static void col2im(const conv_shape *s, const float *col, int64_t r0, int64_t rows, float *dx) {
  const int64_t k = s->kh * s->kw * s->cin;
  for (int64_t r = 0; r < rows; r++) {
    int64_t q = r0 + r, ox = q % s->ow, oy = (q / s->ow) % s->oh, b = q / (s->ow * s->oh);
    const float *src = col + r * k;
    for (int64_t ky = 0; ky < s->kh; ky++) {
      int64_t iy = oy * s->sh - s->pad_top + ky * s->dh;
      if (iy < 0 || iy >= s->h) continue;
      for (int64_t kx = 0; kx < s->kw; kx++) {
        int64_t ix = ox * s->sw - s->pad_left + kx * s->dw;
        if (ix < 0 || ix >= s->w) continue;
        const float *a = src + (ky * s->kw + kx) * s->cin;
        float *d = dx + ((b * s->h + iy) * s->w + ix) * s->cin;
        for (int64_t c = 0; c < s->cin; c++) d[c] += a[c];
      }
    }
  }
}

static float activate(float v, int act, float alpha) {
  switch (act) {
    case ACT_RELU: return v < 0 ? 0 : v; /* NaN passes through, as in tfjs */
    case ACT_RELU6: return v < 0 ? 0 : (v > 6 ? 6 : v);
    case ACT_LEAKY: return v < 0 ? alpha * v : v;
    case ACT_ELU: return v < 0 ? expm1f(v) : v;
    case ACT_SIGMOID: return 1.0f / (1.0f + expf(-v));
    default: return v;
  }
}

/* y[r, c] = act(y[r, c] + bias[c or 0]) for rows×cols; bias may be NULL or of length 1. */
static void bias_act(float *y, int64_t rows, int64_t cols, const float *bias, size_t bias_len,
                     int act, float alpha) {
  if (bias == NULL && act == ACT_LINEAR) return;
  for (int64_t r = 0; r < rows; r++) {
    float *row = y + r * cols;
    for (int64_t c = 0; c < cols; c++) {
      float v = row[c];
      if (bias) v += bias_len == 1 ? bias[0] : bias[c];
      row[c] = activate(v, act, alpha);
    }
  }
}

/* conv2d(x, filter, y, shape, bias|null, act, alpha): y = act(conv(x, filter) + bias). */
static napi_value conv2d(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  float *x, *w, *y, *bias;
  size_t nx, nw, ny, nb;
  conv_shape s;
  int64_t act;
  double alpha;
  if (!get_args(env, info, 7, argv) || !get_f32(env, argv[0], &x, &nx) ||
      !get_f32(env, argv[1], &w, &nw) || !get_f32(env, argv[2], &y, &ny) ||
      !get_conv_shape(env, argv[3], &s) || !get_f32_or_null(env, argv[4], &bias, &nb) ||
      !get_i64(env, argv[5], &act) || !get_f64(env, argv[6], &alpha))
    return NULL;
  const int64_t k = s.kh * s.kw * s.cin, rows = s.n * s.oh * s.ow;
  if (!check_len(env, nx, s.n * s.h * s.w * s.cin, "x") || !check_len(env, nw, k * s.cout, "filter") ||
      !check_len(env, ny, rows * s.cout, "y"))
    return NULL;
  if (bias && nb != 1 && (int64_t)nb != s.cout) return (fail(env, "exprsim-blas: bias length"), NULL);
  if (is_pointwise(&s)) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, s.cout, k, 1.0f, x, k, w,
                s.cout, 0.0f, y, s.cout);
  } else {
    int64_t br = block_rows(&s);
    float *col = malloc(sizeof(float) * br * k);
    if (!col) return (fail(env, "exprsim-blas: out of memory"), NULL);
    for (int64_t r0 = 0; r0 < rows; r0 += br) {
      int64_t m = rows - r0 < br ? rows - r0 : br;
      im2col(&s, x, r0, m, col);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, s.cout, k, 1.0f, col, k, w,
                  s.cout, 0.0f, y + r0 * s.cout, s.cout);
    }
    free(col);
  }
  bias_act(y, rows, s.cout, bias, nb, (int)act, (float)alpha);
  return NULL;
}

/* conv2dBackpropInput(dy, filter, dx, shape): dx = convᵀ(dy) (the gradient of conv2d's x). */
static napi_value conv2d_backprop_input(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  float *dy, *w, *dx;
  size_t ndy, nw, ndx;
  conv_shape s;
  if (!get_args(env, info, 4, argv) || !get_f32(env, argv[0], &dy, &ndy) ||
      !get_f32(env, argv[1], &w, &nw) || !get_f32(env, argv[2], &dx, &ndx) ||
      !get_conv_shape(env, argv[3], &s))
    return NULL;
  const int64_t k = s.kh * s.kw * s.cin, rows = s.n * s.oh * s.ow;
  if (!check_len(env, ndy, rows * s.cout, "dy") || !check_len(env, nw, k * s.cout, "filter") ||
      !check_len(env, ndx, s.n * s.h * s.w * s.cin, "dx"))
    return NULL;
  if (is_pointwise(&s)) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, k, s.cout, 1.0f, dy, s.cout, w,
                s.cout, 0.0f, dx, k);
    return NULL;
  }
  memset(dx, 0, sizeof(float) * s.n * s.h * s.w * s.cin);
  int64_t br = block_rows(&s);
  float *col = malloc(sizeof(float) * br * k);
  if (!col) return (fail(env, "exprsim-blas: out of memory"), NULL);
  for (int64_t r0 = 0; r0 < rows; r0 += br) {
    int64_t m = rows - r0 < br ? rows - r0 : br;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, k, s.cout, 1.0f, dy + r0 * s.cout,
                s.cout, w, s.cout, 0.0f, col, k);
    col2im(&s, col, r0, m, dx);
  }
  free(col);
  return NULL;
}

/* conv2dBackpropFilter(x, dy, dw, shape): dw = Σ im2col(x)ᵀ · dy (the gradient of the filter). */
static napi_value conv2d_backprop_filter(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  float *x, *dy, *dw;
  size_t nx, ndy, ndw;
  conv_shape s;
  if (!get_args(env, info, 4, argv) || !get_f32(env, argv[0], &x, &nx) ||
      !get_f32(env, argv[1], &dy, &ndy) || !get_f32(env, argv[2], &dw, &ndw) ||
      !get_conv_shape(env, argv[3], &s))
    return NULL;
  const int64_t k = s.kh * s.kw * s.cin, rows = s.n * s.oh * s.ow;
  if (!check_len(env, nx, s.n * s.h * s.w * s.cin, "x") || !check_len(env, ndy, rows * s.cout, "dy") ||
      !check_len(env, ndw, k * s.cout, "dw"))
    return NULL;
  if (is_pointwise(&s)) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, s.cout, rows, 1.0f, x, k, dy, s.cout,
                0.0f, dw, s.cout);
    return NULL;
  }
  int64_t br = block_rows(&s);
  float *col = malloc(sizeof(float) * br * k);
  if (!col) return (fail(env, "exprsim-blas: out of memory"), NULL);
  for (int64_t r0 = 0; r0 < rows; r0 += br) {
    int64_t m = rows - r0 < br ? rows - r0 : br;
    im2col(&s, x, r0, m, col);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, s.cout, m, 1.0f, col, k,
                dy + r0 * s.cout, s.cout, r0 == 0 ? 0.0f : 1.0f, dw, s.cout);
  }
  free(col);
  return NULL;
}

/*
 * matmul(a, b, c, [batch, m, n, k, transA, transB, strideA, strideB], bias|null, act, alpha):
 * for each batch i, c_i = act(op(a_i) · op(b_i) + bias) with a_i = a + i·strideA (0: broadcast).
 */
static napi_value matmul(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  float *a, *b, *c, *bias;
  size_t na, nb, nc, nbias;
  int64_t p[8];
  int64_t act;
  double alpha;
  uint32_t len = 0;
  if (!get_args(env, info, 7, argv) || !get_f32(env, argv[0], &a, &na) ||
      !get_f32(env, argv[1], &b, &nb) || !get_f32(env, argv[2], &c, &nc) ||
      !get_f32_or_null(env, argv[4], &bias, &nbias) || !get_i64(env, argv[5], &act) ||
      !get_f64(env, argv[6], &alpha))
    return NULL;
  if (napi_get_array_length(env, argv[3], &len) != napi_ok || len != 8)
    return (fail(env, "exprsim-blas: matmul shape must be 8 integers"), NULL);
  for (uint32_t i = 0; i < 8; i++) {
    napi_value e;
    napi_get_element(env, argv[3], i, &e);
    if (!get_i64(env, e, &p[i])) return NULL;
  }
  int64_t batch = p[0], m = p[1], n = p[2], k = p[3], ta = p[4], tb = p[5], sa = p[6], sb = p[7];
  if (batch < 1 || m < 1 || n < 1 || k < 1 || sa < 0 || sb < 0)
    return (fail(env, "exprsim-blas: bad matmul shape"), NULL);
  if (!check_len(env, na, sa * (batch - 1) + m * k, "a") ||
      !check_len(env, nb, sb * (batch - 1) + k * n, "b") || !check_len(env, nc, batch * m * n, "c"))
    return NULL;
  if (bias && nbias != 1 && (int64_t)nbias != n) return (fail(env, "exprsim-blas: bias length"), NULL);
  for (int64_t i = 0; i < batch; i++) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m,
                n, k, 1.0f, a + i * sa, ta ? m : k, b + i * sb, tb ? k : n, 0.0f, c + i * m * n, n);
  }
  bias_act(c, batch * m, n, bias, nbias, (int)act, (float)alpha);
  return NULL;
}

/*
 * Depthwise convolution gradients (no BLAS: each channel is its own small product; loops with
 * the channels innermost, which the compiler vectorises). shape as for conv2d, with the channel
 * multiplier m in the cout slot: y[b, oy, ox, c·m + q] = Σ x[b, iy, ix, c] · f[ky, kx, c, q].
 */

/* depthwiseBackpropInput(dy, filter, dx, shape): dx[b, iy, ix, c] = Σ dy[…, c·m + q] · f[ky, kx, c, q]. */
static napi_value depthwise_backprop_input(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  float *dy, *f, *dx;
  size_t ndy, nf, ndx;
  conv_shape s;
  if (!get_args(env, info, 4, argv) || !get_f32(env, argv[0], &dy, &ndy) ||
      !get_f32(env, argv[1], &f, &nf) || !get_f32(env, argv[2], &dx, &ndx) ||
      !get_conv_shape(env, argv[3], &s))
    return NULL;
  const int64_t m = s.cout, cin = s.cin, cm = cin * m;
  if (!check_len(env, ndy, s.n * s.oh * s.ow * cm, "dy") ||
      !check_len(env, nf, s.kh * s.kw * cm, "filter") ||
      !check_len(env, ndx, s.n * s.h * s.w * cin, "dx"))
    return NULL;
  memset(dx, 0, sizeof(float) * s.n * s.h * s.w * cin);
  for (int64_t b = 0; b < s.n; b++)
    for (int64_t oy = 0; oy < s.oh; oy++)
      for (int64_t ox = 0; ox < s.ow; ox++) {
        const float *g = dy + ((b * s.oh + oy) * s.ow + ox) * cm;
        for (int64_t ky = 0; ky < s.kh; ky++) {
          int64_t iy = oy * s.sh - s.pad_top + ky * s.dh;
          if (iy < 0 || iy >= s.h) continue;
          for (int64_t kx = 0; kx < s.kw; kx++) {
            int64_t ix = ox * s.sw - s.pad_left + kx * s.dw;
            if (ix < 0 || ix >= s.w) continue;
            const float *fk = f + (ky * s.kw + kx) * cm;
            float *d = dx + ((b * s.h + iy) * s.w + ix) * cin;
            if (m == 1) {
              for (int64_t c = 0; c < cin; c++) d[c] += g[c] * fk[c];
            } else {
              for (int64_t c = 0; c < cin; c++)
                for (int64_t q = 0; q < m; q++) d[c] += g[c * m + q] * fk[c * m + q];
            }
          }
        }
      }
  return NULL;
}

/* depthwiseBackpropFilter(x, dy, df, shape): df[ky, kx, c, q] = Σ x[b, iy, ix, c] · dy[…, c·m + q]. */
static napi_value depthwise_backprop_filter(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  float *x, *dy, *df;
  size_t nx, ndy, ndf;
  conv_shape s;
  if (!get_args(env, info, 4, argv) || !get_f32(env, argv[0], &x, &nx) ||
      !get_f32(env, argv[1], &dy, &ndy) || !get_f32(env, argv[2], &df, &ndf) ||
      !get_conv_shape(env, argv[3], &s))
    return NULL;
  const int64_t m = s.cout, cin = s.cin, cm = cin * m;
  if (!check_len(env, nx, s.n * s.h * s.w * cin, "x") ||
      !check_len(env, ndy, s.n * s.oh * s.ow * cm, "dy") ||
      !check_len(env, ndf, s.kh * s.kw * cm, "df"))
    return NULL;
  memset(df, 0, sizeof(float) * s.kh * s.kw * cm);
  for (int64_t b = 0; b < s.n; b++)
    for (int64_t oy = 0; oy < s.oh; oy++)
      for (int64_t ox = 0; ox < s.ow; ox++) {
        const float *g = dy + ((b * s.oh + oy) * s.ow + ox) * cm;
        for (int64_t ky = 0; ky < s.kh; ky++) {
          int64_t iy = oy * s.sh - s.pad_top + ky * s.dh;
          if (iy < 0 || iy >= s.h) continue;
          for (int64_t kx = 0; kx < s.kw; kx++) {
            int64_t ix = ox * s.sw - s.pad_left + kx * s.dw;
            if (ix < 0 || ix >= s.w) continue;
            const float *a = x + ((b * s.h + iy) * s.w + ix) * cin;
            float *d = df + (ky * s.kw + kx) * cm;
            if (m == 1) {
              for (int64_t c = 0; c < cin; c++) d[c] += a[c] * g[c];
            } else {
              for (int64_t c = 0; c < cin; c++)
                for (int64_t q = 0; q < m; q++) d[c * m + q] += a[c] * g[c * m + q];
            }
          }
        }
      }
  return NULL;
}

/*
 * batchNorm(x, mean, variance, offset|null, scale|null, y, channels, eps): per channel c (the
 * last axis), y = (x − mean[c]) · scale[c] / sqrt(variance[c] + eps) + offset[c], folded into
 * one multiply-add per element. Each parameter has `channels` values or one (broadcast).
 */
static napi_value batch_norm(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  float *x, *mean, *var, *offset, *scale, *y;
  size_t nx, nm, nv, no, ns, ny;
  int64_t ch;
  double eps;
  if (!get_args(env, info, 8, argv) || !get_f32(env, argv[0], &x, &nx) ||
      !get_f32(env, argv[1], &mean, &nm) || !get_f32(env, argv[2], &var, &nv) ||
      !get_f32_or_null(env, argv[3], &offset, &no) || !get_f32_or_null(env, argv[4], &scale, &ns) ||
      !get_f32(env, argv[5], &y, &ny) || !get_i64(env, argv[6], &ch) || !get_f64(env, argv[7], &eps))
    return NULL;
  if (ch < 1 || nx % (size_t)ch != 0 || ny != nx)
    return (fail(env, "exprsim-blas: batchNorm shapes"), NULL);
  size_t lens[4] = {nm, nv, offset ? no : 1, scale ? ns : 1};
  for (int i = 0; i < 4; i++)
    if (lens[i] != 1 && lens[i] != (size_t)ch)
      return (fail(env, "exprsim-blas: batchNorm parameter length"), NULL);
  float *a = malloc(sizeof(float) * 2 * ch);
  if (!a) return (fail(env, "exprsim-blas: out of memory"), NULL);
  float *b = a + ch;
  for (int64_t c = 0; c < ch; c++) {
    float m = mean[nm == 1 ? 0 : c], v = var[nv == 1 ? 0 : c];
    float g = scale ? scale[ns == 1 ? 0 : c] : 1.0f, o = offset ? offset[no == 1 ? 0 : c] : 0.0f;
    a[c] = g / sqrtf(v + (float)eps);
    b[c] = o - m * a[c];
  }
  const int64_t rows = (int64_t)(nx / (size_t)ch);
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * ch;
    float *yr = y + r * ch;
    for (int64_t c = 0; c < ch; c++) yr[c] = xr[c] * a[c] + b[c];
  }
  free(a);
  return NULL;
}

/*
 * sumRows(x, out, rows, cols, scale): out[c] = scale · Σ_r x[r, c] — Sum (scale 1) and Mean
 * (1/rows) over leading axes, the reduction of every bias, batch-norm and broadcast gradient.
 * Accumulated in double, so long reductions (a batch of feature maps) lose nothing to order.
 */
static napi_value sum_rows(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  float *x, *out;
  size_t nx, nout;
  int64_t rows, cols;
  double scale;
  if (!get_args(env, info, 5, argv) || !get_f32(env, argv[0], &x, &nx) ||
      !get_f32(env, argv[1], &out, &nout) || !get_i64(env, argv[2], &rows) ||
      !get_i64(env, argv[3], &cols) || !get_f64(env, argv[4], &scale))
    return NULL;
  if (rows < 1 || cols < 1) return (fail(env, "exprsim-blas: sumRows shape"), NULL);
  if (!check_len(env, nx, rows * cols, "x") || !check_len(env, nout, cols, "out")) return NULL;
  double *acc = calloc((size_t)cols, sizeof(double));
  if (!acc) return (fail(env, "exprsim-blas: out of memory"), NULL);
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    for (int64_t c = 0; c < cols; c++) acc[c] += xr[c];
  }
  for (int64_t c = 0; c < cols; c++) out[c] = (float)(acc[c] * scale);
  free(acc);
  return NULL;
}

/* setThreads(n): OpenBLAS's thread count for this process. */
static napi_value set_threads(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t n;
  if (!get_args(env, info, 1, argv) || !get_i64(env, argv[0], &n)) return NULL;
  if (n < 1) return (fail(env, "exprsim-blas: threads must be >= 1"), NULL);
  openblas_set_num_threads((int)n);
  return NULL;
}

/* info(): { config, threads, corename } of the OpenBLAS in use. */
static napi_value blas_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "config", v);
  napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "core", v);
  napi_create_int32(env, openblas_get_num_threads(), &v);
  napi_set_named_property(env, obj, "threads", v);
  return obj;
}

/* Bumped whenever a function's arguments change: load.ts refuses a stale build. */
#define EXPRSIM_BLAS_ABI 5

static napi_value init(napi_env env, napi_value exports) {
  napi_value abi;
  napi_create_int32(env, EXPRSIM_BLAS_ABI, &abi);
  napi_set_named_property(env, exports, "abi", abi);
  const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {{"conv2d", conv2d},
             {"conv2dBackpropInput", conv2d_backprop_input},
             {"conv2dBackpropFilter", conv2d_backprop_filter},
             {"matmul", matmul},
             {"depthwiseBackpropInput", depthwise_backprop_input},
             {"batchNorm", batch_norm},
             {"sumRows", sum_rows},
             {"depthwiseBackpropFilter", depthwise_backprop_filter},
             {"prelu", prelu},
             {"setThreads", set_threads},
             {"info", blas_info}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}

NAPI_MODULE(exprsim_blas, init)
