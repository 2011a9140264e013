// A context: one device, its backend, a thread count and the Philox seed.
#pragma once
#include <memory>
#include <string>

#include "advcore.h"
#include "backend.h"

struct ac_context {
  ac_device device = AC_DEVICE_CPU;
  int32_t threads = 1;
  uint64_t seed = 0;
  uint32_t flags = 0;
  bool graph_capture = false;  // ac_context_set_graph_capture
  bool capturing = false;      // between a capturing ac_graph_begin and ac_graph_end
  bool value_checks = true;    // ac_context_set_value_checks
  // Whether an entry point may run a value check that reads the device back (labels in
  // range, logits finite): not while capturing (nothing runs) and not when the caller has
  // switched them off because it validated its inputs once (an attack loop).
  bool device_value_checks() const { return value_checks && !capturing; }
  std::unique_ptr<ac::Backend> backend;
};

namespace ac {

// Backend factories, one per backend file. make_cuda_backend throws AC_ERR_NOT_AVAILABLE
// with the reason when no GPU answers.
std::unique_ptr<Backend> make_cpu_reference_backend();
std::unique_ptr<Backend> make_cpu_fast_backend(int threads);
std::unique_ptr<Backend> make_cuda_backend(std::string* reason);
// Whether CUDA can be used here; fills `reason` when not.
bool cuda_available(std::string* reason);

}  // namespace ac
