//! The `runtime` command: parses arguments, talks to the terminal, and calls
//! the `kiln_runtime` library, which does the work.

mod commands;
mod consent_prompt;
mod login_listener;

fn main() -> std::process::ExitCode {
    // A JS build runs `runtime` under another name as its wizer (the snapshot
    // step componentize-js starts by path): see `kiln_guest_build::wizer`.
    if kiln_guest_build::wizer::invoked_as_wizer() {
        return kiln_guest_build::wizer::main();
    }
    commands::run()
}
