// Small synthetic "images" with a learnable rule (the label is the largest of the first 10 pixels),
// so the trainer's tests need no data set and run in a second.
#pragma once
#include <xgrad/xgrad.hpp>

#include "trainer.hpp"

namespace fashion_test {

inline fashion::Data synthetic_data() {
  xg::manual_seed(123);
  fashion::Data d;
  d.train_images = xg::randn({1200, 784});
  d.train_labels = xg::argmax(xg::narrow(d.train_images, 1, 0, 10), 1);
  d.test_images = xg::randn({300, 784});
  d.test_labels = xg::argmax(xg::narrow(d.test_images, 1, 0, 10), 1);
  return d;
}

}  // namespace fashion_test
