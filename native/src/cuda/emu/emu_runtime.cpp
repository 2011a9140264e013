// The emulator's execution engine. Default: the CUDA threads of a block are fibers
// (ucontext) scheduled round-robin on the calling thread; a barrier is a counter that
// waiting fibers poll between yields. ACEMU_OS_THREADS=1: a pool of persistent OS threads,
// one per CUDA thread, with condition-variable barriers (slower by far, but friendly to
// AddressSanitizer, which does not follow swapcontext).
#include "emu_runtime.h"

#include <ucontext.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "emu_launch.h"

namespace acemu {

thread_local ac_uint3 t_thread_idx{0, 0, 0};
ac_uint3 g_block_idx{0, 0, 0}, g_block_dim{1, 1, 1}, g_grid_dim{1, 1, 1};

namespace {

// A reusable barrier whose participant count is set per block.
class Barrier {
 public:
  void reset(int count) {
    std::lock_guard<std::mutex> lock(mu_);
    count_ = count;
    waiting_ = 0;
  }
  void arrive_and_wait() {
    std::unique_lock<std::mutex> lock(mu_);
    uint64_t gen = generation_;
    if (++waiting_ == count_) {
      waiting_ = 0;
      ++generation_;
      cv_.notify_all();
      return;
    }
    cv_.wait(lock, [&] { return generation_ != gen; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0, waiting_ = 0;
  uint64_t generation_ = 0;
};

constexpr int kMaxThreads = 1024;
Barrier g_block_barrier;
Barrier g_warp_barriers[kMaxThreads / 32];
uint64_t g_slots[kMaxThreads];

class Pool {
 public:
  void run_block(int threads, const std::function<void()>& body) {
    grow(threads);
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &body;
      active_ = threads;
      remaining_ = threads;
      ++generation_;
    }
    start_.notify_all();
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [&] { return remaining_ == 0; });
    job_ = nullptr;
  }

 private:
  void grow(int threads) {
    while (static_cast<int>(count_) < threads) {
      int id = static_cast<int>(count_++);
      std::thread([this, id] { work(id); }).detach();  // lives as long as the process
    }
  }
  void work(int id) {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void()>* job = nullptr;
      {
        std::unique_lock<std::mutex> lock(mu_);
        start_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (id >= active_) continue;
        job = job_;
      }
      t_thread_idx = ac_uint3{static_cast<unsigned>(id), 0, 0};
      (*job)();
      std::lock_guard<std::mutex> lock(mu_);
      if (--remaining_ == 0) done_.notify_one();
    }
  }

  std::mutex mu_;
  std::condition_variable start_, done_;
  const std::function<void()>* job_ = nullptr;
  int active_ = 0, remaining_ = 0;
  uint64_t generation_ = 0;
  std::atomic<unsigned> count_{0};
};

Pool& pool() {
  static Pool* p = new Pool;  // leaked: its detached threads use it until exit
  return *p;
}

std::mutex g_launch_mu;  // one launch at a time (the statics above are per launch)

// ------------------------------------------------------------------ fiber engine

// A barrier for fibers: no locking (one OS thread), waiting = yielding until the
// generation moves on.
struct FiberBarrier {
  int count = 0, arrived = 0;
  uint64_t generation = 0;
};

struct Fiber {
  ucontext_t ctx;
  std::vector<char> stack;
  bool done = false;
};

constexpr size_t kFiberStack = 256 * 1024;
bool g_use_fibers = true;
ucontext_t g_scheduler;
std::vector<Fiber> g_fibers;
int g_current = -1;
uint64_t g_progress = 0;  // bumps on every barrier arrival and fiber exit
const std::function<void()>* g_fiber_body = nullptr;
FiberBarrier g_fblock;
FiberBarrier g_fwarps[kMaxThreads / 32];

void fiber_yield() { swapcontext(&g_fibers[static_cast<size_t>(g_current)].ctx, &g_scheduler); }

void fiber_wait(FiberBarrier& b) {
  ++g_progress;
  uint64_t gen = b.generation;
  if (++b.arrived == b.count) {
    b.arrived = 0;
    ++b.generation;
    return;
  }
  while (b.generation == gen) fiber_yield();
}

void fiber_entry(int id) {
  (*g_fiber_body)();
  g_fibers[static_cast<size_t>(id)].done = true;
  ++g_progress;
  // Returning resumes uc_link, the scheduler.
}

void run_block_fibers(int threads, const std::function<void()>& body) {
  if (g_fibers.size() < static_cast<size_t>(threads)) g_fibers.resize(static_cast<size_t>(threads));
  g_fiber_body = &body;
  for (int t = 0; t < threads; ++t) {
    Fiber& f = g_fibers[static_cast<size_t>(t)];
    if (f.stack.empty()) f.stack.resize(kFiberStack);
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = f.stack.data();
    f.ctx.uc_stack.ss_size = f.stack.size();
    f.ctx.uc_link = &g_scheduler;
    makecontext(&f.ctx, reinterpret_cast<void (*)()>(&fiber_entry), 1, t);
    f.done = false;
  }
  int remaining = threads;
  while (remaining > 0) {
    uint64_t before = g_progress;
    for (int t = 0; t < threads; ++t) {
      Fiber& f = g_fibers[static_cast<size_t>(t)];
      if (f.done) continue;
      g_current = t;
      t_thread_idx = ac_uint3{static_cast<unsigned>(t), 0, 0};
      swapcontext(&g_scheduler, &f.ctx);
      if (f.done) --remaining;
    }
    if (remaining > 0 && g_progress == before) {
      std::fprintf(stderr,
                   "acemu: deadlock in block (%u,%u,%u): %d threads wait at a barrier that the "
                   "others never reach (__syncthreads or a shuffle in divergent code)\n",
                   g_block_idx.x, g_block_idx.y, g_block_idx.z, remaining);
      std::abort();
    }
  }
  g_current = -1;
}

}  // namespace

void syncthreads() {
  if (g_use_fibers) fiber_wait(g_fblock);
  else g_block_barrier.arrive_and_wait();
}

uint64_t warp_exchange(uint64_t bits, int src_lane) {
  int tid = static_cast<int>(t_thread_idx.x);
  int warp = tid / 32, base = warp * 32;
  g_slots[tid] = bits;
  if (g_use_fibers) fiber_wait(g_fwarps[warp]);
  else g_warp_barriers[warp].arrive_and_wait();
  uint64_t out = bits;
  if (src_lane >= 0 && src_lane < 32 && base + src_lane < static_cast<int>(g_block_dim.x))
    out = g_slots[base + src_lane];
  if (g_use_fibers) fiber_wait(g_fwarps[warp]);
  else g_warp_barriers[warp].arrive_and_wait();
  return out;
}

void launch(ac_uint3 grid, ac_uint3 block, const std::function<void()>& body) {
  std::lock_guard<std::mutex> lock(g_launch_mu);
  if (block.y != 1 || block.z != 1) {
    std::fprintf(stderr, "acemu: only 1-D blocks are emulated\n");
    std::abort();
  }
  const char* os = std::getenv("ACEMU_OS_THREADS");
  g_use_fibers = !(os && *os == '1');
  int threads = static_cast<int>(block.x);
  g_block_dim = block;
  g_grid_dim = grid;
  g_block_barrier.reset(threads);
  g_fblock = FiberBarrier{threads, 0, 0};
  for (int w = 0; w * 32 < threads; ++w) {
    int members = std::min(32, threads - w * 32);
    g_warp_barriers[w].reset(members);
    g_fwarps[w] = FiberBarrier{members, 0, 0};
  }
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        g_block_idx = ac_uint3{x, y, z};
        if (g_use_fibers) run_block_fibers(threads, body);
        else pool().run_block(threads, body);
      }
}

}  // namespace acemu
