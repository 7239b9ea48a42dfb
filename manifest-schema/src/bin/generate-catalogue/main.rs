//! Regenerates Kiln's route → scope catalogue and the manifest schema's scope list
//! from Atlassian's published API specs.
//!
//! ```text
//! cargo run -p kiln-manifest --bin generate-catalogue -- [--specs DIR] [--out DIR] [--sim-out DIR]
//! ```
//!
//! `--specs` defaults to `$KILN_SPECS_DIR`, else `<repo>/../shared/specs`; `--out` defaults to this crate's
//! directory, where it writes `src/catalogue/generated.rs` and `manifest.schema.json`;
//! `--sim-out` defaults to the simulator's crate (`runtime/sim`), where it writes
//! `src/not_modelled/generated.rs`, every operation of the specs (the simulator
//! answers 501 for those it does not model).
//! The hand-kept inputs `catalogue/extra-routes.tsv` and `catalogue/platform-scopes.tsv`
//! (Forge platform scopes such as `storage:app`) are always read from this crate.

mod model;
mod render;
mod sources;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

const CRATE_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn main() -> Result<()> {
    let args = Args::parse(std::env::args().skip(1))?;
    let crate_dir = Path::new(CRATE_DIR);

    let catalogue = sources::read_all(
        &args.specs,
        &crate_dir.join("catalogue/extra-routes.tsv"),
        &crate_dir.join("catalogue/platform-scopes.tsv"),
    )?;

    let rust = render::rust(&catalogue);
    let template =
        std::fs::read_to_string(crate_dir.join("catalogue/manifest.schema.template.json"))
            .context("reading catalogue/manifest.schema.template.json")?;
    let forge_scopes = std::fs::read_to_string(crate_dir.join("catalogue/forge-scopes.txt"))
        .context("reading catalogue/forge-scopes.txt")?;
    let schema = render::schema(&template, &catalogue, &forge_scopes)?;

    write(&args.out.join("src/catalogue/generated.rs"), &rust)?;
    write(&args.out.join("manifest.schema.json"), &schema)?;
    write(
        &args.sim_out.join("src/not_modelled/generated.rs"),
        &render::sim_operations(&catalogue),
    )?;
    eprintln!("{}", catalogue.summary());
    Ok(())
}

fn write(path: &Path, contents: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))
}

struct Args {
    specs: PathBuf,
    out: PathBuf,
    sim_out: PathBuf,
}

impl Args {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Self> {
        let crate_dir = Path::new(CRATE_DIR);
        let mut parsed = Args {
            specs: std::env::var_os("KILN_SPECS_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| crate_dir.join("../../shared/specs")),
            out: crate_dir.to_path_buf(),
            sim_out: crate_dir.join("../runtime/sim"),
        };
        while let Some(flag) = args.next() {
            let target = match flag.as_str() {
                "--specs" => &mut parsed.specs,
                "--out" => &mut parsed.out,
                "--sim-out" => &mut parsed.sim_out,
                "-h" | "--help" => {
                    println!("usage: generate-catalogue [--specs DIR] [--out DIR] [--sim-out DIR]");
                    std::process::exit(0);
                }
                other => {
                    bail!("unknown argument {other:?} (expected --specs, --out or --sim-out DIR)")
                }
            };
            *target = args
                .next()
                .map(PathBuf::from)
                .with_context(|| format!("{flag} needs a directory"))?;
        }
        Ok(parsed)
    }
}
