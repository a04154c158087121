//! The reqwest transport (feature `reqwest`) for the demo, the tests and command-line use, and
//! `SyncClient`, which drives a `SyncSession` over it. Blocking on purpose: sync runs on a
//! background worker, and the core need not host an async runtime. Phones do not use this:
//! they carry the session's requests on their own HTTP stacks.

use super::engine::{Backoff, SyncProgress};
use super::http::{HttpHeader, HttpMethod, HttpRequest, HttpResponse, Transport};
use super::protocol::UserInfo;
use super::report::SyncReport;
use super::session::{SyncAccount, SyncOptions, SyncSession, run};
use crate::{Error, Result, Store};
use reqwest::blocking::Client;
use std::time::Duration;

/// Parses a CA certificate (PEM) the device is told to trust.
pub(crate) fn parse_ca(pem: &str) -> Result<Vec<reqwest::Certificate>> {
    let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| {
        Error::invalid_because("trusted CA", "服务器根证书不是 PEM 格式的证书，请向管理员索取正确的证书", e)
    })?;
    if certs.is_empty() {
        return Err(Error::invalid("trusted CA", "服务器根证书文件中没有证书，请向管理员索取正确的证书"));
    }
    Ok(certs)
}

/// HTTP over reqwest and rustls, trusting the platform's roots or only a given CA.
pub struct ReqwestTransport {
    http: Client,
}

impl ReqwestTransport {
    pub fn new(ca_pem: Option<&str>) -> Result<ReqwestTransport> {
        let mut builder = Client::builder().connect_timeout(Duration::from_secs(10)).timeout(Duration::from_secs(60));
        if let Some(pem) = ca_pem {
            builder = builder.tls_certs_only(parse_ca(pem)?);
        }
        Ok(ReqwestTransport { http: builder.build().map_err(|e| Error::Network(e.to_string()))? })
    }

    /// Trusting the CA this store was told to trust, if any.
    pub fn for_store(store: &Store) -> Result<ReqwestTransport> {
        ReqwestTransport::new(store.trusted_ca()?.as_deref())
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> std::result::Result<HttpResponse, String> {
        let method = match request.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
        };
        let mut builder = self.http.request(method, &request.url).body(request.body);
        for header in &request.headers {
            builder = builder.header(&header.name, &header.value);
        }
        let response = builder.send().map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        // reqwest is built without its decompression features: bodies come as sent, and core
        // decodes them (`HttpResponse::decoded`), as on the phones.
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                Some(HttpHeader { name: name.as_str().to_owned(), value: value.to_str().ok()?.to_owned() })
            })
            .collect();
        let body = response.bytes().map_err(|e| e.to_string())?;
        Ok(HttpResponse { status, headers, body: body.to_vec() })
    }
}

/// An account, a reqwest transport and options: a sync in one call.
pub struct SyncClient {
    account: SyncAccount,
    transport: ReqwestTransport,
    options: SyncOptions,
}

impl SyncClient {
    pub fn new(base: &str, token: &str) -> Result<SyncClient> {
        Self::with_trusted_ca(base, token, None)
    }

    /// A client that trusts only `ca_pem` (when given) instead of the platform's trust store.
    pub fn with_trusted_ca(base: &str, token: &str, ca_pem: Option<&str>) -> Result<SyncClient> {
        Ok(SyncClient {
            account: SyncAccount::new(base, token),
            transport: ReqwestTransport::new(ca_pem)?,
            options: SyncOptions::default(),
        })
    }

    /// Uploads every evidence file on its own (the per-file path only), for comparison.
    pub fn without_batched_uploads(mut self) -> SyncClient {
        self.options.batch_uploads = false;
        self
    }

    /// Sends files up to `bytes` in batches and larger ones in chunks (default 4 MiB).
    pub fn with_batch_file_bytes(mut self, bytes: u64) -> SyncClient {
        self.options.batch_file_bytes = bytes;
        self
    }

    /// Pushes batches of about `bytes` instead of 4 MB (a record larger than that goes alone).
    pub fn with_push_batch_bytes(mut self, bytes: usize) -> SyncClient {
        self.options.push_batch_bytes = bytes.max(1);
        self
    }

    /// The client for the account this store enrolled with (and the CA it was told to trust).
    pub fn for_store(store: &Store) -> Result<SyncClient> {
        let account = SyncAccount::of_store(store)?;
        Ok(SyncClient { account, transport: ReqwestTransport::for_store(store)?, options: SyncOptions::default() })
    }

    /// Enrols this device with a one-time code from the admin; the token is kept in the store.
    pub fn enroll(store: &Store, base: &str, code: &str) -> Result<(SyncClient, UserInfo)> {
        let transport = ReqwestTransport::for_store(store)?;
        let (account, user) = super::enroll(store, &transport, base, code)?;
        Ok((SyncClient { account, transport, options: SyncOptions::default() }, user))
    }

    /// One whole exchange (see `SyncSession`): one attempt.
    pub fn sync(&self, store: &Store, progress: &dyn SyncProgress) -> Result<SyncReport> {
        run(&mut SyncSession::new(store, self.account.clone(), self.options.clone(), progress), &self.transport)
    }

    /// `sync`, retried with backoff and jitter while the failure is the link's.
    pub fn sync_with_retry(&self, store: &Store, progress: &dyn SyncProgress, backoff: Backoff) -> Result<SyncReport> {
        let options = SyncOptions { retry: Some(backoff), ..self.options.clone() };
        run(&mut SyncSession::new(store, self.account.clone(), options, progress), &self.transport)
    }
}
