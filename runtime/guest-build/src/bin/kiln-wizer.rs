//! Kiln's wizer as a program of its own (`runtime` is the same wizer when
//! started as `kiln-wizer`): see `kiln_guest_build::wizer`.

fn main() -> std::process::ExitCode {
    kiln_guest_build::wizer::main()
}
