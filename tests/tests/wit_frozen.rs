//! A released WIT world never changes: each `wit/<version>/` folder is pinned
//! here by a digest over its files, so an edit to a released world fails this
//! test instead of silently breaking the apps built against it. A change
//! belongs in a new version folder; a new folder must be pinned here when it
//! is released.
//!
//! The digest is SHA-256 over every file, in path order, as
//! `relative/path NUL byte-length NUL bytes`, so a renamed, added, removed
//! or edited file all change it.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Released worlds and their digests.
const FROZEN: &[(&str, &str)] = &[
    (
        "0.1.0",
        "d318eb084e86ea1ffd30629c5b8dc8f418a62cfad2b0b2403697044fd49a44b0",
    ),
    (
        "0.2.0",
        "561cc215eb21976cc61d6c07d83629b49ae2dd55147abbb4094ae1e6e668da55",
    ),
    (
        "0.3.0",
        "1f64d36c11efb44facf22b13ff9452c5e90af196f30a9a38f7f522b8635b6bb5",
    ),
    (
        "0.4.0",
        "a6c07f9e69272155b65d60357a88eb17ce97e577fb2182dede83de0650748060",
    ),
    (
        "0.5.0",
        "b52c7d0f00a4ad71c6bc9d5ce7d8b5efc9366f8e368d7566ee8e5f6bc66efc83",
    ),
];

fn wit_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit")
}

fn files_under(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable folder") {
        let path = entry.expect("readable entry").path();
        if path.is_dir() {
            files_under(root, &path, out);
        } else {
            out.push(path.strip_prefix(root).expect("under root").to_owned());
        }
    }
}

fn digest(folder: &Path) -> String {
    let mut files = Vec::new();
    files_under(folder, folder, &mut files);
    files.sort();
    let mut hash = Sha256::new();
    for relative in files {
        let bytes = std::fs::read(folder.join(&relative)).expect("readable file");
        let name = relative.to_str().expect("UTF-8 file names in wit/");
        hash.update(name.as_bytes());
        hash.update(b"\0");
        hash.update(bytes.len().to_string().as_bytes());
        hash.update(b"\0");
        hash.update(&bytes);
    }
    hex::encode(hash.finalize())
}

#[test]
fn every_released_world_is_unchanged() {
    for (version, pinned) in FROZEN {
        let actual = digest(&wit_dir().join(version));
        assert_eq!(
            &actual, pinned,
            "wit/{version} changed after its release; put the change in a new version folder"
        );
    }
}

#[test]
fn every_world_folder_is_pinned() {
    for entry in std::fs::read_dir(wit_dir()).expect("wit/ exists") {
        let entry = entry.expect("readable entry");
        if !entry.path().is_dir() {
            continue;
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        assert!(
            FROZEN.iter().any(|(version, _)| *version == name),
            "wit/{name} is not pinned in {}: add its digest when it is released",
            file!()
        );
    }
}
