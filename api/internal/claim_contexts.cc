#include "api/internal/claim_contexts.h"

#include <map>
#include <mutex>

namespace consilium::api::internal {
namespace {

struct Registry {
  std::mutex mu;
  std::map<const projections::ProjectionEngine*,
           std::shared_ptr<projections::FieldContextCache>>
      caches;
};

Registry& TheRegistry() {
  static Registry* r = new Registry();  // never destroyed: no exit order
  return *r;
}

}  // namespace

void RegisterClaimContexts(const projections::ProjectionEngine* engine,
                           const Clock* clock) {
  Registry& r = TheRegistry();
  std::lock_guard l(r.mu);
  r.caches[engine] = std::make_shared<projections::FieldContextCache>(clock);
}

void UnregisterClaimContexts(const projections::ProjectionEngine* engine) {
  Registry& r = TheRegistry();
  std::lock_guard l(r.mu);
  r.caches.erase(engine);
}

std::shared_ptr<projections::FieldContextCache> ClaimContexts(
    const projections::ProjectionEngine* engine) {
  Registry& r = TheRegistry();
  std::lock_guard l(r.mu);
  auto it = r.caches.find(engine);
  return it == r.caches.end() ? nullptr : it->second;
}

}  // namespace consilium::api::internal
