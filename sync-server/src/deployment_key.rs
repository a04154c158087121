//! The deployment's signing key (部署签名密钥): an Ed25519 key generated once into the data
//! folder, with which the server signs every evidence package's manifest. Whoever checks a
//! package takes the public key from the deployment (the console shows it, the server prints
//! it at first start, `deployment-key.pub` holds it), never from the package itself.

use crate::console::package::keys::PublicKey;
use ed25519_dalek::{Signer, SigningKey};
use std::io::Write;
use std::path::Path;

/// The secret seed, 64 hex digits; readable by the server's user only.
pub const SECRET_FILE: &str = "deployment-signing.key";
/// The public key, 64 hex digits: what to give `xuncha-verify --deployment-key @FILE`.
pub const PUBLIC_FILE: &str = "deployment-key.pub";

pub struct DeploymentKey(SigningKey);

impl DeploymentKey {
    /// Loads the key from `data`, or generates it there when the folder has none. Returns the
    /// key and whether it was generated now.
    pub fn load_or_create(data: &Path) -> std::io::Result<(DeploymentKey, bool)> {
        let path = data.join(SECRET_FILE);
        let (key, created) = match std::fs::read_to_string(&path) {
            Ok(text) => (DeploymentKey::parse(&text, &path)?, false),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (DeploymentKey::create(&path)?, true),
            Err(e) => return Err(e),
        };
        warn_if_readable_by_others(&path);
        // The public file is only a convenience for operators: rewritten from the secret.
        std::fs::write(data.join(PUBLIC_FILE), format!("{}\n", key.public().hex()))?;
        Ok((key, created))
    }

    fn parse(text: &str, path: &Path) -> std::io::Result<DeploymentKey> {
        let seed: [u8; 32] = hex::decode(text.trim()).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} does not hold a 64-hex-digit Ed25519 seed", path.display()),
            )
        })?;
        Ok(DeploymentKey(SigningKey::from_bytes(&seed)))
    }

    fn create(path: &Path) -> std::io::Result<DeploymentKey> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path)?;
        file.write_all(format!("{}\n", hex::encode(seed)).as_bytes())?;
        file.sync_all()?;
        Ok(DeploymentKey(SigningKey::from_bytes(&seed)))
    }

    /// A key from a known seed: for tests and fuzzing, never for a deployment.
    pub fn from_seed(seed: [u8; 32]) -> DeploymentKey {
        DeploymentKey(SigningKey::from_bytes(&seed))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey::from_verifying_key(self.0.verifying_key())
    }

    /// Hex Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> String {
        hex::encode(self.0.sign(message).to_bytes())
    }
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(path = %path.display(), mode = format!("{:o}", meta.permissions().mode() & 0o777), "the deployment signing key is readable by other users; chmod 600 it");
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_private_and_loaded_again() {
        let dir = tempfile::tempdir().unwrap();
        let (first, created) = DeploymentKey::load_or_create(dir.path()).unwrap();
        assert!(created);
        let (again, created) = DeploymentKey::load_or_create(dir.path()).unwrap();
        assert!(!created);
        assert_eq!(first.public(), again.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let public = std::fs::read_to_string(dir.path().join(PUBLIC_FILE)).unwrap();
        assert_eq!(PublicKey::from_hex(&public).unwrap(), first.public());
        assert!(first.public().verifies(b"manifest", &again.sign(b"manifest")));
        assert!(!first.public().verifies(b"manifest!", &again.sign(b"manifest")));
    }
}
