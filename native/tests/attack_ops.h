// Builders for the operand structs of the fused attack steps, so a test names the shared
// operands once: rows(...) for the backend/reference view (ac::AttackRowsT), abi_ops(...) for
// the C ABI's ac_attack_operands (a temporary that converts to the pointer the entry points
// take, alive until the end of the call's full expression).
#pragma once
#include <type_traits>

#include "advcore.h"
#include "core/backend.h"

// T is deduced from y (never null); the other pointers may be nullptr.
template <class T>
ac::AttackRowsT<T> rows(int64_t n, int64_t d, int64_t k, std::type_identity_t<const T*> x, T* y,
                        std::type_identity_t<const T*> grad, std::type_identity_t<const T*> logits,
                        const int32_t* labels, std::type_identity_t<T*> best_y,
                        std::type_identity_t<T*> best_norm, ac::Criterion criterion = {}) {
  ac::AttackRowsT<T> r;
  r.n = n;
  r.d = d;
  r.k = k;
  r.x = x;
  r.y = y;
  r.grad = grad;
  r.logits = logits;
  r.labels = labels;
  r.best_y = best_y;
  r.best_norm = best_norm;
  r.criterion = criterion;
  return r;
}

struct AbiOps {
  ac_attack_operands o;
  operator const ac_attack_operands*() const { return &o; }
};

inline AbiOps abi_ops(const ac_tensor* x, ac_tensor* y, const ac_tensor* grad,
                      const ac_tensor* logits, const ac_tensor* labels, ac_tensor* best_y,
                      ac_tensor* best_norm, ac_criterion criterion = {AC_CRITERION_UNTARGETED, 0.0f}) {
  return AbiOps{{x, y, grad, logits, labels, best_y, best_norm, criterion}};
}
