/*
 * What both native libraries (exprsim-blas.c on OpenBLAS, exprsim-dnnl.c on oneDNN) share: the
 * Node-API argument checks, the conv shape they both receive and the activation codes. Each
 * defines NATIVE_NAME (the prefix of its error messages) before including this.
 */
#ifndef EXPRSIM_NAPI_ARGS_H
#define EXPRSIM_NAPI_ARGS_H
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
  int64_t n, h, w, cin, kh, kw, cout, oh, ow, sh, sw, dh, dw, pad_top, pad_left;
} conv_shape;

enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_LEAKY = 3, ACT_ELU = 4, ACT_SIGMOID = 5 };

/* ---- Node-API argument helpers -------------------------------------------------------- */

static inline int fail(napi_env env, const char *msg) {
  napi_throw_error(env, "E_NATIVE", msg);
  return 0;
}

static inline int get_f32(napi_env env, napi_value v, float **data, size_t *len) {
  napi_typedarray_type type;
  void *ptr;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, NULL, NULL) != napi_ok ||
      type != napi_float32_array)
    return fail(env, NATIVE_NAME ": expected a Float32Array");
  *data = (float *)ptr;
  return 1;
}

/* A Float32Array or null (an absent bias). */
static inline int get_f32_or_null(napi_env env, napi_value v, float **data, size_t *len) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) {
    *data = NULL;
    *len = 0;
    return 1;
  }
  return get_f32(env, v, data, len);
}

static inline int get_i64(napi_env env, napi_value v, int64_t *out) {
  if (napi_get_value_int64(env, v, out) != napi_ok)
    return fail(env, NATIVE_NAME ": expected an integer");
  return 1;
}

static inline int get_f64(napi_env env, napi_value v, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok)
    return fail(env, NATIVE_NAME ": expected a number");
  return 1;
}

static inline int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != want) return fail(env, NATIVE_NAME ": wrong number of arguments");
  return 1;
}

/* shape = [n,h,w,cin,kh,kw,cout,oh,ow,sh,sw,dh,dw,padTop,padLeft] as a JS array of 15 ints. */
static inline int get_conv_shape(napi_env env, napi_value arr, conv_shape *s) {
  int64_t v[15];
  uint32_t len = 0;
  if (napi_get_array_length(env, arr, &len) != napi_ok || len != 15)
    return fail(env, NATIVE_NAME ": conv shape must be 15 integers");
  for (uint32_t i = 0; i < 15; i++) {
    napi_value e;
    napi_get_element(env, arr, i, &e);
    if (!get_i64(env, e, &v[i])) return 0;
    if (v[i] < 0 || (i < 13 && v[i] == 0)) return fail(env, NATIVE_NAME ": bad conv shape");
  }
  s->n = v[0], s->h = v[1], s->w = v[2], s->cin = v[3], s->kh = v[4], s->kw = v[5];
  s->cout = v[6], s->oh = v[7], s->ow = v[8], s->sh = v[9], s->sw = v[10], s->dh = v[11];
  s->dw = v[12], s->pad_top = v[13], s->pad_left = v[14];
  return 1;
}

/* Exact: a view of another size means the caller's shapes are not the tensors' (never guess). */
static inline int check_len(napi_env env, size_t have, int64_t need, const char *what) {
  if ((int64_t)have != need) {
    char msg[160];
    snprintf(msg, sizeof msg, NATIVE_NAME ": %s has %zu floats, expected %lld", what, have,
             (long long)need);
    return fail(env, msg);
  }
  return 1;
}

/* ---- prelu, shared by both libraries ---------------------------------------------------- */

/*
 * prelu(y, slopes): y = y < 0 ? slope · y : y in place, one slope per channel (the last axis,
 * slopes.length of them) or one for all. After a conv or product computed y (MTCNN's layers):
 * one branch-free pass the compiler vectorises (JavaScript's took ~7 ns a value).
 */
static napi_value prelu(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  float *y, *sl;
  size_t ny, ns;
  if (!get_args(env, info, 2, argv) || !get_f32(env, argv[0], &y, &ny) ||
      !get_f32(env, argv[1], &sl, &ns))
    return NULL;
  if (ns == 0 || ny % ns != 0)
    return (fail(env, NATIVE_NAME ": prelu slopes must divide the values"), NULL);
  for (size_t o = 0; o < ny; o += ns)
    for (size_t j = 0; j < ns; j++) {
      float v = y[o + j];
      y[o + j] = v < 0 ? v * sl[j] : v;
    }
  return NULL;
}

#endif
