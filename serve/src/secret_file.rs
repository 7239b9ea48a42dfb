//! Reading a small secret file (admin token, webhook secret): refused when others may read
//! it, or when it is large (a secret is a line, not a document).

use std::io::Read as _;
use std::path::Path;

const MAX_SECRET_BYTES: u64 = 4096;

pub fn read_private(path: &Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = file
            .metadata()
            .map_err(|e| e.to_string())?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "readable by others (mode {:o}); run chmod 600 on it",
                mode & 0o777
            ));
        }
    }
    let mut text = String::new();
    file.take(MAX_SECRET_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_SECRET_BYTES {
        return Err(format!("larger than {MAX_SECRET_BYTES} bytes"));
    }
    if text.trim().is_empty() {
        return Err("empty".into());
    }
    Ok(text)
}
