//! Kiln's wizer for the suite's JavaScript builds (`support::kiln_wizer`):
//! the same `kiln_guest_build::wizer` that `runtime` runs under the name
//! `kiln-wizer`, as a program whose path cargo gives the tests.

fn main() -> std::process::ExitCode {
    kiln_guest_build::wizer::main()
}
