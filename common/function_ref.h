// FunctionRef<R(Args...)>: a non-owning reference to a callable, for
// parameters that are called before the function taking them returns (absl's
// FunctionRef, LLVM's function_ref). Unlike std::function it never allocates:
// two words, one indirect call. The callable must outlive the FunctionRef;
// never store one beyond the call it was passed to.
//
//   Status ForEach(FunctionRef<Status(int)> fn);
//   RETURN_IF_ERROR(ForEach([&](int x) { return Check(x); }));
#ifndef CONSILIUM_COMMON_FUNCTION_REF_H_
#define CONSILIUM_COMMON_FUNCTION_REF_H_

#include <memory>
#include <type_traits>
#include <utility>

namespace consilium {

template <typename Signature>
class FunctionRef;

template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F,
            typename = std::enable_if_t<
                !std::is_same_v<std::remove_cvref_t<F>, FunctionRef> &&
                std::is_invocable_r_v<R, F&, Args...>>>
  FunctionRef(F&& f) noexcept  // NOLINT: implicit, like std::function
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* object, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(object))(
              std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const {
    return call_(object_, std::forward<Args>(args)...);
  }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

}  // namespace consilium

#endif  // CONSILIUM_COMMON_FUNCTION_REF_H_
