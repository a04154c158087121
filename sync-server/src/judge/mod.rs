//! What the server checks in a push before anything is stored.

pub mod changes;
pub mod evidence;
