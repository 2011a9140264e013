#include "error.h"

#include <cstdio>
#include <vector>

namespace ac {

namespace {
thread_local std::string t_last_error;
}

std::string format(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  va_list copy;
  va_copy(copy, args);
  int size = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  std::string out(size > 0 ? static_cast<size_t>(size) : 0, '\0');
  if (size > 0) std::vsnprintf(out.data(), out.size() + 1, fmt, args);
  va_end(args);
  return out;
}

void fail(ac_status status, const std::string& message) { throw Error(status, message); }
void set_last_error(const std::string& message) { t_last_error = message; }
void clear_last_error() { t_last_error.clear(); }
const char* last_error() { return t_last_error.c_str(); }

}  // namespace ac

extern "C" AC_API const char* ac_last_error(void) { return ac::last_error(); }
