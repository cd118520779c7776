/*
 * exprsim-dnnl: the same functions as exprsim-blas.c (same arguments, same contracts, see
 * src/engine/native/load.ts), plus a depthwise convolution forward, computed by oneDNN (Debian: libdnnl-dev) instead of exprsim's
 * own loops around sgemm: convolutions forward (bias and activation fused as post-ops) and both
 * gradients, depthwise gradients (grouped convolutions), matrix products with transposes,
 * batches and fused bias + activation, and inference batch norm; sums over leading axes are
 * one OpenMP loop here (see sum_rows).
 * oneDNN picks the CPU's best instructions at run time (AVX-512 where there is AVX-512) and
 * runs on its OpenMP thread pool, so one process uses every core it is given (setThreads).
 *
 * Tensors stay where tfjs-wasm keeps them: oneDNN memory objects wrap the Float32Array views of
 * the wasm heap (NHWC activations, HWIO filters, described by strides). Filters are reordered
 * to the layout the chosen implementation wants, every call (they are small next to the
 * activations). Primitives are kept in a small cache keyed by op and shape, so a training step
 * or a forward pass of an already seen shape creates nothing.
 *
 * Functions return true when they computed the output, false when they decline (oneDNN has no
 * optimised implementation for the case: only its reference loops, far slower than the next
 * kernel in line): the caller then hands the op on. They throw on misuse, as exprsim-blas.c does.
 *
 * Built by scripts/build-native.mjs when oneDNN's headers are present; loaded by
 * src/engine/native/load.ts in preference to exprsim-blas.node.
 */
#include <math.h>
#include <node_api.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NATIVE_NAME "exprsim-dnnl"
#include "napi-args.h"

static dnnl_engine_t g_engine;
static dnnl_stream_t g_stream;

/* ---- results and errors --------------------------------------------------------------- */

static napi_value js_bool(napi_env env, int b) {
  napi_value v;
  napi_get_boolean(env, b, &v);
  return v;
}

static int dnnl_failed(napi_env env, const char *what, dnnl_status_t st) {
  char msg[200];
  snprintf(msg, sizeof msg, NATIVE_NAME ": %s failed (oneDNN status %d)", what, (int)st);
  return fail(env, msg);
}

/* ---- the primitive cache -------------------------------------------------------------- */

enum { OP_CONV = 1, OP_CONV_BWD_DATA, OP_CONV_BWD_WEIGHTS, OP_MATMUL, OP_BNORM };

#define KEY_LEN 24
#define CACHE_SIZE 128

typedef struct {
  int64_t key[KEY_LEN];
  int used;
  int declined;             /* oneDNN offers only reference loops for this key */
  dnnl_primitive_t prim;    /* the op */
  dnnl_primitive_t reorder; /* user filter → op's layout (forward, backward data), op's → user's (backward weights) */
  dnnl_memory_desc_t wmd;   /* the op's filter layout when reorder is set */
  dnnl_memory_desc_t umd;   /* the user's filter layout when reorder is set */
} cache_entry;

static cache_entry g_cache[CACHE_SIZE];
static int g_next_victim;

static void entry_clear(cache_entry *e) {
  if (e->prim) dnnl_primitive_destroy(e->prim);
  if (e->reorder) dnnl_primitive_destroy(e->reorder);
  memset(e, 0, sizeof *e);
}

static cache_entry *cache_find(const int64_t *key) {
  for (int i = 0; i < CACHE_SIZE; i++)
    if (g_cache[i].used && memcmp(g_cache[i].key, key, sizeof g_cache[i].key) == 0)
      return &g_cache[i];
  return NULL;
}

/* A free slot, else the oldest filled one (round robin), cleared; its key set to `key`. */
static cache_entry *cache_slot(const int64_t *key) {
  cache_entry *e = NULL;
  for (int i = 0; i < CACHE_SIZE && !e; i++)
    if (!g_cache[i].used) e = &g_cache[i];
  if (!e) {
    e = &g_cache[g_next_victim];
    g_next_victim = (g_next_victim + 1) % CACHE_SIZE;
  }
  entry_clear(e);
  memcpy(e->key, key, sizeof e->key);
  return e;
}

/* Whether pd is only oneDNN's reference implementation ("ref:any", "ref_any", …). */
static int is_reference(const_dnnl_primitive_desc_t pd) {
  const char *impl = NULL;
  if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) != dnnl_success || !impl)
    return 0;
  return strncmp(impl, "ref", 3) == 0;
}

static int64_t float_bits(double v) {
  float f = (float)v;
  int32_t b;
  memcpy(&b, &f, sizeof b);
  return b;
}

/* ---- memory descriptors ---------------------------------------------------------------- */

/* NHWC activations [n, h, w, c] as oneDNN's logical (n, c, h, w). */
static void nhwc_md(dnnl_memory_desc_t *md, int64_t n, int64_t h, int64_t w, int64_t c) {
  dnnl_dims_t dims = {n, c, h, w}, strides = {h * w * c, 1, w * c, c};
  dnnl_memory_desc_init_by_strides(md, 4, dims, dnnl_f32, strides);
}

/*
 * tfjs filters [kh, kw, cin, cout] (HWIO). groups 1: oneDNN's (oc, ic, kh, kw). groups G
 * (depthwise, cin = G, multiplier m = cout): (G, m, 1, kh, kw), output channel g·m + q.
 */
static void filter_md(dnnl_memory_desc_t *md, const conv_shape *s, int64_t groups) {
  if (groups == 1) {
    dnnl_dims_t dims = {s->cout, s->cin, s->kh, s->kw};
    dnnl_dims_t strides = {1, s->cout, s->kw * s->cin * s->cout, s->cin * s->cout};
    dnnl_memory_desc_init_by_strides(md, 4, dims, dnnl_f32, strides);
  } else {
    int64_t m = s->cout, cm = s->cin * m;
    dnnl_dims_t dims = {groups, m, 1, s->kh, s->kw};
    dnnl_dims_t strides = {m, 1, 1, s->kw * cm, cm};
    dnnl_memory_desc_init_by_strides(md, 5, dims, dnnl_f32, strides);
  }
}

static void any_md(dnnl_memory_desc_t *md, const dnnl_memory_desc_t *like) {
  dnnl_memory_desc_init_by_tag(md, like->ndims, like->dims, dnnl_f32, dnnl_format_tag_any);
}

/* ---- convolutions ---------------------------------------------------------------------- */

typedef enum { DIR_FWD, DIR_BWD_DATA, DIR_BWD_WEIGHTS } conv_dir;

typedef struct {
  dnnl_memory_desc_t src, dst, wuser, wany, bias;
  dnnl_dims_t strides, dilates, pad_l, pad_r;
} conv_mds;

/*
 * oneDNN wants both pads; tfjs gives top/left and the output size. The bottom/right pad is
 * what the output size needs; when the last input rows are unused (valid, stride > 1) that is
 * negative, and 0 gives the same output size (oneDNN rounds down, like tfjs).
 */
static void conv_mds_init(conv_mds *c, const conv_shape *s, int64_t groups, int has_bias) {
  int64_t cout = groups == 1 ? s->cout : s->cin * s->cout;
  nhwc_md(&c->src, s->n, s->h, s->w, s->cin);
  nhwc_md(&c->dst, s->n, s->oh, s->ow, cout);
  filter_md(&c->wuser, s, groups);
  any_md(&c->wany, &c->wuser);
  if (has_bias) {
    dnnl_dims_t bd = {cout};
    dnnl_memory_desc_init_by_tag(&c->bias, 1, bd, dnnl_f32, dnnl_x);
  }
  int64_t pb = (s->oh - 1) * s->sh + (s->kh - 1) * s->dh + 1 - s->h - s->pad_top;
  int64_t pr = (s->ow - 1) * s->sw + (s->kw - 1) * s->dw + 1 - s->w - s->pad_left;
  c->strides[0] = s->sh, c->strides[1] = s->sw;
  c->dilates[0] = s->dh - 1, c->dilates[1] = s->dw - 1;
  c->pad_l[0] = s->pad_top, c->pad_l[1] = s->pad_left;
  c->pad_r[0] = pb < 0 ? 0 : pb, c->pad_r[1] = pr < 0 ? 0 : pr;
}

static dnnl_status_t conv_fwd_pd(dnnl_primitive_desc_t *pd, conv_mds *c, int has_bias,
                                 dnnl_prop_kind_t prop, const_dnnl_primitive_attr_t attr) {
  dnnl_convolution_desc_t d;
  dnnl_status_t st = dnnl_dilated_convolution_forward_desc_init(
      &d, prop, dnnl_convolution_direct, &c->src, &c->wany, has_bias ? &c->bias : NULL, &c->dst,
      c->strides, c->dilates, c->pad_l, c->pad_r);
  if (st != dnnl_success) return st;
  return dnnl_primitive_desc_create(pd, &d, attr, g_engine, NULL);
}

static dnnl_status_t set_activation(dnnl_primitive_attr_t attr, int64_t act, double alpha) {
  dnnl_alg_kind_t alg;
  float a = 0, b = 0;
  switch (act) {
    case ACT_LINEAR: return dnnl_success;
    case ACT_RELU: alg = dnnl_eltwise_relu; break;
    case ACT_RELU6: alg = dnnl_eltwise_clip, a = 0, b = 6; break;
    case ACT_LEAKY: alg = dnnl_eltwise_relu, a = (float)alpha; break;
    case ACT_ELU: alg = dnnl_eltwise_elu, a = 1; break;
    case ACT_SIGMOID: alg = dnnl_eltwise_logistic; break;
    default: return dnnl_invalid_arguments;
  }
  dnnl_post_ops_t po;
  dnnl_status_t st = dnnl_post_ops_create(&po);
  if (st != dnnl_success) return st;
  st = dnnl_post_ops_append_eltwise(po, 1.0f, alg, a, b);
  if (st == dnnl_success) st = dnnl_primitive_attr_set_post_ops(attr, po);
  dnnl_post_ops_destroy(po);
  return st;
}

/* A reorder primitive from `from` to `to` when they differ; *out NULL when they are equal. */
static dnnl_status_t make_reorder(dnnl_primitive_t *out, const dnnl_memory_desc_t *from,
                                  const dnnl_memory_desc_t *to) {
  *out = NULL;
  if (dnnl_memory_desc_equal(from, to)) return dnnl_success;
  dnnl_primitive_desc_t rpd;
  dnnl_status_t st = dnnl_reorder_primitive_desc_create(&rpd, from, g_engine, to, g_engine, NULL);
  if (st != dnnl_success) return st;
  st = dnnl_primitive_create(out, rpd);
  dnnl_primitive_desc_destroy(rpd);
  return st;
}

/*
 * Fill cache entry e for a convolution in direction dir: the primitive, and the filter reorder
 * (user → op for forward and backward data, op → user for backward weights).
 */
static dnnl_status_t conv_build(cache_entry *e, const conv_shape *s, int64_t groups,
                                conv_dir dir, int has_bias, int64_t act, double alpha) {
  conv_mds c;
  conv_mds_init(&c, s, groups, has_bias);
  dnnl_primitive_attr_t attr = NULL;
  dnnl_primitive_desc_t fwd = NULL, pd = NULL;
  dnnl_status_t st = dnnl_primitive_attr_create(&attr);
  if (st == dnnl_success && dir == DIR_FWD) st = set_activation(attr, act, alpha);
  if (st == dnnl_success)
    st = conv_fwd_pd(&fwd, &c, has_bias,
                     dir == DIR_FWD ? dnnl_forward_inference : dnnl_forward_training,
                     dir == DIR_FWD ? attr : NULL);
  if (st == dnnl_success && dir == DIR_FWD) {
    pd = fwd;
    fwd = NULL;
  } else if (st == dnnl_success) {
    dnnl_convolution_desc_t d;
    if (dir == DIR_BWD_DATA)
      st = dnnl_dilated_convolution_backward_data_desc_init(
          &d, dnnl_convolution_direct, &c.src, &c.wany, &c.dst, c.strides, c.dilates, c.pad_l,
          c.pad_r);
    else
      st = dnnl_dilated_convolution_backward_weights_desc_init(
          &d, dnnl_convolution_direct, &c.src, &c.wany, NULL, &c.dst, c.strides, c.dilates,
          c.pad_l, c.pad_r);
    if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &d, NULL, g_engine, fwd);
  }
  if (st == dnnl_success && is_reference(pd)) e->declined = 1;
  if (st == dnnl_success && !e->declined) {
    dnnl_query_t q = dir == DIR_BWD_WEIGHTS ? dnnl_query_diff_weights_md : dnnl_query_weights_md;
    e->wmd = *dnnl_primitive_desc_query_md(pd, q, 0);
    e->umd = c.wuser;
    st = dir == DIR_BWD_WEIGHTS ? make_reorder(&e->reorder, &e->wmd, &c.wuser)
                                : make_reorder(&e->reorder, &c.wuser, &e->wmd);
    if (st == dnnl_success) st = dnnl_primitive_create(&e->prim, pd);
  }
  if (st == dnnl_unimplemented) e->declined = 1, st = dnnl_success;
  if (pd) dnnl_primitive_desc_destroy(pd);
  if (fwd) dnnl_primitive_desc_destroy(fwd);
  if (attr) dnnl_primitive_attr_destroy(attr);
  return st;
}

static dnnl_status_t wrap(dnnl_memory_t *m, const dnnl_memory_desc_t *md, void *ptr) {
  return dnnl_memory_create(m, md, g_engine, ptr);
}

/*
 * Run a convolution: x/dy/w pointers by direction. fwd: a = x, w = filter, out = y.
 * bwd data: a = dy, w = filter, out = dx. bwd weights: a = x, w = dy, out = dw.
 * Returns 1 done, 0 declined, -1 error (thrown).
 */
static int conv_run(napi_env env, const conv_shape *s, int64_t groups, conv_dir dir, float *a,
                    float *w, float *out, float *bias, int64_t act, double alpha) {
  int has_bias = bias != NULL;
  int64_t key[KEY_LEN] = {0};
  key[0] = OP_CONV + dir, key[1] = groups, key[2] = has_bias, key[3] = act;
  key[4] = float_bits(alpha);
  memcpy(key + 5, s, sizeof *s); /* 15 int64 */
  cache_entry *e = cache_find(key);
  dnnl_status_t st;
  if (!e) {
    e = cache_slot(key);
    st = conv_build(e, s, groups, dir, has_bias, act, alpha);
    if (st != dnnl_success) {
      entry_clear(e);
      return dnnl_failed(env, "creating a convolution", st), -1;
    }
    e->used = 1;
  }
  if (e->declined) return 0;
  conv_mds c;
  conv_mds_init(&c, s, groups, has_bias);
  dnnl_memory_t ms[5] = {0};
  dnnl_exec_arg_t args[4];
  int nargs = 0, ok = 0;
  /* ms[0]: the filter in the user's layout (fwd/bwd data: input; bwd weights: output),
   * ms[1]: the filter in the op's layout when it differs. */
  dnnl_memory_t wop;
  float *wuser = dir == DIR_BWD_WEIGHTS ? out : w;
  st = wrap(&ms[0], &c.wuser, wuser);
  if (st != dnnl_success) goto done;
  wop = ms[0];
  if (e->reorder) {
    st = dnnl_memory_create(&ms[1], &e->wmd, g_engine, DNNL_MEMORY_ALLOCATE);
    if (st != dnnl_success) goto done;
    wop = ms[1];
  }
  if (e->reorder && dir != DIR_BWD_WEIGHTS) {
    dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, ms[0]}, {DNNL_ARG_TO, ms[1]}};
    st = dnnl_primitive_execute(e->reorder, g_stream, 2, r);
    if (st != dnnl_success) goto done;
  }
  if (dir == DIR_FWD) {
    if ((st = wrap(&ms[2], &c.src, a)) != dnnl_success) goto done;
    if ((st = wrap(&ms[3], &c.dst, out)) != dnnl_success) goto done;
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, ms[2]};
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, wop};
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_DST, ms[3]};
    if (has_bias) {
      if ((st = wrap(&ms[4], &c.bias, bias)) != dnnl_success) goto done;
      args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, ms[4]};
    }
  } else if (dir == DIR_BWD_DATA) {
    if ((st = wrap(&ms[2], &c.dst, a)) != dnnl_success) goto done;
    if ((st = wrap(&ms[3], &c.src, out)) != dnnl_success) goto done;
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_DST, ms[2]};
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, wop};
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_SRC, ms[3]};
  } else {
    if ((st = wrap(&ms[2], &c.src, a)) != dnnl_success) goto done;
    if ((st = wrap(&ms[3], &c.dst, w)) != dnnl_success) goto done;
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, ms[2]};
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_DST, ms[3]};
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_WEIGHTS, wop};
  }
  st = dnnl_primitive_execute(e->prim, g_stream, nargs, args);
  if (st == dnnl_success && e->reorder && dir == DIR_BWD_WEIGHTS) {
    dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, ms[1]}, {DNNL_ARG_TO, ms[0]}};
    st = dnnl_primitive_execute(e->reorder, g_stream, 2, r);
  }
  if (st == dnnl_success) st = dnnl_stream_wait(g_stream);
  ok = st == dnnl_success;
done:
  for (int i = 0; i < 5; i++)
    if (ms[i]) dnnl_memory_destroy(ms[i]);
  if (!ok) return dnnl_failed(env, "running a convolution", st), -1;
  return 1;
}

/* A bias of one value broadcast to n: copied out to n values (freed by the caller). */
static float *expand(const float *v, size_t len, int64_t n) {
  float *out = malloc(sizeof(float) * (size_t)n);
  if (!out) return NULL;
  for (int64_t i = 0; i < n; i++) out[i] = v[len == 1 ? 0 : i];
  return out;
}

static napi_value result(napi_env env, int r) { return r < 0 ? NULL : js_bool(env, r); }

/* conv2d(x, filter, y, shape, bias|null, act, alpha) → done? */
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
  const int64_t k = s.kh * s.kw * s.cin;
  if (!check_len(env, nx, s.n * s.h * s.w * s.cin, "x") ||
      !check_len(env, nw, k * s.cout, "filter") ||
      !check_len(env, ny, s.n * s.oh * s.ow * s.cout, "y"))
    return NULL;
  if (bias && nb != 1 && (int64_t)nb != s.cout) return (fail(env, NATIVE_NAME ": bias length"), NULL);
  if (act < ACT_LINEAR || act > ACT_SIGMOID) return (fail(env, NATIVE_NAME ": activation"), NULL);
  float *b = bias && nb == 1 ? expand(bias, nb, s.cout) : bias;
  if (bias && !b) return (fail(env, NATIVE_NAME ": out of memory"), NULL);
  int r = conv_run(env, &s, 1, DIR_FWD, x, w, y, b, act, alpha);
  if (b != bias) free(b);
  return result(env, r);
}

/*
 * depthwiseConv2d(x, filter, y, shape, bias|null, act, alpha), the channel multiplier m in the
 * cout slot (y has cin·m channels, bias cin·m or 1 values) → done? A grouped convolution, one
 * group per input channel: oneDNN's jit_dw kernels where m = 1. Not in exprsim-blas.c (the
 * kernel for it there would be exprsim's own loops; tfjs-wasm's XNNPACK one is better).
 */
static napi_value depthwise_conv2d(napi_env env, napi_callback_info info) {
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
  const int64_t cm = s.cin * s.cout;
  if (!check_len(env, nx, s.n * s.h * s.w * s.cin, "x") ||
      !check_len(env, nw, s.kh * s.kw * cm, "filter") ||
      !check_len(env, ny, s.n * s.oh * s.ow * cm, "y"))
    return NULL;
  if (bias && nb != 1 && (int64_t)nb != cm) return (fail(env, NATIVE_NAME ": bias length"), NULL);
  if (act < ACT_LINEAR || act > ACT_SIGMOID) return (fail(env, NATIVE_NAME ": activation"), NULL);
  float *b = bias && nb == 1 ? expand(bias, nb, cm) : bias;
  if (bias && !b) return (fail(env, NATIVE_NAME ": out of memory"), NULL);
  int r = conv_run(env, &s, s.cin, DIR_FWD, x, w, y, b, act, alpha);
  if (b != bias) free(b);
  return result(env, r);
}

/* Shared argument checks of the four gradient functions: (a, b, out, shape). */
static int grad_args(napi_env env, napi_callback_info info, float **a, float **b, float **out,
                     size_t *na, size_t *nb, size_t *nout, conv_shape *s) {
  napi_value argv[4];
  return get_args(env, info, 4, argv) && get_f32(env, argv[0], a, na) &&
         get_f32(env, argv[1], b, nb) && get_f32(env, argv[2], out, nout) &&
         get_conv_shape(env, argv[3], s);
}

/* conv2dBackpropInput(dy, filter, dx, shape) → done? */
static napi_value conv2d_backprop_input(napi_env env, napi_callback_info info) {
  float *dy, *w, *dx;
  size_t ndy, nw, ndx;
  conv_shape s;
  if (!grad_args(env, info, &dy, &w, &dx, &ndy, &nw, &ndx, &s)) return NULL;
  if (!check_len(env, ndy, s.n * s.oh * s.ow * s.cout, "dy") ||
      !check_len(env, nw, s.kh * s.kw * s.cin * s.cout, "filter") ||
      !check_len(env, ndx, s.n * s.h * s.w * s.cin, "dx"))
    return NULL;
  return result(env, conv_run(env, &s, 1, DIR_BWD_DATA, dy, w, dx, NULL, 0, 0));
}

/* conv2dBackpropFilter(x, dy, dw, shape) → done? */
static napi_value conv2d_backprop_filter(napi_env env, napi_callback_info info) {
  float *x, *dy, *dw;
  size_t nx, ndy, ndw;
  conv_shape s;
  if (!grad_args(env, info, &x, &dy, &dw, &nx, &ndy, &ndw, &s)) return NULL;
  if (!check_len(env, nx, s.n * s.h * s.w * s.cin, "x") ||
      !check_len(env, ndy, s.n * s.oh * s.ow * s.cout, "dy") ||
      !check_len(env, ndw, s.kh * s.kw * s.cin * s.cout, "dw"))
    return NULL;
  return result(env, conv_run(env, &s, 1, DIR_BWD_WEIGHTS, x, dy, dw, NULL, 0, 0));
}

/* depthwiseBackpropInput(dy, filter, dx, shape), multiplier in the cout slot → done? */
static napi_value depthwise_backprop_input(napi_env env, napi_callback_info info) {
  float *dy, *f, *dx;
  size_t ndy, nf, ndx;
  conv_shape s;
  if (!grad_args(env, info, &dy, &f, &dx, &ndy, &nf, &ndx, &s)) return NULL;
  const int64_t cm = s.cin * s.cout;
  if (!check_len(env, ndy, s.n * s.oh * s.ow * cm, "dy") ||
      !check_len(env, nf, s.kh * s.kw * cm, "filter") ||
      !check_len(env, ndx, s.n * s.h * s.w * s.cin, "dx"))
    return NULL;
  return result(env, conv_run(env, &s, s.cin, DIR_BWD_DATA, dy, f, dx, NULL, 0, 0));
}

/* depthwiseBackpropFilter(x, dy, df, shape) → done? */
static napi_value depthwise_backprop_filter(napi_env env, napi_callback_info info) {
  float *x, *dy, *df;
  size_t nx, ndy, ndf;
  conv_shape s;
  if (!grad_args(env, info, &x, &dy, &df, &nx, &ndy, &ndf, &s)) return NULL;
  const int64_t cm = s.cin * s.cout;
  if (!check_len(env, nx, s.n * s.h * s.w * s.cin, "x") ||
      !check_len(env, ndy, s.n * s.oh * s.ow * cm, "dy") ||
      !check_len(env, ndf, s.kh * s.kw * cm, "df"))
    return NULL;
  return result(env, conv_run(env, &s, s.cin, DIR_BWD_WEIGHTS, x, dy, df, NULL, 0, 0));
}

/* ---- matrix products ------------------------------------------------------------------- */

/* [batch, m, k] (or [batch, k, m] stored when transposed) as oneDNN's (batch, rows, cols). */
static void mat_md(dnnl_memory_desc_t *md, int64_t batch, int64_t rows, int64_t cols, int trans) {
  dnnl_dims_t dims = {batch, rows, cols};
  dnnl_dims_t strides = {rows * cols, trans ? 1 : cols, trans ? rows : 1};
  dnnl_memory_desc_init_by_strides(md, 3, dims, dnnl_f32, strides);
}

/* matmul(a, b, c, [batch, m, n, k, transA, transB, strideA, strideB], bias|null, act, alpha) */
static napi_value matmul(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  float *a, *b, *c, *bias;
  size_t na, nb, nc, nbias;
  int64_t p[8], act;
  double alpha;
  uint32_t len = 0;
  if (!get_args(env, info, 7, argv) || !get_f32(env, argv[0], &a, &na) ||
      !get_f32(env, argv[1], &b, &nb) || !get_f32(env, argv[2], &c, &nc) ||
      !get_f32_or_null(env, argv[4], &bias, &nbias) || !get_i64(env, argv[5], &act) ||
      !get_f64(env, argv[6], &alpha))
    return NULL;
  if (napi_get_array_length(env, argv[3], &len) != napi_ok || len != 8)
    return (fail(env, NATIVE_NAME ": matmul shape must be 8 integers"), NULL);
  for (uint32_t i = 0; i < 8; i++) {
    napi_value e;
    napi_get_element(env, argv[3], i, &e);
    if (!get_i64(env, e, &p[i])) return NULL;
  }
  int64_t batch = p[0], m = p[1], n = p[2], k = p[3], ta = p[4], tb = p[5], sa = p[6], sb = p[7];
  if (batch < 1 || m < 1 || n < 1 || k < 1 || sa < 0 || sb < 0)
    return (fail(env, NATIVE_NAME ": bad matmul shape"), NULL);
  if (!check_len(env, na, sa * (batch - 1) + m * k, "a") ||
      !check_len(env, nb, sb * (batch - 1) + k * n, "b") || !check_len(env, nc, batch * m * n, "c"))
    return NULL;
  if (bias && nbias != 1 && (int64_t)nbias != n)
    return (fail(env, NATIVE_NAME ": bias length"), NULL);
  if (act < ACT_LINEAR || act > ACT_SIGMOID) return (fail(env, NATIVE_NAME ": activation"), NULL);
  /* A batched side has its matrices packed one after the other; a stride of 0 broadcasts. */
  if ((batch > 1 && sa != 0 && sa != m * k) || (batch > 1 && sb != 0 && sb != k * n))
    return (fail(env, NATIVE_NAME ": matmul strides must be 0 or one matrix"), NULL);
  int64_t ba = batch > 1 && sa != 0 ? batch : 1, bb = batch > 1 && sb != 0 ? batch : 1;
  dnnl_memory_desc_t amd, bmd, cmd, biasmd;
  mat_md(&amd, ba, m, k, (int)ta);
  mat_md(&bmd, bb, k, n, (int)tb);
  mat_md(&cmd, batch, m, n, 0);
  dnnl_dims_t bd = {1, 1, n};
  dnnl_memory_desc_init_by_tag(&biasmd, 3, bd, dnnl_f32, dnnl_abc);

  int64_t key[KEY_LEN] = {0};
  key[0] = OP_MATMUL, key[1] = ba, key[2] = bb, key[3] = batch, key[4] = m, key[5] = n;
  key[6] = k, key[7] = ta, key[8] = tb, key[9] = bias != NULL, key[10] = act;
  key[11] = float_bits(alpha);
  cache_entry *e = cache_find(key);
  dnnl_status_t st = dnnl_success;
  if (!e) {
    e = cache_slot(key);
    dnnl_matmul_desc_t d;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL;
    st = dnnl_matmul_desc_init(&d, &amd, &bmd, bias ? &biasmd : NULL, &cmd);
    if (st == dnnl_success) st = dnnl_primitive_attr_create(&attr);
    if (st == dnnl_success) st = set_activation(attr, act, alpha);
    if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &d, attr, g_engine, NULL);
    if (st == dnnl_success && is_reference(pd)) e->declined = 1;
    if (st == dnnl_success && !e->declined) st = dnnl_primitive_create(&e->prim, pd);
    if (st == dnnl_unimplemented) e->declined = 1, st = dnnl_success;
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (st != dnnl_success) {
      entry_clear(e);
      return (dnnl_failed(env, "creating a matmul", st), NULL);
    }
    e->used = 1;
  }
  if (e->declined) return js_bool(env, 0);
  float *bx = bias && nbias == 1 ? expand(bias, nbias, n) : bias;
  if (bias && !bx) return (fail(env, NATIVE_NAME ": out of memory"), NULL);
  dnnl_memory_t ms[4] = {0};
  dnnl_exec_arg_t args[4];
  int nargs = 0;
  if ((st = wrap(&ms[0], &amd, a)) == dnnl_success && (st = wrap(&ms[1], &bmd, b)) == dnnl_success &&
      (st = wrap(&ms[2], &cmd, c)) == dnnl_success && (!bx || (st = wrap(&ms[3], &biasmd, bx)) == dnnl_success)) {
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, ms[0]};
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, ms[1]};
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_DST, ms[2]};
    if (bx) args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, ms[3]};
    st = dnnl_primitive_execute(e->prim, g_stream, nargs, args);
    if (st == dnnl_success) st = dnnl_stream_wait(g_stream);
  }
  for (int i = 0; i < 4; i++)
    if (ms[i]) dnnl_memory_destroy(ms[i]);
  if (bx != bias) free(bx);
  if (st != dnnl_success) return (dnnl_failed(env, "running a matmul", st), NULL);
  return js_bool(env, 1);
}

/* ---- batch norm and sums --------------------------------------------------------------- */

/* batchNorm(x, mean, variance, offset|null, scale|null, y, channels, eps) → done? */
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
    return (fail(env, NATIVE_NAME ": batchNorm shapes"), NULL);
  size_t lens[4] = {nm, nv, offset ? no : 1, scale ? ns : 1};
  for (int i = 0; i < 4; i++)
    if (lens[i] != 1 && lens[i] != (size_t)ch)
      return (fail(env, NATIVE_NAME ": batchNorm parameter length"), NULL);
  const int64_t rows = (int64_t)(nx / (size_t)ch);
  /* As NHWC [rows, 1, 1, ch]: oneDNN's vectorised channels-last batch norm (as 2D it runs a
   * per-channel loop). */
  dnnl_memory_desc_t dmd, pmd;
  dnnl_dims_t dd = {rows, ch, 1, 1}, pd1 = {ch};
  dnnl_memory_desc_init_by_tag(&dmd, 4, dd, dnnl_f32, dnnl_nhwc);
  dnnl_memory_desc_init_by_tag(&pmd, 1, pd1, dnnl_f32, dnnl_x);
  int64_t key[KEY_LEN] = {0};
  key[0] = OP_BNORM, key[1] = rows, key[2] = ch, key[3] = float_bits(eps);
  cache_entry *e = cache_find(key);
  dnnl_status_t st = dnnl_success;
  if (!e) {
    e = cache_slot(key);
    dnnl_batch_normalization_desc_t d;
    dnnl_primitive_desc_t pd = NULL;
    st = dnnl_batch_normalization_forward_desc_init(
        &d, dnnl_forward_inference, &dmd, (float)eps,
        dnnl_use_global_stats | dnnl_use_scale | dnnl_use_shift);
    if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &d, NULL, g_engine, NULL);
    if (st == dnnl_success && is_reference(pd)) e->declined = 1;
    if (st == dnnl_success && !e->declined) st = dnnl_primitive_create(&e->prim, pd);
    if (st == dnnl_unimplemented) e->declined = 1, st = dnnl_success;
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (st != dnnl_success) {
      entry_clear(e);
      return (dnnl_failed(env, "creating a batch norm", st), NULL);
    }
    e->used = 1;
  }
  if (e->declined) return js_bool(env, 0);
  /* Parameters: per channel (broadcast ones expanded; absent scale 1, absent offset 0). */
  float *p = malloc(sizeof(float) * 4 * (size_t)ch);
  if (!p) return (fail(env, NATIVE_NAME ": out of memory"), NULL);
  for (int64_t c = 0; c < ch; c++) {
    p[c] = mean[nm == 1 ? 0 : c];
    p[ch + c] = var[nv == 1 ? 0 : c];
    p[2 * ch + c] = scale ? scale[ns == 1 ? 0 : c] : 1.0f;
    p[3 * ch + c] = offset ? offset[no == 1 ? 0 : c] : 0.0f;
  }
  dnnl_memory_t ms[6] = {0};
  int ids[6] = {DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_SCALE,
                DNNL_ARG_SHIFT};
  void *ptrs[6] = {x, y, p, p + ch, p + 2 * ch, p + 3 * ch};
  dnnl_exec_arg_t args[6];
  for (int i = 0; i < 6 && st == dnnl_success; i++) {
    st = wrap(&ms[i], i < 2 ? &dmd : &pmd, ptrs[i]);
    args[i] = (dnnl_exec_arg_t){ids[i], ms[i]};
  }
  if (st == dnnl_success) st = dnnl_primitive_execute(e->prim, g_stream, 6, args);
  if (st == dnnl_success) st = dnnl_stream_wait(g_stream);
  for (int i = 0; i < 6; i++)
    if (ms[i]) dnnl_memory_destroy(ms[i]);
  free(p);
  if (st != dnnl_success) return (dnnl_failed(env, "running a batch norm", st), NULL);
  return js_bool(env, 1);
}

/*
 * sumRows(x, out, rows, cols, scale) → done?: out[c] = scale · Σ_r x[r, c], accumulated in
 * double. Not oneDNN: its reduction primitive has only reference loops for this layout, and its
 * matrix product with a row of ones is slower than this one pass over memory. OpenMP, as
 * oneDNN: each thread sums a band of rows, then the bands are added in a fixed order (so the
 * result does not depend on timing).
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
  if (rows < 1 || cols < 1) return (fail(env, NATIVE_NAME ": sumRows shape"), NULL);
  if (!check_len(env, nx, rows * cols, "x") || !check_len(env, nout, cols, "out")) return NULL;
  /* Bands of at least 64k values, so small sums stay on one thread. */
  int64_t bands = omp_get_max_threads(), min_rows = (65536 + cols - 1) / cols;
  if (bands > rows / min_rows) bands = rows / min_rows;
  if (bands < 1) bands = 1;
  double *acc = calloc((size_t)(bands * cols), sizeof(double));
  if (!acc) return (fail(env, NATIVE_NAME ": out of memory"), NULL);
#pragma omp parallel for num_threads(bands) schedule(static, 1)
  for (int64_t b = 0; b < bands; b++) {
    double *a = acc + b * cols;
    for (int64_t r = rows * b / bands; r < rows * (b + 1) / bands; r++) {
      const float *xr = x + r * cols;
      for (int64_t c = 0; c < cols; c++) a[c] += xr[c];
    }
  }
  for (int64_t c = 0; c < cols; c++) {
    double t = 0;
    for (int64_t b = 0; b < bands; b++) t += acc[b * cols + c];
    out[c] = (float)(t * scale);
  }
  free(acc);
  return js_bool(env, 1);
}

/* ---- threads and info ------------------------------------------------------------------ */

/* setThreads(n): oneDNN's OpenMP threads for this process (the calling thread's pool). */
static napi_value set_threads(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t n;
  if (!get_args(env, info, 1, argv) || !get_i64(env, argv[0], &n)) return NULL;
  if (n < 1) return (fail(env, NATIVE_NAME ": threads must be >= 1"), NULL);
  omp_set_num_threads((int)n);
  return NULL;
}

static const char *isa_name(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "unknown";
  }
}

/* info(): { config: "oneDNN x.y.z", core: the ISA oneDNN dispatches to, threads }. */
static napi_value dnnl_info(napi_env env, napi_callback_info info) {
  (void)info;
  const dnnl_version_t *v = dnnl_version();
  char config[64];
  snprintf(config, sizeof config, "oneDNN %d.%d.%d (OpenMP)", v->major, v->minor, v->patch);
  napi_value obj, s;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, config, NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, obj, "config", s);
  napi_create_string_utf8(env, isa_name(dnnl_get_effective_cpu_isa()), NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, obj, "core", s);
  napi_create_int32(env, omp_get_max_threads(), &s);
  napi_set_named_property(env, obj, "threads", s);
  return obj;
}

/* Bumped whenever a function's arguments change: load.ts refuses a stale build. */
#define EXPRSIM_DNNL_ABI 3

static napi_value init(napi_env env, napi_value exports) {
  if (!g_engine) {
    dnnl_status_t st = dnnl_engine_create(&g_engine, dnnl_cpu, 0);
    if (st == dnnl_success) st = dnnl_stream_create(&g_stream, g_engine, dnnl_stream_default_flags);
    if (st != dnnl_success) return (dnnl_failed(env, "creating the CPU engine", st), NULL);
  }
  napi_value abi;
  napi_create_int32(env, EXPRSIM_DNNL_ABI, &abi);
  napi_set_named_property(env, exports, "abi", abi);
  const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {{"conv2d", conv2d},
             {"conv2dBackpropInput", conv2d_backprop_input},
             {"conv2dBackpropFilter", conv2d_backprop_filter},
             {"matmul", matmul},
             {"depthwiseConv2d", depthwise_conv2d},
             {"depthwiseBackpropInput", depthwise_backprop_input},
             {"batchNorm", batch_norm},
             {"sumRows", sum_rows},
             {"depthwiseBackpropFilter", depthwise_backprop_filter},
             {"prelu", prelu},
             {"setThreads", set_threads},
             {"info", dnnl_info}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}

NAPI_MODULE(exprsim_dnnl, init)
