//! The `runtime` command: parses arguments, talks to the terminal, and calls
//! the `kiln_runtime` library, which does the work.

mod commands;
mod consent_prompt;
mod login_listener;

fn main() -> std::process::ExitCode {
    commands::run()
}
