//! Settings a deployment (or a test) chooses when the server starts.

use crate::auth::login_limit::LoginPolicy;
use crate::auth::sessions::SessionPolicy;
use std::net::IpAddr;

#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    /// Reverse proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: Vec<IpAddr>,
    pub login: LoginPolicy,
    pub sessions: SessionPolicy,
}
