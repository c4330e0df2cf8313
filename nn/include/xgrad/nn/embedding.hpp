// Embedding: a lookup table of `num_embeddings` rows of `embedding_dim` values, as torch.nn.Embedding.
// Entries equal to padding_idx look up their row but send it no gradient (torch's meaning); the
// layer initializes that row to zeros.
#pragma once
#include <cstdint>
#include <optional>

#include "xgrad/nn/module.hpp"
#include "xgrad/nn/options_arg.hpp"

namespace xgrad::nn {

class EmbeddingFuncOptions {
  XGRAD_ARG(std::optional<std::int64_t>, padding_idx);
};

class EmbeddingOptions {
 public:
  EmbeddingOptions(std::int64_t num_embeddings, std::int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  XGRAD_ARG(std::int64_t, num_embeddings);
  XGRAD_ARG(std::int64_t, embedding_dim);
  XGRAD_ARG(std::optional<std::int64_t>, padding_idx);
};

namespace functional {
// input: int64 indices of any shape; weight [num, dim] -> input.shape + [dim].
Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options = {});
}  // namespace functional

class EmbeddingImpl : public Module {
 public:
  explicit EmbeddingImpl(const EmbeddingOptions& options, Dtype dtype = kFloat32);
  EmbeddingImpl(std::int64_t num_embeddings, std::int64_t embedding_dim)
      : EmbeddingImpl(EmbeddingOptions(num_embeddings, embedding_dim)) {}
  Tensor forward(const Tensor& input) const;
  // N(0, 1), the padding row zeroed, as torch's reset_parameters().
  void reset_parameters();
  std::string extra_repr() const override;
  EmbeddingOptions options;
  Tensor weight;  // [num_embeddings, embedding_dim]
};
XGRAD_MODULE(Embedding);

}  // namespace xgrad::nn
