// Both CPU backends, for tests that check semantics through the ac::Backend interface.
#pragma once
#include <memory>
#include <vector>

#include "core/context.h"

namespace testutil {

inline std::vector<std::unique_ptr<ac::Backend>> cpu_backends() {
  std::vector<std::unique_ptr<ac::Backend>> all;
  all.push_back(ac::make_cpu_reference_backend());
  all.push_back(ac::make_cpu_fast_backend(3));
  return all;
}

}  // namespace testutil
