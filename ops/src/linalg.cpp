// Matrix products on kernels::gemm. C = op(A)·op(B) with op a transpose flag, so every backward is
// again a gemm with flags and never copies a transpose:
//   dA = G·op(B)ᵀ (or its transpose when A was transposed), dB = op(A)ᵀ·G (likewise).
// Under AutocastGuard(kBFloat16) float32 operands are multiplied as bfloat16 with float32
// accumulation; the node remembers that, so its backward products run the same way.
#include "gemm.hpp"
#include "kernels.hpp"
#include "linalg_rules.hpp"
#include "rule_tables.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/autocast.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/linalg.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

void append_linalg_rule_names(std::vector<std::string>& names) { append_rule_names(kLinalgRules, names); }
namespace {

// As torch: both operands of one dtype (products do not promote), floating or int64.
Dtype matmul_dtype(const char* op, const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype())
    throw Error(fmt::format("{}: both operands must have the same dtype, got {} (shape {}) and {} (shape {}); convert "
                            "one with .to()",
                            op, dtype_name(a.dtype()), shape_str(a.shape()), dtype_name(b.dtype()), shape_str(b.shape())));
  const Dtype dtype = a.dtype();
  if (dtype == kInt64) return kInt64;  // exact integer products, as torch
  if (!is_floating_point(dtype))
    throw Error(fmt::format("{}: only floating-point or two int64 tensors can be multiplied, got {} and {}", op,
                            dtype_name(a.dtype()), dtype_name(b.dtype())));
  return dtype;
}

// How a product computes: the operands' dtype as read by gemm, and the result's dtype.
struct Precision {
  Dtype input, output;
};

// An autocast product reads its operands as bfloat16 and gives float32, whatever they are (the
// entry points switch it on only for float32 operands; the backward passes it on). Otherwise the
// promoted dtype is both: bfloat16 operands give bfloat16, rounded from float32 sums as in torch.
Precision product_precision(Dtype promoted, bool autocast) {
  if (autocast) return {kBFloat16, kFloat32};
  return {promoted, promoted};
}

// Whether a product of operands of these dtypes runs as autocast on this thread now.
bool autocast_applies(Dtype a, Dtype b) { return is_autocast_enabled() && promote_types(a, b) == kFloat32; }

// gemm writes float32 for bfloat16 inputs: the buffer it writes into, converted afterwards.
Tensor gemm_output(const Shape& shape, const Precision& p) {
  return make_tensor(shape, p.input == kBFloat16 ? kFloat32 : p.output);
}
Tensor finish_output(Tensor out, const Precision& p) { return out.dtype() == p.output ? out : out.to(p.output); }

// An operand as an autocast backward reads it: the bfloat16 copy the forward made (a snapshot,
// after `saved.get()` has checked the original was not changed since) when no graph is being
// built, else the original, so a double backward differentiates through it.
Tensor autocast_operand(const SavedTensor& saved, const Tensor& bf16_copy) {
  const Tensor original = saved.get();
  return bf16_copy.defined() && !GradModeFast::enabled() ? bf16_copy : original;
}
Tensor autocast_grad(const Tensor& g, bool autocast) {
  return autocast && !GradModeFast::enabled() ? kernels::cast_raw(g, kBFloat16) : g;
}

[[noreturn]] void throw_mismatch(const char* op, const Tensor& a, const Tensor& b, std::int64_t ka, std::int64_t kb) {
  throw Error(fmt::format("{}: shapes {} and {} cannot be multiplied ({} != {})", op, shape_str(a.shape()),
                          shape_str(b.shape()), ka, kb));
}

// Integer products (no BLAS has them): a plain triple loop, exact in int64 (wrapping as torch's on
// overflow is not promised). Integer tensors never require grad, so nothing is recorded.
Tensor int64_product(const Tensor& a_in, const Tensor& b_in, bool ta, bool tb, bool batched, std::int64_t batch,
                     std::int64_t n, std::int64_t k, std::int64_t m) {
  const Tensor a = a_in.contiguous(), b = b_in.contiguous();
  Tensor out = make_tensor(batched ? Shape{batch, n, m} : Shape{n, m}, kInt64);
  const std::int64_t* pa = contiguous_data<std::int64_t>(a);
  const std::int64_t* pb = contiguous_data<std::int64_t>(b);
  std::int64_t* po = contiguous_data<std::int64_t>(out);
  for (std::int64_t s = 0; s < batch; ++s) {
    const std::int64_t* x = pa + s * n * k;
    const std::int64_t* y = pb + s * k * m;
    std::int64_t* z = po + s * n * m;
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < m; ++j) {
        std::uint64_t acc = 0;  // unsigned: wraps instead of signed overflow's undefined behaviour
        for (std::int64_t l = 0; l < k; ++l)
          acc += static_cast<std::uint64_t>(ta ? x[l * n + i] : x[i * k + l]) *
                 static_cast<std::uint64_t>(tb ? y[j * k + l] : y[l * m + j]);
        z[i * m + j] = static_cast<std::int64_t>(acc);
      }
  }
  return out;
}

// A product operand in the dtype the product reads, as a dense batch of matrices, and whether that
// dense batch is the operand transposed: a transposed view (x.t(), x.transpose(-2, -1)) of a dense
// tensor is read in place through the product's transpose flag instead of being copied.
struct ProductOperand {
  Tensor dense;
  bool transposed = false;
};
ProductOperand product_operand(const Tensor& t, Dtype dtype) {
  const TensorImpl& impl = *t.impl();
  const std::size_t nd = impl.shape.size();
  if (impl.dtype == dtype && !impl.contiguous && nd >= 2) {
    Shape swapped = impl.shape;
    Strides swapped_strides = impl.strides();
    std::swap(swapped[nd - 1], swapped[nd - 2]);
    std::swap(swapped_strides[nd - 1], swapped_strides[nd - 2]);
    if (is_contiguous_layout(swapped, swapped_strides))
      return {make_strided(t, swapped, contiguous_strides(swapped), impl.storage_offset), true};
  }
  return {kernels::cast_raw(t, dtype), false};
}

// The batched core: a [B, n, k] (or [B, k, n] when ta), b [B, k, m] (or [B, m, k]) -> [B, n, m].
Tensor batched_product(const char* op, const Tensor& a_in, const Tensor& b_in, bool ta, bool tb, bool batched,
                       bool autocast) {
  const std::int64_t off = batched ? 1 : 0;
  if (a_in.dim() != 2 + off || b_in.dim() != 2 + off)
    throw Error(fmt::format("{}: expected {}-D operands, got shapes {} and {}", op, 2 + off, shape_str(a_in.shape()),
                            shape_str(b_in.shape())));
  const std::int64_t batch = batched ? a_in.size(0) : 1;
  if (batched && b_in.size(0) != batch)
    throw Error(fmt::format("{}: batch sizes differ in shapes {} and {}", op, shape_str(a_in.shape()),
                            shape_str(b_in.shape())));
  const std::int64_t n = a_in.size(ta ? off + 1 : off), ka = a_in.size(ta ? off : off + 1);
  const std::int64_t kb = b_in.size(tb ? off + 1 : off), m = b_in.size(tb ? off : off + 1);
  if (ka != kb) throw_mismatch(op, a_in, b_in, ka, kb);
  const Dtype dtype = matmul_dtype(op, a_in, b_in);
  if (dtype == kInt64) return int64_product(a_in, b_in, ta, tb, batched, batch, n, ka, m);
  const Precision p = product_precision(dtype, autocast);
  const ProductOperand a_op = product_operand(a_in, p.input), b_op = product_operand(b_in, p.input);
  const Tensor &a = a_op.dense, &b = b_op.dense;
  ta = ta != a_op.transposed;
  tb = tb != b_op.transposed;
  Tensor out = gemm_output(batched ? Shape{batch, n, m} : Shape{n, m}, p);
  kernels::GemmArgs g;
  g.ta = ta, g.tb = tb, g.m = n, g.n = m, g.k = ka;
  g.a = contiguous_bytes(a), g.lda = ta ? n : ka;
  g.b = contiguous_bytes(b), g.ldb = tb ? ka : m;
  g.c = contiguous_bytes(out), g.ldc = m;
  kernels::gemm(p.input, g, batch, n * ka, ka * m, n * m);
  return finish_output(std::move(out), p);
}

Tensor product(const char* op, const Tensor& a, const Tensor& b, bool ta, bool tb, bool batched, bool autocast);

// A product's gradients (s.input and s.other are saved only when the other operand needs one).
Grads product_backward(const Tensor& g_in, const LinalgSaved& s) {
  const bool ta = s.ta, tb = s.tb, batched = s.batched, autocast = s.autocast;
  const Tensor g = autocast_grad(g_in, autocast);  // converted once for both products
  Tensor ga, gb;
  if (s.other.defined()) {
    const Tensor b = autocast_operand(s.other, s.b_bf16);
    ga = ta ? product("mm", b, g, tb, true, batched, autocast) : product("mm", g, b, false, !tb, batched, autocast);
  }
  if (s.input.defined()) {
    const Tensor a = autocast_operand(s.input, s.a_bf16);
    gb = tb ? product("mm", g, a, true, ta, batched, autocast) : product("mm", a, g, !ta, false, batched, autocast);
  }
  return Grads{ga, gb};
}

Tensor product(const char* op, const Tensor& a, const Tensor& b, bool ta, bool tb, bool batched, bool autocast) {
  // Under autocast the bfloat16 copies are made once: the forward reads them and keeps them for the
  // backward (as torch's autocast saves its casts).
  const Tensor a_bf16 = autocast ? kernels::cast_raw(a, kBFloat16) : Tensor();
  const Tensor b_bf16 = autocast ? kernels::cast_raw(b, kBFloat16) : Tensor();
  Tensor out = batched_product(op, autocast ? a_bf16 : a, autocast ? b_bf16 : b, ta, tb, batched, autocast);
  if (should_record({&a, &b})) {
    // Each input's gradient needs only the other input.
    LinalgSaved saved{.input = save_if(a, b.requires_grad()), .other = save_if(b, a.requires_grad()),
                      .a_bf16 = b.requires_grad() ? a_bf16 : Tensor(), .b_bf16 = a.requires_grad() ? b_bf16 : Tensor(),
                      .ta = ta, .tb = tb, .batched = batched, .autocast = autocast};
    record(batched ? rule_for(kLinalgRules, "BmmBackward0") : rule_for(kLinalgRules, "MmBackward0"), out, {&a, &b},
           std::move(saved));
  }
  return out;
}

// The public entry points read this thread's autocast state once, when the forward runs.
Tensor product(const char* op, const Tensor& a, const Tensor& b, bool ta, bool tb, bool batched) {
  if (a.defined() && b.defined() && autocast_applies(a.dtype(), b.dtype()))
    return product(op, a, b, ta, tb, batched, true);
  return product(op, a, b, ta, tb, batched, false);
}

}  // namespace

Tensor mm_transposed(const Tensor& a, const Tensor& b, bool ta, bool tb) { return product("mm", a, b, ta, tb, false); }
Tensor mm(const Tensor& a, const Tensor& b) { return product("mm", a, b, false, false, false); }
Tensor bmm(const Tensor& a, const Tensor& b) { return product("bmm", a, b, false, false, true); }

Tensor matmul(const Tensor& a, const Tensor& b) {
  const auto da = a.dim(), db = b.dim();
  if (da == 0 || db == 0)
    throw Error(fmt::format("matmul: both arguments need at least 1 dimension, got shapes {} and {}",
                            shape_str(a.shape()), shape_str(b.shape())));
  const std::int64_t ka = a.size(-1), kb = db == 1 ? b.size(0) : b.size(-2);
  if (ka != kb) throw_mismatch("matmul", a, b, ka, kb);
  if (da == 1 && db == 1) return reshape(product("matmul", unsqueeze(a, 0), unsqueeze(b, 1), false, false, false), {});
  if (da == 2 && db == 2) return product("matmul", a, b, false, false, false);
  if (da == 1 && db == 2) return squeeze(product("matmul", unsqueeze(a, 0), b, false, false, false), 0);
  if (da == 2 && db == 1) return squeeze(product("matmul", a, unsqueeze(b, 1), false, false, false), 1);
  // Batched: promote 1-D operands, broadcast the batch dimensions, multiply, then drop promoted dims.
  const Tensor a2 = da == 1 ? unsqueeze(a, 0) : a;
  const Tensor b2 = db == 1 ? unsqueeze(b, 1) : b;
  const Shape batch_a(a2.shape().begin(), a2.shape().end() - 2), batch_b(b2.shape().begin(), b2.shape().end() - 2);
  const Shape batch = broadcast_shapes("matmul", batch_a, batch_b);
  const std::int64_t n = a2.size(-2), k = a2.size(-1), m = b2.size(-1);
  Shape full_a = batch, full_b = batch, full_out = batch;
  full_a.insert(full_a.end(), {n, k});
  full_b.insert(full_b.end(), {k, m});
  const std::int64_t count = shape_numel(batch);
  const Tensor out3 = product("matmul", reshape(expand(a2, full_a), {count, n, k}), reshape(expand(b2, full_b), {count, k, m}),
                              false, false, true);
  if (da > 1) full_out.push_back(n);
  if (db > 1) full_out.push_back(m);
  return reshape(out3, full_out);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  if (weight.dim() != 2)
    throw Error(fmt::format("linear: weight must be 2-D [out, in], got shape {}", shape_str(weight.shape())));
  if (x.dim() == 0 || x.size(-1) != weight.size(1))
    throw Error(fmt::format("linear: input of shape {} does not match weight of shape {} (in_features {} != {})",
                            shape_str(x.shape()), shape_str(weight.shape()), x.dim() ? x.size(-1) : 0, weight.size(1)));
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != weight.size(0)))
    throw Error(fmt::format("linear: bias of shape {} does not match weight of shape {}", shape_str(bias.shape()),
                            shape_str(weight.shape())));
  if (x.dim() != 2) {  // fold leading dimensions into rows
    Shape out_shape = x.shape();
    out_shape.back() = weight.size(0);
    return reshape(linear(reshape(x, {-1, x.size(-1)}), weight, bias), out_shape);
  }
  const bool autocast = autocast_applies(x.dtype(), weight.dtype());
  const Dtype dtype = matmul_dtype("linear", x, weight);
  if (dtype == kInt64) {  // no BLAS path for integers: the exact product plus the bias (nothing to record)
    const Tensor product_xw = matmul(x, transpose(weight, 0, 1));
    return bias.defined() ? product_xw + bias : product_xw;
  }
  const Precision p = product_precision(dtype, autocast);
  const Tensor xs = kernels::cast_raw(x, p.input), ws = kernels::cast_raw(weight, p.input);
  const std::int64_t rows = x.size(0), in = x.size(1), out_features = weight.size(0);
  Tensor out = gemm_output({rows, out_features}, p);
  // The bias in the accumulator's dtype, added by the product itself (oneDNN fuses it).
  const Tensor bs = bias.defined() ? kernels::cast_raw(bias, out.dtype()) : Tensor();
  kernels::GemmArgs g;
  g.tb = true, g.m = rows, g.n = out_features, g.k = in;
  g.a = contiguous_bytes(xs), g.lda = in;
  g.b = contiguous_bytes(ws), g.ldb = in;
  g.c = contiguous_bytes(out), g.ldc = out_features;
  g.bias = bs.defined() ? contiguous_bytes(bs) : nullptr;
  kernels::gemm(p.input, g);
  out = finish_output(std::move(out), p);
  if (should_record({&x, &weight, &bias})) {
    // x·wᵀ is the product with w transposed: its gradients are the product's, plus the bias's.
    LinalgSaved saved{.input = save_if(x, weight.requires_grad()), .other = save_if(weight, x.requires_grad()),
                      .a_bf16 = autocast && weight.requires_grad() ? xs : Tensor(),
                      .b_bf16 = autocast && x.requires_grad() ? ws : Tensor(), .tb = true, .autocast = autocast, .has_bias = bias.defined()};
    record(rule_for(kLinalgRules, "LinearBackward0"), out, {&x, &weight, &bias}, std::move(saved));
  }
  return out;
}

Grads linalg_rules::product(G g, S s) { return product_backward(g, s); }

Grads linalg_rules::linear(G g, S s) {
  Grads grads = product_backward(g, s);
  grads.push_back(s.has_bias ? sum(g, {0}) : Tensor());
  return grads;
}

}  // namespace xgrad
