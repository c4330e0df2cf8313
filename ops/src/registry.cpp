// Every backward node name the library can record. The gradcheck suite fails when a name here has
// no check, or when a check meets a node missing from this list.
#include "xgrad/gradcheck.hpp"

namespace xgrad::autograd {

const std::vector<std::string>& registered_backward_names() {
  static const std::vector<std::string> names = {
      // core
      "SumToBackward", "ExpandBackward", "ToCopyBackward", "CloneBackward", "AddBackward",
      // arithmetic
      "SubBackward", "MulBackward", "DivBackward", "NegBackward", "ReciprocalBackward", "PowBackward",
      // elementwise math
      "ExpBackward", "LogBackward", "Log1pBackward", "SqrtBackward", "RsqrtBackward", "AbsBackward", "AbsBackwardBackward", "SinBackward",
      "CosBackward", "TanhBackward", "SigmoidBackward", "ErfBackward",
      // activations and selection
      "ReluBackward", "ReluBackwardBackward", "EluBackward", "LeakyReluBackward", "LeakyReluBackwardBackward", "GeluBackward", "SoftplusBackward",
      "ClampBackward", "MaximumBackward", "MinimumBackward", "WhereBackward",
      // reductions
      "SumBackward", "MaxBackward", "MinBackward", "AmaxBackward", "StdBackward",
      // linear algebra
      "MmBackward", "BmmBackward", "LinearBackward",
      // convolutions (conv.cpp): each backward is made of the other two
      "ConvolutionBackward", "ConvolutionInputGradBackward", "ConvolutionWeightGradBackward",
      // xgrad::linalg (linalg_solve.cpp, linalg_det.cpp, linalg_decomp.cpp, linalg_lstsq.cpp)
      "LinalgSolveBackward", "LinalgSolveTriangularBackward", "LinalgCholeskyBackward", "LinalgSlogdetBackward",
      "LinalgDetBackward",
      "LinalgEighEigenvaluesBackward", "LinalgEighEigenvectorsBackward", "LinalgQrQBackward", "LinalgQrRBackward",
      "LinalgSvdUBackward", "LinalgSvdSBackward", "LinalgSvdVhBackward", "LinalgPinvBackward",
      // shape
      "ViewBackward", "SqueezeBackward", "UnsqueezeBackward", "PermuteBackward", "CatBackward", "NarrowBackward",
      "SelectBackward", "SliceBackward", "UnfoldBackward", "AsStridedBackward", "StridedEmbedBackward",
      // in-place ops under autograd (core/src/inplace.cpp)
      "CopySlices", "CopyBackwards", "AsStridedScatterBackward",
      // indexing
      "IndexSelectBackward", "IndexAddBackward", "GatherBackward", "ScatterAddBackward",
      // tensor indexing (tensor_index.cpp)
      "IndexBackward", "IndexPutBackward", "ScatterBackward",
      // softmax
      "SoftmaxBackward", "LogSoftmaxBackward"};
  return names;
}

}  // namespace xgrad::autograd
