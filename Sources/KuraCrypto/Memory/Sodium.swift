internal import CSodium

/// libsodium must be initialised once before any of its functions run; `sodium_init` is
/// idempotent and thread-safe, and a global `let` runs it exactly once.
let sodiumInitialised: Bool = sodium_init() >= 0

@inline(__always)
func requireSodium() {
    precondition(sodiumInitialised, "libsodium failed to initialise")
}
