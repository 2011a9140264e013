// Errors inside the engine are ac::Error exceptions; the C ABI boundary (guard) turns them
// into a status code plus a thread-local message, so nothing ever unwinds into C or .NET.
#pragma once
#include <cstdarg>
#include <stdexcept>
#include <string>

#include "advcore.h"

namespace ac {

class Error : public std::runtime_error {
 public:
  Error(ac_status status, std::string message)
      : std::runtime_error(std::move(message)), status_(status) {}
  ac_status status() const { return status_; }

 private:
  ac_status status_;
};

// printf-style message builder.
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

[[noreturn]] void fail(ac_status status, const std::string& message);

void set_last_error(const std::string& message);
void clear_last_error();

// Runs `body` and converts every exception into a status; the one place errors cross the ABI.
template <class F>
ac_status guard(F&& body) noexcept {
  try {
    body();
    return AC_OK;
  } catch (const Error& e) {
    set_last_error(e.what());
    return e.status();
  } catch (const std::bad_alloc&) {
    set_last_error("out of host memory");
    return AC_ERR_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    set_last_error(std::string("internal error: ") + e.what());
    return AC_ERR_INTERNAL;
  } catch (...) {
    set_last_error("internal error: unknown exception");
    return AC_ERR_INTERNAL;
  }
}

}  // namespace ac
