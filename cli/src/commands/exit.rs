//! Exit codes: distinct for success, app error, bad input, and sandbox
//! violation or limit, so scripts and CI can tell them apart.

use std::process::ExitCode;

pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  the app returned an error
  2  bad input: manifest, component, arguments or payload
  3  sandbox violation or limit: a refused request-jira call, timeout, memory, fuel, trap
  4  environment: the site, the simulator or the build could not be used";

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    AppError = 1,
    BadInput = 2,
    Sandbox = 3,
    Environment = 4,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// A command that could not do its work, with the exit code that says why.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub error: anyhow::Error,
}

impl Failure {
    pub fn bad_input(error: impl Into<anyhow::Error>) -> Self {
        Self {
            exit: Exit::BadInput,
            error: error.into(),
        }
    }

    pub fn environment(error: impl Into<anyhow::Error>) -> Self {
        Self {
            exit: Exit::Environment,
            error: error.into(),
        }
    }

    /// Prints the error chain to stderr and returns the exit code.
    pub fn report(self) -> ExitCode {
        eprintln!("error: {:#}", self.error);
        self.exit.into()
    }
}
