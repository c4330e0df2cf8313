// Embedding as index_select (whose backward is index_add) over the flattened indices; padding_idx
// entries take their row through detach(), so that row gets no gradient from them.
#include "xgrad/nn/embedding.hpp"

#include <fmt/format.h>

#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/indexing.hpp"
#include "xgrad/nn/init.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad::nn {

namespace {
// A padding_idx in [-num, num) as a row number, as torch normalizes it.
std::int64_t padding_row(const char* op, std::int64_t padding_idx, std::int64_t num) {
  if (padding_idx < -num || padding_idx >= num)
    throw Error(fmt::format("{}: padding_idx {} is out of range for {} embeddings", op, padding_idx, num));
  return padding_idx < 0 ? padding_idx + num : padding_idx;
}
}  // namespace

namespace functional {

Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& o) {
  if (weight.dim() != 2)
    throw Error(fmt::format("embedding: weight must be 2-D [num_embeddings, embedding_dim], got shape {}",
                            shape_str(weight.shape())));
  if (input.dtype() != kInt64)
    throw Error(fmt::format("embedding: indices must be int64, got {} of shape {}", dtype_name(input.dtype()),
                            shape_str(input.shape())));
  const std::int64_t num = weight.size(0);
  const Tensor flat = reshape(input.detach(), {-1});
  const std::int64_t* idx = flat.contiguous().data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < flat.numel(); ++i)
    if (idx[i] < 0 || idx[i] >= num)
      throw Error(fmt::format("embedding: index {} is out of range for weight of shape {}", idx[i],
                              shape_str(weight.shape())));
  Shape out_shape = input.shape();
  out_shape.push_back(weight.size(1));
  Tensor rows = index_select(weight, 0, flat);
  if (o.padding_idx()) {
    const std::int64_t pad = padding_row("embedding", *o.padding_idx(), num);
    rows = where(unsqueeze(eq(flat, static_cast<double>(pad)), 1), rows.detach(), rows);
  }
  return reshape(rows, out_shape);
}

}  // namespace functional

EmbeddingImpl::EmbeddingImpl(const EmbeddingOptions& o, Dtype dtype) : options(o) {
  if (o.num_embeddings() < 1 || o.embedding_dim() < 1)
    throw Error(fmt::format("Embedding: num_embeddings {} and embedding_dim {} must be positive", o.num_embeddings(),
                            o.embedding_dim()));
  if (o.padding_idx()) options.padding_idx(padding_row("Embedding", *o.padding_idx(), o.num_embeddings()));
  weight = register_parameter("weight", empty({o.num_embeddings(), o.embedding_dim()}, dtype));
  reset_parameters();
}

void EmbeddingImpl::reset_parameters() {
  init::normal_(weight, 0.0, 1.0);
  if (options.padding_idx()) {
    NoGradGuard no_grad;  // zero the padding row in place: a [num, 1] mask of ones with a 0 there
    std::vector<double> keep(static_cast<std::size_t>(options.num_embeddings()), 1.0);
    keep[static_cast<std::size_t>(*options.padding_idx())] = 0.0;
    weight.mul_(tensor(keep, {options.num_embeddings(), 1}, weight.dtype()));
  }
}

Tensor EmbeddingImpl::forward(const Tensor& input) const {
  return functional::embedding(input, weight, EmbeddingFuncOptions().padding_idx(options.padding_idx()));
}

std::string EmbeddingImpl::extra_repr() const {
  return options.padding_idx() ? fmt::format("{}, {}, padding_idx={}", options.num_embeddings(), options.embedding_dim(),
                                             *options.padding_idx())
                               : fmt::format("{}, {}", options.num_embeddings(), options.embedding_dim());
}

}  // namespace xgrad::nn
