#include "host_memory.h"

#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/error.h"

namespace ac {
namespace {

constexpr size_t kAlign = 64;
constexpr double kMiB = 1024.0 * 1024.0;

// Linux overcommits: a block larger than the memory left is granted, and the process is killed
// later, when its pages are touched (an absurd --batch did exactly that). Blocks this large are
// checked first, so they fail here with a message; smaller ones are not worth reading /proc for.
constexpr size_t kCheckedFrom = size_t{64} << 20;

// Bytes of the blocks handed out and not yet freed (their usable sizes).
std::atomic<size_t> g_live{0};

size_t physical_bytes() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : SIZE_MAX;
}

// MemAvailable of /proc/meminfo (what can be had without swapping); SIZE_MAX when unreadable.
size_t available_bytes() {
  FILE* f = std::fopen("/proc/meminfo", "r");
  if (!f) return SIZE_MAX;
  char line[256];
  size_t kib = 0;
  bool found = false;
  while (!found && std::fgets(line, sizeof line, f))
    found = std::sscanf(line, "MemAvailable: %zu kB", &kib) == 1;
  std::fclose(f);
  return found ? kib * 1024 : SIZE_MAX;
}

// Refuses a block that cannot be backed: more than the memory now available less a reserve (a
// sixteenth of the machine, so the process and its neighbours keep room to finish), or more than
// 90 % of the machine once added to what this library already holds (granted pages may be
// untouched yet, so MemAvailable alone would let several large blocks through).
void check_room(size_t bytes) {
  if (bytes < kCheckedFrom) return;
  size_t available = available_bytes(), live = g_live.load(std::memory_order_relaxed);
  size_t physical = physical_bytes(), ceiling = physical / 10 * 9, reserve = physical / 16;
  bool fits = (available == SIZE_MAX || (available > reserve && bytes <= available - reserve)) && (ceiling == SIZE_MAX || (live <= ceiling && bytes <= ceiling - live));
  if (fits) return;
  std::string room = available == SIZE_MAX ? std::string() : format("%.1f MiB available, ", static_cast<double>(available) / kMiB);
  fail(AC_ERR_OUT_OF_MEMORY,
       format("out of host memory: a block of %.1f MiB does not fit (%s%.1f MiB held by AdvCore, %.1f MiB in the "
              "machine); use a smaller batch",
              static_cast<double>(bytes) / kMiB, room.c_str(), static_cast<double>(live) / kMiB,
              static_cast<double>(physical) / kMiB));
}

}  // namespace

void* host_alloc(size_t bytes) {
  if (bytes > SIZE_MAX - kAlign)
    fail(AC_ERR_OUT_OF_MEMORY, format("out of host memory: %zu bytes requested", bytes));
  // aligned_alloc needs a size that is a multiple of the alignment (and > 0).
  size_t rounded = bytes == 0 ? kAlign : (bytes + kAlign - 1) / kAlign * kAlign;
  check_room(rounded);
  void* p = std::aligned_alloc(kAlign, rounded);
  if (!p)
    fail(AC_ERR_OUT_OF_MEMORY,
         format("out of host memory: could not allocate %zu bytes (%.1f MiB)", bytes,
                static_cast<double>(bytes) / kMiB));
  g_live.fetch_add(malloc_usable_size(p), std::memory_order_relaxed);
  return p;
}

void host_free(void* p) noexcept {
  if (!p) return;
  g_live.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
  std::free(p);
}

}  // namespace ac
