//! Shared set-up for the headless UI tests: the real token store on
//! keyring-core's mock keyring, in a temporary folder, at a manual clock,
//! with the fast test KDF parameters.

use std::path::Path;
use std::sync::Arc;

use softtoken::clock::ManualClock;
use softtoken::device::DeviceId;
use softtoken::store::KeyringStore;
use softtoken::tokens::Tokens;
use softtoken::vault::KdfParams;

pub fn mock_tokens(dir: &Path, machine_id: &str, clock: &ManualClock) -> Tokens {
    Tokens::new(
        Arc::new(KeyringStore::mock()),
        dir.to_path_buf(),
        DeviceId::from_machine_id(machine_id),
        Arc::new(clock.clone()),
    )
    .with_kdf(KdfParams::TEST)
}
