// The libtorch compatibility header: a program written against libtorch's C++ frontend builds on xgrad
// by replacing `#include <torch/torch.h>` with `#include <xgrad/torch.hpp>`, as long as it uses only
// what xgrad has (README, "libtorch compatibility", lists what is covered and what is not).
//
// `torch` is a namespace that sees everything in xgrad (torch::Tensor is xgrad::Tensor: values pass
// between code written either way) and declares directly only the few names whose libtorch form is a
// different type from xgrad's own: the option builders, which cannot share a type with xgrad's
// designated-initializer aggregates (see optim/options_builders.hpp).
#pragma once
#include "xgrad/custom_function.hpp"
#include "xgrad/data/dataloader_options_builder.hpp"
#include "xgrad/optim/options_builders.hpp"
#include "xgrad/print.hpp"
#include "xgrad/save_load.hpp"
#include "xgrad/xgrad.hpp"

namespace torch {
using namespace ::xgrad;

namespace optim {
using namespace ::xgrad::optim;
using ::xgrad::optim::builder::AdamOptions;
using ::xgrad::optim::builder::AdamWOptions;
using ::xgrad::optim::builder::SGDOptions;
}  // namespace optim

namespace data {
using namespace ::xgrad::data;
using ::xgrad::data::builder::DataLoaderOptions;

namespace detail {
template <class Data, class Target>
struct ExampleOf {
  static_assert(sizeof(Data) == 0, "xgrad's Example holds two Tensors: use Example<>");
};
template <>
struct ExampleOf<::xgrad::Tensor, ::xgrad::Tensor> {
  using type = ::xgrad::data::Example;
};
}  // namespace detail
// libtorch's Example<> is a template over its field types; xgrad's is the <Tensor, Tensor> case.
template <class Data = ::xgrad::Tensor, class Target = ::xgrad::Tensor>
using Example = typename detail::ExampleOf<Data, Target>::type;
}  // namespace data

}  // namespace torch

// libtorch's macro for a module handle: TORCH_MODULE(Net) makes `Net` a shared handle to `NetImpl`.
#define TORCH_MODULE(Name) XGRAD_MODULE(Name)
