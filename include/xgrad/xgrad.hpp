// Everything a user program needs: #include <xgrad/xgrad.hpp>, namespace xg = xgrad.
#pragma once
#include "xgrad/arithmetic.hpp"
#include "xgrad/autocast.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/broadcast.hpp"
#include "xgrad/custom_function.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/conv.hpp"
#include "xgrad/pad.hpp"
#include "xgrad/pool.hpp"
#include "xgrad/compare_operators.hpp"
#include "xgrad/dtype.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/format.hpp"
#include "xgrad/functional.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/gradcheck.hpp"
#include "xgrad/indexing.hpp"
#include "xgrad/linalg.hpp"
#include "xgrad/linalg_ops.hpp"
#include "xgrad/parallel.hpp"
#include "xgrad/random.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/shape.hpp"
#include "xgrad/shape_ops.hpp"
#include "xgrad/softmax.hpp"
#include "xgrad/state_dict.hpp"
#include "xgrad/tensor.hpp"
#include "xgrad/tensor_options.hpp"

// The layers above ops.
#include "xgrad/data.hpp"
#include "xgrad/nn.hpp"
#include "xgrad/optim.hpp"

// libtorch's top-level forms (torch::nll_loss, torch::save of a module).
#include "xgrad/nn/toplevel_functional.hpp"
#include "xgrad/save_load.hpp"

namespace xg = xgrad;
