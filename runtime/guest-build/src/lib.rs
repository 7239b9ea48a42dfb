//! Builds Kiln guest apps into WebAssembly components.
//!
//! Used by the runtime's `run <folder>` / `build` commands and by the test
//! suite's build script, which compile app crates for `wasm32-wasip2`:
//!
//! ```no_run
//! use std::path::Path;
//!
//! use kiln_guest_build::{GuestBuild, build, ensure_wasm_target};
//!
//! # fn main() -> Result<(), kiln_guest_build::GuestBuildError> {
//! let app = Path::new("examples/hello");
//! ensure_wasm_target(app)?;
//! for component in build(&GuestBuild::new(app.join("Cargo.toml")).release(true))? {
//!     println!("{} -> {}", component.package, component.path.display());
//! }
//! # Ok(())
//! # }
//! ```

mod build;
pub mod cargo_env;
mod error;
mod gc_heap_cap;
pub mod js;
pub mod js_imports;
pub mod js_provided;
mod js_reuse;
pub mod limits;
mod message;
mod npm_registry;
mod path_patches;
pub mod sandbox;
mod snapshot_segments;
mod supervise;
mod target;
mod toolchain_file;
pub mod wizer;
pub mod wizer_cache;
mod workspace;

pub use build::{BuiltComponent, GuestBuild, WASM_TARGET, build};
pub use error::GuestBuildError;
pub use limits::BuildLimits;
pub use sandbox::Sandbox;
pub use target::ensure_wasm_target;
