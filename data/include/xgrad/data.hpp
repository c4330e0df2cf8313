// xgrad::data — datasets, the DataLoader, transforms, and IDX / CSV readers.
#pragma once
#include "xgrad/data/csv.hpp"
#include "xgrad/data/dataloader.hpp"
#include "xgrad/data/dataset.hpp"
#include "xgrad/data/datasets.hpp"
#include "xgrad/data/fashion_mnist.hpp"
#include "xgrad/data/idx.hpp"
#include "xgrad/data/sampler.hpp"
#include "xgrad/data/transforms.hpp"
