//! The `runtime` command: a thin shell over the `kiln_runtime` library.

mod commands;

fn main() -> std::process::ExitCode {
    commands::run()
}
